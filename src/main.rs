//! `search`: the Xunwen command line. Argument parsing and glue only; the work
//! is done in the engine, indexer and server crates.

mod cli;
mod render;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        // A query's unreadable value (a page that is no number, a date that
        // is none) is a bad query, whose exit status is its own.
        Err(error)
            if std::env::args().nth(1).as_deref() == Some("query")
                && matches!(
                    error.kind(),
                    clap::error::ErrorKind::ValueValidation | clap::error::ErrorKind::InvalidValue
                ) =>
        {
            let _ = cli::invalid(&error.render().to_string().trim());
            return ExitCode::from(cli::INVALID_QUERY);
        }
        Err(error) => error.exit(),
    };
    // The server logs one line per request; the other commands only warnings.
    let default_filter = if matches!(args.command, cli::Command::Serve { .. }) {
        "info"
    } else {
        "warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("XUNWEN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("XUNWEN_LOG_FORMAT").is_ok_and(|f| f == "json") {
        logs.json().init();
    } else {
        logs.with_ansi(std::io::stderr().is_terminal()).init();
    }
    match cli::run(args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("错误 error: {error:#}");
            ExitCode::from(2)
        }
    }
}
