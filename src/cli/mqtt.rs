//! `guomen mqtt acl`: a Mosquitto ACL and password file for the provisioned devices, so an
//! external broker enforces the same topic-by-scope rules as the station's own.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use guomen_domain::Role;
use guomen_server::StoreArgs;
use guomen_server::config::FileConfig;
use guomen_server::edges::mqtt::acl::{AclDevice, AclStation, mosquitto_files};
use guomen_station::store::open_station;

/// The label of the tokens issued for devices' broker passwords.
pub const TOKEN_LABEL: &str = "mqtt broker";

#[derive(Debug, Subcommand)]
pub enum MqttCommand {
    /// Write a Mosquitto ACL file (`acl`) and password file (`passwd`, PBKDF2-SHA512 `$7$`
    /// hashes as mosquitto_passwd writes them) for every enabled device user with scopes.
    /// Each device gets a new API token as its broker password (listed in `device-tokens`),
    /// the station an account of its own (`station-password`); secrets are written mode 0600
    Acl {
        /// Directory to write into (created if missing)
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The station's own user name on the broker
        #[arg(long, default_value = "guomen-station", value_name = "NAME")]
        station_user: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

pub async fn run(cmd: MqttCommand, file: &FileConfig) -> anyhow::Result<ExitCode> {
    let MqttCommand::Acl {
        out,
        station_user,
        store,
    } = cmd;
    if !guomen_server::edges::mqtt::acl::topic_safe(&station_user) {
        anyhow::bail!("--station-user `{station_user}` cannot be a Mosquitto user name");
    }
    std::fs::create_dir_all(&out)
        .with_context(|| format!("cannot create the directory {}", out.display()))?;
    let station = open_station(&store.resolve(file)?).await?;
    let result = async {
        let mut devices = Vec::new();
        for u in station.users().await? {
            if u.role != Role::Device || u.disabled || u.scopes.is_empty() {
                continue;
            }
            let (token, _) = station.issue_token(&u.id, TOKEN_LABEL, "cli").await?;
            devices.push(AclDevice {
                name: u.name,
                scopes: u.scopes,
                password: token,
            });
        }
        anyhow::Ok(devices)
    }
    .await;
    station.close().await;
    let devices = result?;
    let me = AclStation {
        name: station_user,
        password: guomen_station::auth::new_token().0,
    };
    let (acl, passwd, skipped) = mosquitto_files(&me, &devices);
    write(&out.join("acl"), &acl, false)?;
    write(&out.join("passwd"), &passwd, true)?;
    write(
        &out.join("station-password"),
        &format!("{}\n", me.password),
        true,
    )?;
    let tokens: String = devices
        .iter()
        .filter(|d| !skipped.contains(&d.name))
        .map(|d| format!("{} {}\n", d.name, d.password))
        .collect();
    write(&out.join("device-tokens"), &tokens, true)?;
    println!(
        "wrote {} and {} for {} device(s) and the station user `{}`",
        out.join("acl").display(),
        out.join("passwd").display(),
        devices.len() - skipped.len(),
        me.name
    );
    for name in &skipped {
        println!(
            "skipped {name}: its scopes grant no MQTT topic or name an id that cannot be a topic level"
        );
    }
    println!(
        "device passwords (new API tokens labelled `{TOKEN_LABEL}`): {}",
        out.join("device-tokens").display()
    );
    println!(
        "station: --mqtt-url mqtt://{}:PASSWORD@HOST:PORT with PASSWORD from {}",
        me.name,
        out.join("station-password").display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes a file, readable by its owner only when it holds secrets.
fn write(path: &Path, text: &str, secret: bool) -> anyhow::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    if secret {
        // An existing file keeps its mode on open: tighten it.
        use std::os::unix::fs::PermissionsExt as _;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    f.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
