//! `guomen`: one binary for the station, its operators' tools and its administrators.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use guomen_domain::Role;
use guomen_server::config::{FileConfig, LogFormat};
use guomen_server::{ServeArgs, StoreArgs};
use guomen_station::store::open_station;

mod cli;
mod demo;
mod proto_cmd;

const AFTER_HELP: &str = "\
Configuration is layered: defaults < config file (--config / GUOMEN_CONFIG) < environment
(GUOMEN_*) < flags. Each option's help names its environment variable and default.";

#[derive(Debug, Parser)]
#[command(name = "guomen", version, about = "Command-and-clearance platform of a land border port", after_help = AFTER_HELP)]
struct Cli {
    /// TOML config file; its keys are the long option names with `_` for `-`
    #[arg(long, global = true, env = "GUOMEN_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the station: HTTP API and pages
    Serve(Box<ServeArgs>),
    /// Manage users and their API tokens
    #[command(subcommand)]
    User(UserCommand),
    /// Provision JT/T 808 unit terminals
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Inspect the journal
    #[command(subcommand)]
    Journal(JournalCommand),
    /// Work with port model files
    #[command(subcommand)]
    Port(PortCommand),
    /// Parse ICAO 9303 MRZs (arguments, or stdin with a blank line between documents);
    /// exit 0 all valid, 1 any invalid, 2 unusable input
    Mrz(cli::clearance::MrzArgs),
    /// Read a UN/EDIFACT PAXLST passenger or crew list (FILE, or stdin) and print it as one
    /// JSON document; exit 0 when an interchange was read (its errors listed), 1 when not
    Paxlst(cli::paxlst::PaxlstArgs),
    /// Screen JSON Lines queries from stdin against a watchlist file
    Screen(cli::clearance::ScreenArgs),
    /// Compare names
    #[command(subcommand)]
    Names(cli::clearance::NamesCommand),
    /// Import watchlists into the store, show their size
    #[command(subcommand)]
    Watchlist(cli::clearance::WatchlistCommand),
    /// Start a station and play a simulated port day on it through its real interfaces
    Demo(demo::DemoArgs),
    /// Drive an already running station with inspections and sensor events (load test)
    Sim(demo::SimArgs),
    /// Run the national centre: consume every station's journal from NATS JetStream into
    /// PostgreSQL and serve the national API and page
    Centre(guomen_server::national::CentreArgs),
    /// Decode device protocols (JT/T 808, NMEA 0183) for troubleshooting
    #[command(subcommand)]
    Proto(proto_cmd::ProtoCommand),
    /// Configure an external MQTT broker for the provisioned devices
    #[command(subcommand)]
    Mqtt(cli::mqtt::MqttCommand),
    /// Certificates for serving HTTPS
    #[command(subcommand)]
    Tls(TlsCommand),
}

