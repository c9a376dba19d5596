//! `watchword captcha …`: the transcription corpus in the store.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use watchword_captcha::{Punctuation, VoteConfig};
use watchword_captcha_server::corpus::{self, image_type, Corpus};

use crate::admin::{self, api};
use crate::cli::CaptchaCommand;

pub(crate) fn run(store_url: &str, command: CaptchaCommand) -> anyhow::Result<ExitCode> {
    let (store, runtime) = admin::open(store_url, "corpus")?;
    let corpus = Corpus::new(VoteConfig::default(), Punctuation::Strip);
    runtime.block_on(async move {
        match command {
            CaptchaCommand::Import { dir, answers } => {
                let answers = match answers {
                    Some(path) => read_answers(&path)?,
                    None => BTreeMap::new(),
                };
                let items = read_folder(&dir, &answers)?;
                let known = items.iter().filter(|item| item.1.is_some()).count();
                let count = corpus::load(
                    &corpus,
                    store.as_ref(),
                    items
                        .iter()
                        .map(|(id, answer, image)| (id.as_str(), answer.as_deref(), image.as_slice())),
                )
                .await
                .map_err(|e| api(&e))?;
                println!(
                    "{}",
                    serde_json::json!({ "imported": count, "known": known, "unknown": count - known })
                );
                Ok(ExitCode::SUCCESS)
            }
            CaptchaCommand::Export => {
                let mut out = String::from("item,answer,learned,votes,leading_text,leading_votes\n");
                for item in corpus.list(store.as_ref()).await.map_err(|e| api(&e))? {
                    let votes = corpus.votes(store.as_ref(), &item.id).await.map_err(|e| api(&e))?;
                    let tally = votes.tally();
                    let (leading, leading_votes) = tally
                        .first()
                        .map_or((String::new(), 0), |(text, n)| (text.clone(), *n));
                    out.push_str(&csv_row(&[
                        &item.id,
                        item.answer.as_deref().unwrap_or_default(),
                        if item.learned { "yes" } else { "no" },
                        &votes.len().to_string(),
                        &leading,
                        &leading_votes.to_string(),
                    ]));
                }
                print!("{out}");
                Ok(ExitCode::SUCCESS)
            }
            CaptchaCommand::Review { accept, reject } => {
                let decided = match (accept, reject) {
                    (Some(id), _) => Some(("accepted", corpus.accept(store.as_ref(), &id).await, id)),
                    (None, Some(id)) => Some(("rejected", corpus.reject(store.as_ref(), &id).await, id)),
                    (None, None) => None,
                };
                if let Some((verb, outcome, id)) = decided {
                    let Some(item) = outcome.map_err(|e| api(&e))? else {
                        eprintln!("no item {id}");
                        return Ok(ExitCode::from(1));
                    };
                    println!("{}", serde_json::json!({ verb: item.id, "answer": item.answer }));
                    return Ok(ExitCode::SUCCESS);
                }
                for item in corpus.list(store.as_ref()).await.map_err(|e| api(&e))? {
                    if !item.learned {
                        continue;
                    }
                    let votes = corpus.votes(store.as_ref(), &item.id).await.map_err(|e| api(&e))?;
                    let tally: Vec<serde_json::Value> = votes
                        .tally()
                        .into_iter()
                        .map(|(text, n)| serde_json::json!({ "text": text, "votes": n }))
                        .collect();
                    println!(
                        "{}",
                        serde_json::json!({
                            "item": item.id,
                            "answer": item.answer,
                            "probation_until": item.probation_until,
                            "votes": tally,
                        })
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            CaptchaCommand::Demo => {
                let items = watchword_captcha::demo::corpus();
                let count = corpus::load(
                    &corpus,
                    store.as_ref(),
                    items
                        .iter()
                        .map(|item| (item.id.as_str(), item.answer.as_deref(), item.png.as_slice())),
                )
                .await
                .map_err(|e| api(&e))?;
                println!("{}", serde_json::json!({ "imported": count }));
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}

/// An item read from disk: id, known answer, image bytes.
type Loaded = (String, Option<String>, Vec<u8>);

/// The images of `dir` as `(id, known answer, bytes)`: the id is the file name without its
/// extension; the answer is the CSV's, by file name.
fn read_folder(dir: &Path, answers: &BTreeMap<String, String>) -> anyhow::Result<Vec<Loaded>> {
    let mut items = Vec::new();
    let mut seen = BTreeMap::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .collect::<Result<_, _>>()?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        if !path.is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        if image_type(&bytes).is_none() {
            if answers.contains_key(&name) {
                bail!("{name} is listed in the answers but is not a PNG, JPEG, GIF or WebP image");
            }
            eprintln!("skipping {name}: not an image");
            continue;
        }
        let id = path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !corpus::is_item_id(&id) {
            bail!("{name}: item ids (file names without extension) must be 1 to 128 of A-Z a-z 0-9 . _ -");
        }
        if let Some(other) = seen.insert(id.clone(), name.clone()) {
            bail!("{name} and {other} would both be item {id}");
        }
        items.push((id, answers.get(&name).cloned(), bytes));
    }
    if let Some(missing) = answers
        .keys()
        .find(|name| !seen.values().any(|n| n == *name))
    {
        bail!(
            "{missing} is listed in the answers but is not in {}",
            dir.display()
        );
    }
    Ok(items)
}

/// Reads `file,answer` rows (RFC 4180 quoting; a first row `file,answer` is a header).
fn read_answers(path: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut answers = BTreeMap::new();
    for (n, row) in parse_csv(&text)
        .with_context(|| format!("{} is not CSV", path.display()))?
        .into_iter()
        .enumerate()
    {
        match row.as_slice() {
            [file, answer] if n == 0 && file == "file" && answer == "answer" => {}
            [file, answer] if !file.is_empty() => {
                let answer = answer.trim();
                if answer.is_empty() {
                    continue;
                }
                if answers.insert(file.clone(), answer.to_owned()).is_some() {
                    bail!("{}: {file} is listed twice", path.display());
                }
            }
            [single] if single.is_empty() => {}
            _ => bail!(
                "{} line {}: expected two fields, file,answer",
                path.display(),
                n + 1
            ),
        }
    }
    Ok(answers)
}

/// Splits CSV text into rows of fields: `,` separates, `"…"` quotes (with `""` for a quote),
/// LF or CRLF ends a row.
pub(crate) fn parse_csv(text: &str) -> anyhow::Result<Vec<Vec<String>>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            _ => field.push(c),
        }
    }
    if quoted {
        bail!("a quoted field is not closed");
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    Ok(rows)
}

/// One CSV row, quoting fields that need it.
fn csv_row(fields: &[&str]) -> String {
    let mut out = fields
        .iter()
        .map(|field| {
            if field.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", field.replace('"', "\"\""))
            } else {
                (*field).to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::{csv_row, parse_csv};

    #[test]
    fn csv_round_trips_quotes_commas_and_newlines() {
        let fields = ["plain", "with,comma", "with \"quote\"", "two\nlines", ""];
        let row = csv_row(&fields);
        assert_eq!(
            parse_csv(&row).expect("parses"),
            vec![fields.map(str::to_owned).to_vec()]
        );
        assert_eq!(
            parse_csv("a,b\r\nc,d").expect("parses"),
            vec![vec!["a", "b"], vec!["c", "d"]]
        );
        assert!(parse_csv("\"open").is_err());
    }
}
