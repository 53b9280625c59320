//! The `guichet` command. Parses arguments and calls the library; nothing else.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use guichet_cli::settings::Settings;
use guichet_core::ports::SystemClock;
use guichet_http::auth::Authenticator;
use secrecy::SecretString;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "guichet",
    version,
    about = "Guichet: official documents online, verifiable by anyone"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

/// What `guichet` alone prints after the list of commands: the two things most people want first.
const FIRST_STEPS: &str = "\
Start here:
  guichet serve --demo
      Run the service on this machine (http://127.0.0.1:8080, data in the repository's .guichet,
      or ./.guichet outside one) and walk one
      criminal record extract from request to verified PDF. README.md goes on from there.
  guichet token --role clerk --office TGI-BKO-C3
      A token to call the API of that running server as a clerk of the Bamako court
      (--role applicant for a citizen). `guichet help token` lists the roles.
";

/// The embedded backend's data directory: `--data`, else `GUICHET_DATA`, else the nearest
/// `.guichet` in this directory or above it within the git repository (so any directory of the
/// repository finds the one at its root), else a new `./.guichet`.
#[derive(clap::Args, Clone)]
struct Data {
    /// The data directory (SQLite store, keys, secrets, catalogue). Default: GUICHET_DATA, else
    /// the nearest .guichet here or above (up to the repository's root), else ./.guichet.
    #[arg(long, env = "GUICHET_DATA", value_name = "DIR")]
    data: Option<PathBuf>,
}

impl Data {
    fn dir(self) -> PathBuf {
        guichet_cli::datadir::resolve(self.data)
    }
}

fn role_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(guichet_core::domain::Role::ALL.map(|r| r.as_str()))
}