#[derive(Debug, Subcommand)]
enum TlsCommand {
    /// Write DIR/cert.pem and DIR/key.pem: a self-signed certificate for a LAN station (serve
    /// it with `guomen serve --tls-cert DIR/cert.pem --tls-key DIR/key.pem`; browsers ask
    /// once to trust it)
    SelfSigned {
        /// The station's DNS name or IP address as browsers will reach it
        #[arg(long)]
        host: String,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user; prints a new API token as the last line of stdout
    Add {
        name: String,
        /// admin, duty_chief, inspector, analyst, partner, carrier or device
        #[arg(long)]
        role: Role,
        /// Read the password from the first line of stdin (otherwise the user has none
        /// and can only use API tokens)
        #[arg(long)]
        password_stdin: bool,
        /// The partner agency the user belongs to (required with `--role partner`), e.g.
        /// `customs`, `railway`, `military border unit`
        #[arg(long)]
        agency: Option<String>,
        /// The carrier's organisation (required with `--role carrier`), e.g. a railway
        /// operator, a logistics firm or a travel agency
        #[arg(long)]
        organisation: Option<String>,
        /// What a device may speak for (with `--role device`): `KIND:ID,...` with kinds
        /// sensor, unit, link, lane, camera, duty_point; `KIND:*` or `*` for all. A device
        /// without any scope may do nothing as a device
        #[arg(long, value_name = "KIND:ID,...")]
        scope: Option<guomen_domain::Scopes>,
        /// An inspector's grade: officer (the default), auxiliary or nco. An auxiliary's
        /// refuse or detain waits for an officer's countersignature
        #[arg(long)]
        grade: Option<guomen_domain::Grade>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List users
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Change a user's role
    SetRole {
        name: String,
        #[arg(long)]
        role: Role,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Issue another API token for a user; prints it as the last line of stdout
    Token {
        name: String,
        /// What the token is for
        #[arg(long, default_value = "cli")]
        label: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, Subcommand)]
enum DeviceCommand {
    /// Provision (or re-provision) a unit's JT/T 808 terminal; it registers once and gets an
    /// auth code. Takes effect on a running station
    Add {
        /// The unit (its id in the port file)
        #[arg(long)]
        unit: String,
        /// The terminal number of the JT/T 808 header (12 digits)
        #[arg(long, value_name = "PHONE")]
        terminal_id: String,
        #[arg(long)]
        manufacturer: String,
        #[arg(long)]
        model: String,
        /// The vehicle's plate
        #[arg(long)]
        plate: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Forget a terminal's registration so it may register again (a replaced or wiped device)
    Reset {
        /// The terminal number
        terminal: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, Subcommand)]
enum JournalCommand {
    /// Check the whole hash chain; exit 1 naming the first bad sequence number. With
    /// `--anchor`, also check the journal still reaches a signed checkpoint with the same hash
    /// (catches a truncated tail and an edit whose chain was re-hashed)
    Verify {
        /// A signed checkpoint written by `guomen journal anchor` or a running station
        #[arg(long, value_name = "FILE", requires = "pubkey")]
        anchor: Option<PathBuf>,
        /// The station's public key (the `.pub` file next to its anchor key)
        #[arg(long, value_name = "FILE")]
        pubkey: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Write a signed checkpoint of the journal's head (Ed25519). The key is created when FILE
    /// does not exist, its public half written to FILE.pub
    Anchor {
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, Subcommand)]
enum PortCommand {
    /// Validate a port file (TOML + its GeoJSON); exit 1 listing every error
    Check { file: PathBuf },
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("GUOMEN_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let file = match &cli.config {
        Some(p) => FileConfig::load(p)?,
        None => FileConfig::default(),
    };
    match cli.command {
        Command::Serve(args) => {
            let cfg = args.resolve(&file)?;
            init_logging(cfg.log_format);
            let scheme = if cfg.tls.is_some() { "https" } else { "http" };
            let running =
                guomen_server::serve::start(cfg, guomen_server::serve::shutdown_signal()).await?;
            tracing::info!(addr = %running.addr, store = running.state.station.backend(), "station listening");
            println!("guomen listening on {scheme}://{}", running.addr);
            let edges = &running.edges;
            for (name, addr) in [
                ("jt808", edges.jt808),
                ("nmea", edges.nmea),
                ("mqtt", edges.mqtt),
            ] {
                if let Some(addr) = addr {
                    tracing::info!(%addr, "{name} listening");
                    println!("{name} listening on {addr}");
                }
            }
            running.task.await.context("server task failed")??;
            Ok(ExitCode::SUCCESS)
        }
        Command::Centre(args) => {
            let cfg = args.resolve()?;
            init_logging(LogFormat::Text);
            let running =
                guomen_server::national::start(cfg, guomen_server::serve::shutdown_signal())
                    .await?;
            tracing::info!(addr = %running.addr, "national centre listening");
            println!("guomen centre listening on http://{}", running.addr);
            running.task.await.context("centre task failed")??;
            Ok(ExitCode::SUCCESS)
        }
        Command::User(cmd) => user(cmd, &file).await,
        Command::Device(cmd) => device(cmd, &file).await,
        Command::Mrz(args) => cli::clearance::mrz(args),
        Command::Paxlst(args) => cli::paxlst::paxlst(args),
        Command::Screen(args) => {
            init_logging(LogFormat::Text);
            tokio::task::block_in_place(|| cli::clearance::screen(args))
        }
        Command::Names(cmd) => cli::clearance::names_compare(cmd),
        Command::Watchlist(cmd) => cli::clearance::watchlist(cmd, &file).await,
        // The demo sets up its own logs (a file in its data directory, warnings on the
        // terminal).
        Command::Demo(args) => demo::demo(args, &file).await,
        Command::Sim(args) => demo::sim(args).await,
        Command::Proto(cmd) => proto_cmd::run(cmd),
        Command::Mqtt(cmd) => cli::mqtt::run(cmd, &file).await,
        Command::Tls(TlsCommand::SelfSigned { host, out }) => {
            let (cert, key) = guomen_server::tls::write_self_signed(&host, &out)?;
            println!("certificate: {}", cert.display());
            println!("private key: {}", key.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Journal(JournalCommand::Verify {
            store,
            anchor,
            pubkey,
        }) => journal_verify(&store, anchor, pubkey, &file).await,
        Command::Journal(JournalCommand::Anchor { key, out, store }) => {
            journal_anchor(&store, &key, &out, &file).await
        }
        Command::Port(PortCommand::Check { file: path }) => match guomen_port::load_file(&path) {
            Ok(port) => {
                println!("{}: valid", path.display());
                println!("{}", port.summary());
                Ok(ExitCode::SUCCESS)
            }
            Err(errors) => {
                for e in &errors {
                    println!("{e}");
                }
                println!("{} error(s)", errors.len());
                Ok(ExitCode::from(1))
            }
        },
    }
}

async fn device(cmd: DeviceCommand, file: &FileConfig) -> anyhow::Result<ExitCode> {
    match cmd {
        DeviceCommand::Add {
            unit,
            terminal_id,
            manufacturer,
            model,
            plate,
            store,
        } => {
            let station = open_station(&store.resolve(file)?).await?;
            let p = guomen_station::terminals::Provisioning {
                unit_id: unit.clone(),
                terminal_id: terminal_id.clone(),
                manufacturer,
                model,
                plate,
            };
            let result = station.provision_terminal(p, "cli").await;
            station.close().await;
            result?;
            println!(
                "unit {unit}: terminal {} provisioned; it may register once",
                terminal_id.trim()
            );
            Ok(ExitCode::SUCCESS)
        }
        DeviceCommand::Reset { terminal, store } => {
            let station = open_station(&store.resolve(file)?).await?;
            let result = station.reset_terminal(&terminal, "cli").await;
            station.close().await;
            let t = result?;
            println!(
                "terminal {} (unit {}) reset: it may register again",
                t.terminal_id, t.unit_id
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn user(cmd: UserCommand, file: &FileConfig) -> anyhow::Result<ExitCode> {
    match cmd {
        UserCommand::Add {
            name,
            role,
            password_stdin,
            agency,
            organisation,
            scope,
            grade,
            store,
        } => {
            let password = if password_stdin {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .context("cannot read the password from stdin")?;
                let line = s.lines().next().unwrap_or("").to_owned();
                Some(line)
            } else {
                None
            };
            let station = open_station(&store.resolve(file)?).await?;
            let new = guomen_station::users::NewUser {
                name,
                role,
                password,
                agency,
                organisation,
                scopes: scope.unwrap_or_default(),
                grade,
            };
            let result = station.create_user(new, "cli").await;
            station.close().await;
            let (user, token) = result?;
            println!(
                "created user {} ({}) with id {}",
                user.name, user.role, user.id
            );
            println!("API token (shown once):");
            println!("{token}");
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::List { store } => {
            let station = open_station(&store.resolve(file)?).await?;
            let users = station.users().await;
            station.close().await;
            for u in users? {
                let scopes = (!u.scopes.is_empty()).then(|| u.scopes.to_string());
                let grade = u.grade.map(|g| format!("grade {g}"));
                println!(
                    "{}\t{}\t{}{}{}",
                    u.id,
                    u.name,
                    u.role,
                    [u.agency, u.organisation, scopes, grade]
                        .into_iter()
                        .flatten()
                        .map(|a| format!("\t{a}"))
                        .collect::<String>(),
                    if u.disabled { "\tdisabled" } else { "" }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::SetRole { name, role, store } => {
            let station = open_station(&store.resolve(file)?).await?;
            let result = async {
                let user = station
                    .user_by_name(&name)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("no user named `{name}`"))?;
                anyhow::Ok(station.set_role(&user.id, role, "cli").await?)
            }
            .await;
            station.close().await;
            let user = result?;
            println!("{} is now {}", user.name, user.role);
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::Token { name, label, store } => {
            let station = open_station(&store.resolve(file)?).await?;
            let result = async {
                let user = station
                    .user_by_name(&name)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("no user named `{name}`"))?;
                anyhow::Ok(station.issue_token(&user.id, &label, "cli").await?)
            }
            .await;
            station.close().await;
            let (token, record) = result?;
            println!("token {} for {name} (shown once):", record.id);
            println!("{token}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn journal_verify(
    store: &StoreArgs,
    anchor: Option<PathBuf>,
    pubkey: Option<PathBuf>,
    file: &FileConfig,
) -> anyhow::Result<ExitCode> {
    // Read the anchor files first: a bad path is an error before any store is opened.
    let checkpoint = match (&anchor, &pubkey) {
        (Some(a), Some(p)) => {
            let text = std::fs::read_to_string(a)
                .with_context(|| format!("cannot read the anchor {}", a.display()))?;
            let anchor: guomen_station::anchor::Anchor = serde_json::from_str(&text)
                .with_context(|| format!("{} is not an anchor", a.display()))?;
            let key = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read the public key {}", p.display()))?;
            let key = guomen_station::anchor::verifying_key_from_hex(&key)
                .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
            Some((anchor, key))
        }
        _ => None,
    };
    let station = open_station(&store.resolve(file)?).await?;
    let outcome = station.verify_journal().await;
    let anchored = match &checkpoint {
        Some((a, k)) => Some(station.check_anchor(a, k).await),
        None => None,
    };
    let accounts = station.check_accounts().await;
    station.close().await;
    let mut ok = match outcome? {
        guomen_store::Verification::Intact {
            events,
            head_seq,
            head_hash,
        } => {
            println!("journal intact: {events} events, head seq {head_seq}, hash {head_hash}");
            true
        }
        guomen_store::Verification::Broken {
            first_bad_seq,
            reason,
        } => {
            println!("journal BROKEN at seq {first_bad_seq}: {reason}");
            false
        }
    };
    let accounts = accounts?;
    if accounts.is_empty() {
        println!("users and tokens agree with the journal");
    } else {
        for d in &accounts {
            println!("accounts DIFFER from the journal: {d}");
        }
        ok = false;
    }
    use guomen_station::anchor::AnchorCheck;
    match anchored.transpose()? {
        None => {}
        Some(AnchorCheck::Holds { seq }) => {
            println!("anchor holds: seq {seq} has the signed hash");
        }
        Some(AnchorCheck::BadSignature) => {
            println!("anchor REFUSED: its signature does not verify with this public key");
            ok = false;
        }
        Some(AnchorCheck::OtherStation { anchor, journal }) => {
            println!("anchor REFUSED: it is station {anchor}'s, this journal is {journal}'s");
            ok = false;
        }
        Some(AnchorCheck::Truncated {
            first_missing_seq,
            anchor_seq,
        }) => {
            println!(
                "journal BROKEN at seq {first_missing_seq}: truncated, the signed anchor reaches seq {anchor_seq}"
            );
            ok = false;
        }
        Some(AnchorCheck::Rewritten { seq }) => {
            println!(
                "journal BROKEN at seq {seq}: its hash differs from the signed anchor (an event at or before it was changed and the chain re-hashed)"
            );
            ok = false;
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

async fn journal_anchor(
    store: &StoreArgs,
    key: &std::path::Path,
    out: &std::path::Path,
    file: &FileConfig,
) -> anyhow::Result<ExitCode> {
    let key = guomen_station::anchor::load_or_create_key(key)?;
    let station = open_station(&store.resolve(file)?).await?;
    let anchor = station.anchor(&key).await;
    station.close().await;
    let Some(anchor) = anchor? else {
        anyhow::bail!("the journal is empty: nothing to anchor");
    };
    std::fs::write(out, serde_json::to_string_pretty(&anchor)? + "\n")
        .with_context(|| format!("cannot write {}", out.display()))?;
    println!(
        "anchored seq {} hash {} in {}",
        anchor.seq,
        anchor.head_hash,
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}
