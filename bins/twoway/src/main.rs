//! `watchword-twoway`: the two-way OTP pairing server.

fn main() -> std::process::ExitCode {
    watchword_http::main::<watchword_twoway_server::Twoway>()
}
