//! `watchword-captcha`: the captcha server.

fn main() -> std::process::ExitCode {
    watchword_http::main::<watchword_captcha_server::Captcha>()
}