#[derive(Subcommand)]
enum Command {
    /// Serve every function in one process: on the embedded adapters (SQLite, files, local queue),
    /// or with GUICHET_BACKEND=aws on DynamoDB, S3 and SQS (an emulator with AWS_ENDPOINT_URL).
    Serve {
        /// Where to listen.
        #[arg(long, default_value = "127.0.0.1:8080", env = "GUICHET_ADDR")]
        addr: String,
        #[command(flatten)]
        data: Data,
        /// Once listening, walk one extract through its whole life and print each step.
        #[arg(long)]
        demo: bool,
    },
    /// Print a token of the service's own (and only the token; its id, for `guichet token
    /// revoke`, goes to stderr), accepted by the `guichet serve` that uses the same data
    /// directory, or by the service on AWS. In production only for partner systems (and the
    /// roles GUICHET_OWN_TOKEN_ROLES lists), for at most 90 days; other roles for at most a day.
    #[command(args_conflicts_with_subcommands = true)]
    Token {
        #[command(subcommand)]
        command: Option<TokenCommand>,
        #[command(flatten)]
        data: Data,
        /// Who the token speaks for.
        #[arg(long, default_value = "applicant", value_parser = role_names())]
        role: String,
        /// The office a staff member works at (required for every role but applicant and admin),
        /// as the catalogue codes it: TGI-BKO-C3, TGI-KAY…
        #[arg(long)]
        office: Option<String>,
        /// The subject: who the person is, as the identity provider would name them. Required
        /// for every role but applicant (citizen1 by default): two officers minted without it
        /// would be the same person to the two-person rule.
        #[arg(long)]
        sub: Option<String>,
        /// The person's name, printed on the documents a staff member decides ("Awa Diallo").
        #[arg(long)]
        name: Option<String>,
        /// A partner system's state (`--role partner`): BFA, NER.
        #[arg(long)]
        state: Option<String>,
        /// How long the token is valid, in hours.
        #[arg(long, default_value_t = 12)]
        ttl_hours: i64,
        /// Make the data directory's secrets if it has none. Without it, a directory no server
        /// has used is refused: a token signed with secrets made here would be refused by a
        /// server that uses other ones.
        #[arg(long)]
        init: bool,
    },
    /// Walk one extract through its whole life against a running server.
    Demo {
        /// The running server.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        #[command(flatten)]
        data: Data,
    },
    /// Check a document offline: an issued PDF, a photo or scan of it (PNG, JPEG), or the text of
    /// its seal, against a keys file. Exits 0 when the document is valid, 1 when it is not, 2 when the file or
    /// the keys could not be read.
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
    /// Revoke an issued document from the operator's desk, outside the identity provider: the
    /// registry says it is no longer valid from now on, and its application's trail says who did
    /// it and why (the holder reads the reason).
    Revoke {
        /// The document's number (CJ-2026-000123-7).
        number: String,
        /// Why, as the holder will read it (500 characters at most).
        #[arg(long)]
        reason: String,
        /// Who revokes it ("A. Coulibaly, DSI"), kept in the trail.
        #[arg(long)]
        by: String,
        #[command(flatten)]
        data: Data,
    },
    /// The audit trails.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// How long offices take, from payment to decision.
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// The watchlist visa travellers are screened against.
    Watchlist {
        #[command(subcommand)]
        command: WatchlistCommand,
    },
    /// Create the table, bucket, queues and secret of the SAM template on an AWS emulator (moto,
    /// LocalStack) given by AWS_ENDPOINT_URL, and print the variables that point Guichet at them.
    Provision {
        /// Prefix of every resource's name.
        #[arg(long, default_value = "guichet")]
        prefix: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check every application's trail: an event edited, inserted, removed or cut off at the end
    /// is reported, and every trail is held to the furthest end the checkpoints kept outside the
    /// store saw of it (a trail cut short with its recorded end rewritten, or an application put
    /// back as it was). Exits 0 only when every trail holds.
    Verify {
        #[command(flatten)]
        data: Data,
    },
    /// Checkpoint every trail now, recording the end of trails written before applications
    /// recorded one (`guichet serve` does it at start; on AWS, once after upgrading).
    Anchor {
        #[command(flatten)]
        data: Data,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// Per office: applications of a kind decided, the median and 90th percentile hours from
    /// payment to decision, how many within the target, and how many still waiting past it.
    Decisions {
        /// The kind (`visa`, `criminal_record_extract`…).
        #[arg(long, default_value = "visa")]
        kind: String,
        /// The target, in hours (a visa's, by default).
        #[arg(long, default_value_t = guichet_core::kinds::visa::DECISION_TARGET_HOURS)]
        target_hours: i64,
        #[command(flatten)]
        data: Data,
    },
}

#[derive(Subcommand)]
enum WatchlistCommand {
    /// Load a list as the security services hand it over (CSV with the header
    /// `id,name,aliases,birth_year,nationality`, aliases separated by `;`): refused whole if a row
    /// does not read; otherwise it is the list in force from now on, and the load is recorded.
    Load {
        /// The CSV file.
        file: PathBuf,
        /// Who loads it, as recorded with the load ("A. Coulibaly, DGPF").
        #[arg(long)]
        by: String,
        /// Read the file and say what it would change against the list in force (entries added,
        /// removed, changed), loading nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        data: Data,
    },
    /// Put back in force a list loaded before, by its version (`guichet watchlist history`): the
    /// way back from a wrong load, recorded as a load of its own.
    Restore {
        /// The version to put back.
        version: String,
        /// Who restores it ("A. Coulibaly, DGPF").
        #[arg(long)]
        by: String,
        #[command(flatten)]
        data: Data,
    },
    /// Every load, newest first: version, entries, when and by whom.
    History {
        #[command(flatten)]
        data: Data,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Revoke one of the service's own tokens by its id (printed when it was made): refused
    /// everywhere within a minute, until it would have expired.
    Revoke {
        /// The token's id (`jti`).
        jti: String,
        /// Who revokes it ("A. Coulibaly, DSI"), kept with the entry.
        #[arg(long)]
        by: String,
        #[command(flatten)]
        data: Data,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Print the public seal keys as a JWK Set.
    Export {
        #[command(flatten)]
        data: Data,
    },
    /// Start a new signing key; older keys keep verifying what they sealed.
    Rotate {
        #[command(flatten)]
        data: Data,
    },
    /// Declare a seal key compromised: it signs nothing more (a new key is started if it was the
    /// one signing), nothing it sealed verifies any more, online or offline once the verifier
    /// has the new key set, and every document it sealed is listed (and noted in its
    /// application's trail) to be issued again.
    Compromise {
        /// The key's id (`kid`), as `guichet keys export` lists it.
        kid: String,
        /// Who declares it ("A. Coulibaly, DSI"), kept with the mark.
        #[arg(long)]
        by: String,
        #[command(flatten)]
        data: Data,
    },
}

/// A command that signs as the server does (a token, the demo's payment notices) needs the
/// server's own secrets: refused on a data directory that has none, unless `init`.
fn secrets_present(settings: &Settings, init: bool) -> anyhow::Result<()> {
    let given = settings.http.tokens.secret.is_some();
    let dir = &settings.local.data_dir;
    // Even with the token's secret in the environment, signing keeps the payment secret in the
    // data directory: a mistyped one is refused, not made.
    if !init {
        data_directory_exists(settings, ", or add --init to make one here")?;
    }
    let kept = settings.local.secrets_dir().join("jwt.key").exists();
    if init || given || kept || settings.backend != guichet_cli::settings::BackendChoice::Local {
        return Ok(());
    }
    anyhow::bail!(
        "{} holds no secrets yet: a token signed here would be refused by your server.\n\
         Start `guichet serve` first (it makes them), or point --data (or GUICHET_DATA) at the data \
         directory your server uses, or add --init to make them here.",
        dir.display()
    )
}

fn settings_for(data: PathBuf) -> anyhow::Result<Settings> {
    let mut settings = Settings::from_env()?;
    settings.local.data_dir = data;
    Ok(settings)
}

/// The settings of a command that reads or changes a server's data: only `guichet serve` (and
/// `guichet token --init`) make a data directory; a missing one is a mistyped path, refused
/// before anything is created in it.
fn settings_of_existing(data: PathBuf) -> anyhow::Result<Settings> {
    let settings = settings_for(data)?;
    data_directory_exists(&settings, "")?;
    Ok(settings)
}

/// Refuses a data directory of the embedded backend that does not exist; `more` adds a way out.
fn data_directory_exists(settings: &Settings, more: &str) -> anyhow::Result<()> {
    let dir = &settings.local.data_dir;
    if settings.backend == guichet_cli::settings::BackendChoice::Local && !dir.is_dir() {
        anyhow::bail!(
            "no data directory at {}: start `guichet serve` first (it makes one), or point --data \
             (or GUICHET_DATA) at the directory your server uses{more}",
            dir.display()
        );
    }
    Ok(())
}

/// What `guichet token` and `guichet demo` sign with: the service's own secrets.
async fn signing(settings: &Settings) -> anyhow::Result<(Authenticator, SecretString)> {
    let (token, payment) = guichet_cli::backend::signing_secrets(settings).await?;
    Ok((Authenticator::new(&settings.http.tokens, &token), payment))
}

/// A line to stdout. A reader that went away (`guichet watchlist history | head -1`) ends the
/// command quietly, not with a panic, and with the status a shell gives a command its pipe
/// stopped (128 + SIGPIPE): never a verdict it did not reach.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(141);
            }
            return Err(e.into());
        }
    }};
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Some(command) = Cli::parse().command else {
        use clap::CommandFactory as _;
        Cli::command().print_help()?;
        out!("\n{FIRST_STEPS}");
        return Ok(());
    };
    match command {
        Command::Serve { addr, data, demo } => {
            // Listening for SIGTERM from the start: one during the start or the demo is graceful
            // too, not the default (immediate) death.
            let stop = stop_signal();
            let data = data.dir();
            let log_file = data.join("serve.log");
            if demo {
                // The walk-through is a story for a person: the log lines go to a file.
                guichet_core::telemetry::init_to_file("guichet-serve", &log_file)
                    .with_context(|| format!("opening {}", log_file.display()))?;
            } else {
                guichet_core::telemetry::init("guichet-serve");
            }
            let settings = settings_for(data.clone())?;
            let backend = guichet_cli::backend::open(&settings).await?;
            let listener = tokio::net::TcpListener::bind(&addr)
                .await
                .with_context(|| format!("binding {addr}"))?;
            let server =
                guichet_cli::serve::start(backend, &settings, Arc::new(SystemClock), listener)
                    .await?;
            let url = format!("http://{}", server.addr);
            tracing::info!(url, data = %data.display(), "guichet listening");
            eprintln!(
                "Guichet listens on {url} (data in {}). Contract: {url}/v1/openapi.json — Ctrl-C stops.",
                data.display()
            );
            eprintln!(
                "Portal {url}/ · officers' console {url}/console · verify page {url}/verifier · emails and SMS in {}",
                data.join("outbox").display()
            );
            if let Some(key) = &server.dev_key {
                eprintln!(
                    "Development sign-in, for this machine only, with the key {key}: the portal {url}/#dev-key={key} · the console {url}/console#dev-key={key}"
                );
            }
            if demo {
                eprintln!("Its log: {}", log_file.display());
            }
            if demo {
                let (auth, payment_secret) = signing(&settings).await?;
                let walk = guichet_cli::demo::Demo {
                    base: url.clone(),
                    auth,
                    payment_secret,
                    out_dir: data.join("demo"),
                    outbox: Some(data.join("outbox")),
                    dev_key: server.dev_key.clone(),
                };
                if let Err(e) = walk.run().await {
                    eprintln!("demo failed: {e:#}");
                }
                eprintln!("\nStill serving on {url}.");
            }
            let signal = stop.await.context("waiting for a stop signal")??;
            eprintln!("stopping ({signal}): finishing the documents being issued");
            server.shutdown().await;
            eprintln!("stopped");
            Ok(())
        }
        Command::Token {
            command: Some(TokenCommand::Revoke { jti, by, data }),
            ..
        } => {
            let settings = settings_of_existing(data.dir())?;
            let store = guichet_cli::backend::revoked_tokens(&settings).await?;
            let until = guichet_cli::token::revoke(
                store.as_ref(),
                &jti,
                &by,
                time::OffsetDateTime::now_utc(),
            )
            .await?;
            eprintln!(
                "Token {jti} revoked: refused within {} s, until {} (longer than it could live).",
                guichet_http::auth::DENY_REFRESH.whole_seconds(),
                until.date()
            );
            Ok(())
        }
        Command::Token {
            command: None,
            data,
            role,
            office,
            sub,
            name,
            state,
            ttl_hours,
            init,
        } => {
            // A missing directory is refused by `secrets_present`, which tells of --init.
            let settings = settings_for(data.dir())?;
            secrets_present(&settings, init)?;
            let sub = match (role.as_str(), sub) {
                (_, Some(sub)) => sub,
                ("applicant", None) => "citizen1".to_owned(),
                (role, None) => anyhow::bail!(
                    "a {role} token needs --sub (who the person is): two officers minted without \
                     it would be one person to the rule that the one who proposes never signs"
                ),
            };
            if let Some(code) = office.as_deref() {
                let catalogue = guichet_cli::backend::catalogue(&settings)?;
                let known = guichet_core::domain::OfficeCode::parse(code)
                    .ok()
                    .is_some_and(|c| catalogue.office(&c).is_some());
                anyhow::ensure!(
                    known,
                    "the catalogue knows no office {code:?}; its offices: {}",
                    catalogue
                        .office_codes()
                        .iter()
                        .map(|o| o.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            let (auth, _) = signing(&settings).await?;
            let ttl = time::Duration::hours(ttl_hours);
            let now = time::OffsetDateTime::now_utc();
            let minted = match (role.as_str(), state) {
                ("partner", Some(state)) => {
                    guichet_cli::token::mint_partner(&auth, &sub, &state, ttl, now)?
                }
                ("partner", None) => anyhow::bail!("a partner token needs --state (BFA, NER)"),
                (_, Some(_)) => anyhow::bail!("--state is for --role partner"),
                _ => guichet_cli::token::mint(
                    &auth,
                    &role,
                    office.as_deref(),
                    &sub,
                    name.as_deref(),
                    ttl,
                    now,
                )?,
            };
            out!("{}", minted.token);
            eprintln!(
                "token id: {} (guichet token revoke {} --by NAME refuses it)",
                minted.jti, minted.jti
            );
            Ok(())
        }
        Command::Demo { url, data } => {
            let data = data.dir();
            let settings = settings_of_existing(data.clone())?;
            secrets_present(&settings, false)?;
            let (auth, payment_secret) = signing(&settings).await?;
            let walk = guichet_cli::demo::Demo {
                base: url.trim_end_matches('/').to_owned(),
                auth,
                payment_secret,
                out_dir: data.join("demo"),
                // The server may be elsewhere (on AWS): its messages are not in a folder here.
                outbox: None,
                dev_key: None,
            };
            walk.run().await?;
            Ok(())
        }
        Command::Verify { keys, input } => {
            let today = time::OffsetDateTime::now_utc().date();
            // 1 says the document is not valid; 2, that it could not be read to say.
            let result = match guichet_cli::verify::check(&keys, &input, today) {
                Ok(result) => result,
                Err(e) => {
                    eprintln!("{e:#}");
                    std::process::exit(2);
                }
            };
            out!("{}", guichet_cli::verify::describe(&result));
            if !matches!(
                result,
                guichet_cli::verify::Offline::Valid(_)
                    | guichet_cli::verify::Offline::ValidSealOnly(_)
            ) {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Keys {
            command: KeysCommand::Export { data },
        } => {
            let keys = guichet_cli::backend::seal_keys(&settings_of_existing(data.dir())?).await?;
            out!("{}", serde_json::to_string_pretty(&keys.jwks())?);
            Ok(())
        }
        Command::Keys {
            command: KeysCommand::Rotate { data },
        } => {
            let (kid, retired) =
                guichet_cli::keys::rotate(&settings_of_existing(data.dir())?).await?;
            let before = if retired {
                "the previous one is retired and keeps verifying what it sealed"
            } else {
                "the first one: there was none before"
            };
            eprintln!(
                "new signing key {kid}, and the key set published; {before}. \
                 Running services sign with the new key from their next start (restart `guichet serve`; \
                 on AWS, see docs/deploy.md)"
            );
            Ok(())
        }
        Command::Keys {
            command: KeysCommand::Compromise { kid, by, data },
        } => {
            let done = guichet_cli::keys::compromise(&settings_of_existing(data.dir())?, &kid, &by)
                .await?;
            if let Some(new) = &done.new_key {
                eprintln!("it was the signing key: new signing key {new}");
            }
            eprintln!(
                "seal key {kid} declared compromised by {by}: {} document(s) it sealed, to issue again (below). \
                 Running services take the new key set from their next start (restart `guichet serve`; \
                 on AWS, see docs/deploy.md); verifiers refuse its seals once they have it.",
                done.documents.len()
            );
            out!("number\tapplication\toffice\tissued_at");
            for d in &done.documents {
                out!(
                    "{}\t{}\t{}\t{}",
                    d.number,
                    d.application_id,
                    d.office,
                    guichet_core::domain::rfc3339(d.issued_at)
                );
            }
            Ok(())
        }
        Command::Report {
            command:
                ReportCommand::Decisions {
                    kind,
                    target_hours,
                    data,
                },
        } => {
            let kind: guichet_core::domain::DocumentKind = kind
                .parse()
                .map_err(|_| anyhow::anyhow!("not a kind: {kind}"))?;
            let backend = guichet_cli::backend::open(&settings_of_existing(data.dir())?).await?;
            let rows = guichet_core::usecases::report::decision_times(
                backend.applications.as_ref(),
                kind,
                time::Duration::hours(target_hours),
                time::OffsetDateTime::now_utc(),
            )
            .await?;
            out!("office\tdecided\tmedian h\tp90 h\twithin {target_hours} h\tlate, undecided");
            for r in rows {
                out!(
                    "{}\t{}\t{:.1}\t{:.1}\t{}\t{}",
                    r.office,
                    r.decided,
                    r.median_hours,
                    r.p90_hours,
                    r.within_target,
                    r.late_pending
                );
            }
            Ok(())
        }
        Command::Watchlist {
            command:
                WatchlistCommand::Load {
                    file,
                    by,
                    dry_run,
                    data,
                },
        } => {
            let csv =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let backend = guichet_cli::backend::open(&settings_of_existing(data.dir())?).await?;
            let ports = guichet_core::usecases::screening::Watchlists {
                log: backend.watchlists.as_ref(),
                blobs: backend.blobs.as_ref(),
                clock: &SystemClock,
            };
            if dry_run {
                let (list, changes) =
                    guichet_core::usecases::screening::dry_run(&ports, &csv).await?;
                out!(
                    "{}: version {}, {} entries; nothing loaded (--dry-run)",
                    file.display(),
                    list.version,
                    list.entries.len()
                );
                match changes {
                    None => out!("no list is in force yet: all of them are new"),
                    Some(c) => {
                        let ids = |v: &[String]| {
                            if v.is_empty() {
                                "-".to_owned()
                            } else {
                                v.join(" ")
                            }
                        };
                        out!("added\t{}\t{}", c.added.len(), ids(&c.added));
                        out!("removed\t{}\t{}", c.removed.len(), ids(&c.removed));
                        out!("changed\t{}\t{}", c.changed.len(), ids(&c.changed));
                    }
                }
                return Ok(());
            }
            let load = guichet_core::usecases::screening::load(&ports, &csv, &by).await?;
            out!(
                "watchlist load {}: version {}, {} entries, in force from now",
                load.seq,
                load.version,
                load.entries
            );
            Ok(())
        }
        Command::Watchlist {
            command: WatchlistCommand::Restore { version, by, data },
        } => {
            let backend = guichet_cli::backend::open(&settings_of_existing(data.dir())?).await?;
            let ports = guichet_core::usecases::screening::Watchlists {
                log: backend.watchlists.as_ref(),
                blobs: backend.blobs.as_ref(),
                clock: &SystemClock,
            };
            let load = guichet_core::usecases::screening::restore(&ports, &version, &by).await?;
            out!(
                "watchlist load {}: version {} put back, {} entries, in force from now",
                load.seq,
                load.version,
                load.entries
            );
            Ok(())
        }
        Command::Watchlist {
            command: WatchlistCommand::History { data },
        } => {
            let backend = guichet_cli::backend::open(&settings_of_existing(data.dir())?).await?;
            let loads = backend.watchlists.loads(1000).await?;
            if loads.is_empty() {
                out!(
                    "no watchlist was ever loaded here: `guichet watchlist load FILE --by NAME` loads one"
                );
                return Ok(());
            }
            out!("load\tversion\tentries\tloaded at\tby");
            for l in loads {
                out!(
                    "{}\t{}\t{} entries\t{}\t{}",
                    l.seq,
                    l.version,
                    l.entries,
                    guichet_core::domain::rfc3339(l.at),
                    l.by
                );
            }
            Ok(())
        }
        Command::Revoke {
            number,
            reason,
            by,
            data,
        } => {
            let backend = guichet_cli::backend::open(&settings_of_existing(data.dir())?).await?;
            let by = guichet_core::domain::OfficerName::parse(by.trim())
                .ok_or_else(|| anyhow::anyhow!("--by names who revokes (1 to 80 characters)"))?;
            // The operator acts as the national administration, named in the trail; a command
            // run on the service's own data stands for its second factor.
            let operator = guichet_core::domain::Principal {
                subject: guichet_core::domain::Subject::parse("operator")
                    .map_err(|_| anyhow::anyhow!("operator subject"))?,
                role: guichet_core::domain::Role::Admin,
                office: None,
                name: Some(by),
                state: None,
                mfa: true,
            };
            let ports = guichet_core::usecases::revoke::Revoking {
                applications: backend.applications.as_ref(),
                documents: backend.documents.as_ref(),
                clock: &SystemClock,
            };
            let request = guichet_core::usecases::revoke::RevocationRequest {
                reason: Some(reason),
            };
            let doc =
                guichet_core::usecases::revoke::revoke(&ports, &operator, &number, &request, None)
                    .await?;
            out!(
                "{} revoked{}: verifiers are told so from now on",
                doc.number,
                doc.revocation
                    .as_ref()
                    .map(|r| format!(" at {}", guichet_core::domain::rfc3339(r.at)))
                    .unwrap_or_default()
            );
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify { data },
        } => {
            let audit = guichet_cli::audit::verify(&settings_of_existing(data.dir())?).await?;
            let report = &audit.report;
            for (id, broken) in &report.broken {
                out!("ROMPU / BROKEN {id}: {broken}");
            }
            if audit.forged_checkpoints > 0 {
                out!(
                    "{} checkpoint(s) not signed with the audit key: not counted",
                    audit.forged_checkpoints
                );
            }
            out!(
                "{} applications, {} events, {} checkpoint(s): {} trail(s) broken",
                report.applications,
                report.events,
                audit.checkpoints,
                report.broken.len()
            );
            if !report.broken.is_empty() || audit.forged_checkpoints > 0 {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Anchor { data },
        } => {
            let backend = guichet_cli::backend::open(&settings_of_existing(data.dir())?).await?;
            let n = guichet_cli::audit::anchor(&backend).await?;
            out!("{n} trail(s) anchored in a checkpoint");
            Ok(())
        }
        Command::Provision { prefix } => {
            let sdk = guichet_aws::sdk_config().await;
            anyhow::ensure!(
                sdk.endpoint_url().is_some(),
                "`guichet provision` is for emulators: set AWS_ENDPOINT_URL (on AWS, deploy infra/template.yaml)"
            );
            let first_key = guichet_seal::generate(time::OffsetDateTime::now_utc())?;
            let r = guichet_aws::provision::provision(&sdk, &prefix, &first_key).await?;
            out!("export GUICHET_BACKEND=aws");
            out!("export GUICHET_TABLE={}", r.table);
            out!("export GUICHET_DOCUMENTS_BUCKET={}", r.documents_bucket);
            out!("export GUICHET_ISSUE_QUEUE_URL={}", r.issue_queue_url);
            out!(
                "export GUICHET_ISSUE_DEAD_LETTERS_URL={}",
                r.issue_dead_letters_url
            );
            out!("export GUICHET_SIGNING_SECRET_ARN={}", r.signing_secret_arn);
            out!("export GUICHET_TOKEN_SECRET_ARN={}", r.token_secret_arn);
            out!("export GUICHET_PAYMENT_SECRET_ARN={}", r.payment_secret_arn);
            out!("export GUICHET_AUDIT_SECRET_ARN={}", r.audit_secret_arn);
            out!("export GUICHET_AUDIT_BUCKET={}", r.audit_bucket);
            out!("export GUICHET_EVENTS_TOPIC_ARN={}", r.events_topic_arn);
            out!("export GUICHET_UPLOADS_BUCKET={}", r.uploads_bucket);
            out!("export GUICHET_CHECK_QUEUE_URL={}", r.check_queue_url);
            out!(
                "export GUICHET_CHECK_DEAD_LETTERS_URL={}",
                r.check_dead_letters_url
            );
            out!("export GUICHET_SCREEN_QUEUE_URL={}", r.screen_queue_url);
            out!(
                "export GUICHET_SCREEN_DEAD_LETTERS_URL={}",
                r.screen_dead_letters_url
            );
            out!("export GUICHET_FEED_QUEUE_URL={}", r.feed_queue_url);
            out!(
                "export GUICHET_FEED_DEAD_LETTERS_URL={}",
                r.feed_dead_letters_url
            );
            out!("export GUICHET_NOTIFY_QUEUE_URL={}", r.notify_queue_url);
            out!(
                "export GUICHET_NOTIFY_DEAD_LETTERS_URL={}",
                r.notify_dead_letters_url
            );
            Ok(())
        }
    }
}

/// Ctrl-C (SIGINT) or SIGTERM, which systemd, containers and Lambda send: either stops the
/// server the same graceful way. Both are listened for from the call on (a spawned task), so a
/// signal that comes before the server is ready is not lost.
fn stop_signal() -> tokio::task::JoinHandle<anyhow::Result<&'static str>> {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            let mut term = term.context("listening for SIGTERM")?;
            tokio::select! {
                r = tokio::signal::ctrl_c() => r.map(|()| "SIGINT").context("listening for Ctrl-C"),
                _ = term.recv() => Ok("SIGTERM"),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c()
                .await
                .context("listening for Ctrl-C")?;
            Ok("Ctrl-C")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    /// Every option and argument of every command says what it is for in `--help`.
    #[test]
    fn every_option_has_help() {
        fn walk(cmd: &clap::Command, path: &str) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if id == "help" || id == "version" {
                    continue;
                }
                assert!(arg.get_help().is_some(), "{path} --{id} has no help");
            }
            for sub in cmd.get_subcommands() {
                assert!(
                    sub.get_about().is_some(),
                    "{path} {} has no help",
                    sub.get_name()
                );
                walk(sub, &format!("{path} {}", sub.get_name()));
            }
        }
        Cli::command().debug_assert();
        walk(&Cli::command(), "guichet");
    }
}
