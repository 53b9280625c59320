//! The `guichet` command. Parses arguments and calls the library; nothing else.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use guichet::aws::ServiceSecrets;
use guichet::config::{Backend, Config};
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
    /// Serve every function in one process: on the embedded adapters (SQLite, files, local queue),
    /// or with GUICHET_BACKEND=aws on DynamoDB, S3 and SQS (an emulator with AWS_ENDPOINT_URL).
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
    /// Check a document offline: an issued PDF, a photo or scan of it (PNG, JPEG), or the text of
    /// its seal, against a keys file. Exits 0 only when the document is valid.
    Verify {
        /// A JWK Set, as `guichet keys export` or `GET /v1/keys` gives it.
        #[arg(long)]
        keys: PathBuf,
        /// The PDF, PNG or JPEG file, or the text read from the QR code (`GCH1:…`).
        input: String,
    },
    /// Seal keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// The audit trails.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Create the table, bucket, queues and secret of the SAM template on an AWS emulator (moto,
    /// LocalStack) given by AWS_ENDPOINT_URL, and print the variables that point Guichet at them.
    Provision {
        #[arg(long, default_value = "guichet")]
        prefix: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check every application's trail: an event edited, inserted, removed or cut off at the end
    /// is reported. Exits 0 only when every trail holds.
    Verify {
        #[arg(long, env = "GUICHET_DATA", default_value = ".guichet")]
        data: PathBuf,
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

/// The configuration with the token and webhook secrets the service itself uses, so the tokens
/// and signed notices this command makes are accepted: on AWS they live in Secrets Manager.
async fn with_service_secrets(mut config: Config) -> anyhow::Result<Config> {
    if let Backend::Aws(r) = &config.backend
        && (config.jwt_secret.is_none() || config.payment_secret.is_none())
    {
        let stored = ServiceSecrets::read(&secrets_client().await, &r.secrets_arn).await?;
        config.jwt_secret = config
            .jwt_secret
            .or_else(|| stored.jwt_secret.map(String::into_bytes));
        config.payment_secret = config
            .payment_secret
            .or_else(|| stored.payment_secret.map(String::into_bytes));
    }
    Ok(config)
}

fn config_for(data: PathBuf) -> anyhow::Result<Config> {
    let mut config = Config::from_env()?;
    config.data_dir = data;
    Ok(config)
}

async fn secrets_client() -> aws_sdk_secretsmanager::Client {
    aws_sdk_secretsmanager::Client::new(&guichet::aws::sdk_config().await)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Serve { addr, data, demo } => {
            guichet::telemetry::init("guichet-serve");
            let config = config_for(data.clone())?;
            let backend = guichet::bootstrap::open(config.clone()).await?;
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
                // Only the walk-through signs tokens and notices; the server read its own secrets.
                let walk = guichet_cli::demo::Demo {
                    base: url.clone(),
                    config: with_service_secrets(config).await?,
                    out_dir: data.join("demo"),
                };
                if let Err(e) = walk.run().await {
                    eprintln!("demo failed: {e:#}");
                }
                eprintln!("\nStill serving on {url}.");
            }
            tokio::signal::ctrl_c().await?;
            eprintln!("stopping: finishing the documents being issued");
            server.shutdown().await;
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
                &with_service_secrets(config_for(data)?).await?,
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
                config: with_service_secrets(config_for(data.clone())?).await?,
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
            let keys = guichet::bootstrap::key_store(&config_for(data)?)
                .await
                .load()
                .await?;
            println!("{}", serde_json::to_string_pretty(&keys.jwks())?);
            Ok(())
        }
        Command::Keys {
            command: KeysCommand::Rotate { data },
        } => {
            let kid = guichet::bootstrap::key_store(&config_for(data)?)
                .await
                .rotate()
                .await?;
            eprintln!(
                "new signing key {kid}; the previous one is retired and keeps verifying what it sealed. \
                 Running services sign with the new key from their next start (restart `guichet serve`; \
                 on AWS, see docs/deploy.md)"
            );
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify { data },
        } => {
            let backend = guichet::bootstrap::open(config_for(data)?).await?;
            let report =
                guichet::audit::verify_store(backend.context().applications.as_ref()).await?;
            for (id, broken) in &report.broken {
                println!("ROMPU / BROKEN {id}: {broken}");
            }
            println!(
                "{} applications, {} events: {} trail(s) broken",
                report.applications,
                report.events,
                report.broken.len()
            );
            if !report.broken.is_empty() {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Provision { prefix } => {
            let sdk = guichet::aws::sdk_config().await;
            anyhow::ensure!(
                sdk.endpoint_url().is_some(),
                "`guichet provision` is for emulators: set AWS_ENDPOINT_URL (on AWS, deploy infra/template.yaml)"
            );
            let r = guichet::aws::provision::provision(&sdk, &prefix).await?;
            println!("export GUICHET_BACKEND=aws");
            println!("export GUICHET_TABLE={}", r.table);
            println!("export GUICHET_DOCUMENTS_BUCKET={}", r.documents_bucket);
            println!("export GUICHET_ISSUE_QUEUE_URL={}", r.issue_queue_url);
            println!("export GUICHET_SECRETS_ARN={}", r.secrets_arn);
            Ok(())
        }
    }
}
