//! `watchword-approval`: the approval surface as a server of its own.

fn main() -> std::process::ExitCode {
    watchword_http::main::<watchword_approval_server::Approval>()
}
