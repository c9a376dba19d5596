//! `watchword-passkey`: the passkey server.

fn main() -> std::process::ExitCode {
    watchword_http::main::<watchword_passkey_server::PasskeyService>()
}
