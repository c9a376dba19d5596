//! What every admin command shares: the store it works on and a runtime to run it.

use std::sync::Arc;

use anyhow::Context as _;
use watchword_store::Store;

/// Opens the store at `store_url` (warning that `memory://` keeps nothing) and a
/// single-threaded runtime for the command.
pub(crate) fn open(
    store_url: &str,
    what: &str,
) -> anyhow::Result<(Arc<dyn Store>, tokio::runtime::Runtime)> {
    let store = watchword_store::open(store_url)
        .with_context(|| format!("opening the store {store_url}"))?;
    if store_url.starts_with("memory://") {
        eprintln!("note: --store memory:// keeps nothing after this command; use --store redis://… for a server's {what}");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok((store, runtime))
}

/// Unix seconds now.
pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// An API error as a command error.
pub(crate) fn api(error: &watchword_http::ApiError) -> anyhow::Error {
    anyhow::anyhow!("{}", error.message())
}
