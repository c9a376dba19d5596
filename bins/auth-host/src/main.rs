//! `watchword-auth-host`: the sign-in host.

fn main() -> std::process::ExitCode {
    watchword_http::main::<watchword_auth_host_server::AuthHost>()
}
