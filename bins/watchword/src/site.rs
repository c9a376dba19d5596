//! `watchword site …`: the sites a captcha server protects, in the store.

use std::process::ExitCode;

use watchword_captcha::Kind;
use watchword_captcha_server::sites::{NewSite, Site, Sites};

use crate::admin::{self, api};
use crate::cli::{ChallengeKind, SiteCommand};

fn shown(site: &Site, secret: bool) -> serde_json::Value {
    let mut json = serde_json::json!({
        "id": site.id,
        "name": site.name,
        "origins": site.origins,
        "kinds": site.kinds,
        "difficulty": site.difficulty,
        "created_at": site.created_at,
    });
    if secret {
        json["secret"] = site.secret.clone().into();
    }
    json
}

pub(crate) fn run(store_url: &str, command: SiteCommand) -> anyhow::Result<ExitCode> {
    let (store, runtime) = admin::open(store_url, "sites")?;
    let sites = Sites::new(Vec::new()).map_err(|e| api(&e))?;
    runtime.block_on(async move {
        match command {
            SiteCommand::Add(args) => {
                let new = NewSite {
                    id: args.id,
                    name: args.name,
                    secret: None,
                    origins: args.origins,
                    kinds: args
                        .kinds
                        .into_iter()
                        .map(|kind| match kind {
                            ChallengeKind::Transcription => Kind::Transcription,
                            ChallengeKind::ProofOfWork => Kind::ProofOfWork,
                        })
                        .collect(),
                    difficulty: args.difficulty,
                };
                let site = sites
                    .add(store.as_ref(), new, &mut rand_core::OsRng, admin::now())
                    .await
                    .map_err(|e| api(&e))?;
                println!("{}", serde_json::to_string_pretty(&shown(&site, true))?);
                eprintln!("keep the secret on the partner's backend: it signs the check JWT and is the siteverify secret");
                Ok(ExitCode::SUCCESS)
            }
            SiteCommand::List { show_secrets } => {
                let list = sites.list(store.as_ref()).await.map_err(|e| api(&e))?;
                let list: Vec<_> = list.iter().map(|s| shown(s, show_secrets)).collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
                Ok(ExitCode::SUCCESS)
            }
            SiteCommand::RotateSecret { id } => {
                let rotated = sites
                    .rotate_secret(store.as_ref(), &id, &mut rand_core::OsRng)
                    .await
                    .map_err(|e| api(&e))?;
                let Some(site) = rotated else {
                    eprintln!("watchword: no site {id}");
                    return Ok(ExitCode::FAILURE);
                };
                println!("{}", serde_json::to_string_pretty(&shown(&site, true))?);
                Ok(ExitCode::SUCCESS)
            }
            SiteCommand::Remove { id } => {
                let removed = sites.remove(store.as_ref(), &id).await.map_err(|e| api(&e))?;
                println!("{}", serde_json::json!({ "removed": removed }));
                Ok(if removed {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                })
            }
        }
    })
}
