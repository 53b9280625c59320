//! The `guichet` command. Parses arguments and calls the library; nothing else.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use guichet::config::Config;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "guichet",
    version,
    about = "Guichet: official documents online, verifiable by anyone"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve every function in one process on the embedded adapters (SQLite, files, local queue).
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080", env = "GUICHET_ADDR")]
        addr: String,
        #[arg(long, env = "GUICHET_DATA", default_value = ".guichet")]
        data: PathBuf,
        /// Once listening, walk one extract through its whole life and print each step.
        #[arg(long)]
        demo: bool,
    },
    /// Print a development token (and only the token) accepted by `guichet serve --data DIR`.
    Token {
        #[arg(long, env = "GUICHET_DATA", default_value = ".guichet")]
        data: PathBuf,
        #[arg(long, default_value = "applicant")]
        role: String,
        #[arg(long)]
        office: Option<String>,
        #[arg(long, default_value = "citizen1")]
        sub: String,
        #[arg(long, default_value_t = 12)]
        ttl_hours: i64,
    },
    /// Walk one extract through its whole life against a running server.
    Demo {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        #[arg(long, env = "GUICHET_DATA", default_value = ".guichet")]
        data: PathBuf,
    },
    /// Check a document offline: an issued PDF or a seal text, against a keys file. Exits 0 only
    /// when the document is valid.
    Verify {
        /// A JWK Set, as `guichet keys export` or `GET /v1/keys` gives it.
        #[arg(long)]
        keys: PathBuf,
        /// The PDF, or the text read from the QR code (`GCH1:…`).
        input: String,
    },
    /// Seal keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Print the public seal keys as a JWK Set.
    Export {
        #[arg(long, env = "GUICHET_DATA", default_value = ".guichet")]
        data: PathBuf,
    },
    /// Start a new signing key; older keys keep verifying what they sealed.
    Rotate {
        #[arg(long, env = "GUICHET_DATA", default_value = ".guichet")]
        data: PathBuf,
    },
}

fn config_for(data: PathBuf) -> anyhow::Result<Config> {
    let mut config = Config::from_env()?;
    config.data_dir = data;
    Ok(config)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Serve { addr, data, demo } => {
            guichet::telemetry::init("guichet-serve");
            let config = config_for(data.clone())?;
            let backend = guichet::local::open(config.clone())?;
            let listener = tokio::net::TcpListener::bind(&addr)
                .await
                .with_context(|| format!("binding {addr}"))?;
            let server = guichet_cli::serve::start(backend, listener).await?;
            let url = format!("http://{}", server.addr);
            tracing::info!(url, data = %data.display(), "guichet listening");
            eprintln!(
                "Guichet listens on {url} (data in {}). Contract: {url}/v1/openapi.json — Ctrl-C stops.",
                data.display()
            );
            if demo {
                let walk = guichet_cli::demo::Demo {
                    base: url.clone(),
                    config,
                    out_dir: data.join("demo"),
                };
                if let Err(e) = walk.run().await {
                    eprintln!("demo failed: {e:#}");
                }
                eprintln!("\nStill serving on {url}.");
            }
            tokio::signal::ctrl_c().await?;
            server.stop();
            Ok(())
        }
        Command::Token {
            data,
            role,
            office,
            sub,
            ttl_hours,
        } => {
            let token = guichet_cli::token::mint(
                &config_for(data)?,
                &role,
                office.as_deref(),
                &sub,
                time::Duration::hours(ttl_hours),
            )?;
            println!("{token}");
            Ok(())
        }
        Command::Demo { url, data } => {
            let walk = guichet_cli::demo::Demo {
                base: url.trim_end_matches('/').to_owned(),
                config: config_for(data.clone())?,
                out_dir: data.join("demo"),
            };
            walk.run().await?;
            Ok(())
        }
        Command::Verify { keys, input } => {
            let today = time::OffsetDateTime::now_utc().date();
            let result = guichet_cli::verify::check(&keys, &input, today)?;
            println!("{}", guichet_cli::verify::describe(&result));
            if !matches!(result, guichet_cli::verify::Offline::Valid(_)) {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Keys {
            command: KeysCommand::Export { data },
        } => {
            let keys = guichet::local::secrets::load_or_create_seal_keys(
                &guichet::local::keys_dir(&data),
            )?;
            println!("{}", serde_json::to_string_pretty(&keys.jwks())?);
            Ok(())
        }
        Command::Keys {
            command: KeysCommand::Rotate { data },
        } => {
            let key = guichet::local::secrets::new_seal_key(&guichet::local::keys_dir(&data))?;
            eprintln!(
                "new signing key {}; restart `guichet serve` to sign with it",
                key.kid
            );
            Ok(())
        }
    }
}
