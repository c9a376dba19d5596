//! The `watchword` command line.

use std::process::ExitCode;

use clap::Parser;

mod admin;
mod captcha;
mod cli;
mod client;
mod dev;
mod keys;
mod site;
mod verify;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    watchword_http::init_logging(cli.log_format);
    match cli.command {
        cli::Command::Dev(args) => report(dev::run(&args)),
        cli::Command::Keys(cli::KeysCommand::Generate) => report(keys::generate()),
        cli::Command::Keys(cli::KeysCommand::Rotate(args)) => report(keys::rotate(&args)),
        cli::Command::Client(command) => client::run(&cli.store, command).unwrap_or_else(failed),
        cli::Command::Site(command) => site::run(&cli.store, command).unwrap_or_else(failed),
        cli::Command::Captcha(command) => captcha::run(&cli.store, command).unwrap_or_else(failed),
        cli::Command::Verify(verify) => verify::run(verify),
    }
}

/// Exit 1 with the error on stderr.
#[allow(clippy::needless_pass_by_value)] // the shape `unwrap_or_else` calls
fn failed(error: anyhow::Error) -> ExitCode {
    eprintln!("watchword: {error:#}");
    ExitCode::FAILURE
}

/// Exit 0 on success, 1 with the error on stderr otherwise.
fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("watchword: {error:#}");
            ExitCode::FAILURE
        }
    }
}
