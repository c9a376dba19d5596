//! `watchword client …`: the API clients of each surface, in the store.

use std::process::ExitCode;

use anyhow::bail;
use watchword_http::clients::{Client, Clients, NewClient};

use crate::cli::ClientCommand;

/// The roles each surface knows.
const ROLES: &[(&str, &[&str])] = &[
    (
        "twoway",
        &[
            watchword_twoway_server::ROLE_APP,
            watchword_twoway_server::ROLE_PORTAL,
        ],
    ),
    ("passkey", &[watchword_passkey_server::ROLE_APP]),
    ("auth-host", &[watchword_auth_host_server::ROLE_CONNECT]),
];

fn registry(surface: &str) -> anyhow::Result<Clients> {
    if !ROLES.iter().any(|(s, _)| *s == surface) {
        bail!(
            "unknown surface {surface:?}; surfaces with clients: {}, approval",
            ROLES.iter().map(|(s, _)| *s).collect::<Vec<_>>().join(", ")
        );
    }
    Ok(Clients::new(surface)?)
}

fn public(client: &Client) -> serde_json::Value {
    serde_json::json!({
        "id": client.id,
        "role": client.role,
        "name": client.name,
        "scopes": client.scopes,
        "origins": client.origins,
        "app_id": client.app_id,
        "created_at": client.created_at,
    })
}

pub(crate) fn run(store_url: &str, command: ClientCommand) -> anyhow::Result<ExitCode> {
    let (store, runtime) = crate::admin::open(store_url, "clients")?;
    runtime.block_on(async move {
        if command_surface(&command) == watchword_approval_server::SURFACE {
            return partners(store.as_ref(), command).await;
        }
        match command {
            ClientCommand::Add(args) => {
                let roles = ROLES
                    .iter()
                    .find(|(s, _)| *s == args.surface)
                    .map(|(_, r)| *r)
                    .unwrap_or_default();
                let clients = registry(&args.surface)?;
                if !roles.contains(&args.role.as_str()) {
                    bail!(
                        "unknown role {:?} for {}; use one of: {}",
                        args.role,
                        args.surface,
                        roles.join(", ")
                    );
                }
                if args.surface == "passkey" {
                    watchword_passkey_server::check_client(&args.origins, &args.scopes)
                        .map_err(anyhow::Error::msg)?;
                }
                let new = NewClient {
                    role: args.role,
                    name: args.name,
                    origins: args.origins,
                    scopes: args.scopes,
                    // The passkey SDK names its app in the page (`data-appid`).
                    app_id: (args.surface == "passkey")
                        .then(|| watchword_passkey_server::new_app_id(&mut rand_core::OsRng)),
                    id: args.id,
                    secret: None,
                };
                let created = clients
                    .add(
                        store.as_ref(),
                        new,
                        &mut rand_core::OsRng,
                        watchword_http::Clock::system().now(),
                    )
                    .await
                    .map_err(|e| crate::admin::api(&e))?;
                let mut shown = public(&created.client);
                shown["secret"] = created.secret.into();
                println!("{}", serde_json::to_string_pretty(&shown)?);
                eprintln!("the secret is shown only this once; the store keeps its SHA-256");
                Ok(ExitCode::SUCCESS)
            }
            ClientCommand::List { surface } => {
                let list = registry(&surface)?
                    .list(store.as_ref())
                    .await
                    .map_err(|e| crate::admin::api(&e))?;
                println!(
                    "{}",
                    serde_json::to_string_pretty(&list.iter().map(public).collect::<Vec<_>>())?
                );
                Ok(ExitCode::SUCCESS)
            }
            ClientCommand::Remove { surface, id } => {
                let removed = registry(&surface)?
                    .remove(store.as_ref(), &id)
                    .await
                    .map_err(|e| crate::admin::api(&e))?;
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

fn command_surface(command: &ClientCommand) -> &str {
    match command {
        ClientCommand::Add(args) => &args.surface,
        ClientCommand::List { surface } | ClientCommand::Remove { surface, .. } => surface,
    }
}

fn partner(partner: &watchword_approval_server::Partner) -> serde_json::Value {
    serde_json::json!({
        "id": partner.id,
        "name": partner.name,
        "origins": partner.origins,
        "created_at": partner.created_at,
    })
}

/// The approval surface's clients: partners, each with a server and a browser key.
async fn partners(
    store: &dyn watchword_store::Store,
    command: ClientCommand,
) -> anyhow::Result<ExitCode> {
    let registry = watchword_approval_server::Partners::new()?;
    match command {
        ClientCommand::Add(args) => {
            if !args.role.is_empty() || !args.scopes.is_empty() {
                bail!(
                    "an approval partner takes no --role or --scope: it gets a SRV- and a JS- key"
                );
            }
            let added = registry
                .add(
                    store,
                    watchword_approval_server::NewPartner {
                        id: args.id,
                        name: args.name,
                        origins: args.origins,
                        keys: None,
                    },
                    &mut rand_core::OsRng,
                    watchword_http::Clock::system().now(),
                )
                .await
                .map_err(|e| crate::admin::api(&e))?;
            let mut shown = partner(&added.partner);
            shown["server_key"] = added.server_key.expose().into();
            shown["browser_key"] = added.browser_key.expose().into();
            println!("{}", serde_json::to_string_pretty(&shown)?);
            eprintln!(
                "the keys are shown only this once; the store keeps their SHA-256. The SRV- key \
                 belongs on your servers only; the JS- key works from the origins given."
            );
            Ok(ExitCode::SUCCESS)
        }
        ClientCommand::List { .. } => {
            let list = registry
                .list(store)
                .await
                .map_err(|e| crate::admin::api(&e))?;
            println!(
                "{}",
                serde_json::to_string_pretty(&list.iter().map(partner).collect::<Vec<_>>())?
            );
            Ok(ExitCode::SUCCESS)
        }
        ClientCommand::Remove { id, .. } => {
            let removed = registry
                .remove(store, &id)
                .await
                .map_err(|e| crate::admin::api(&e))?;
            println!("{}", serde_json::json!({ "removed": removed }));
            Ok(if removed {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}
