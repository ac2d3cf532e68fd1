//! Layered configuration: defaults < config file < environment (`GUOMEN_*`) < flags.
//!
//! One set of clap structs serves flags and environment (clap reads `env` itself, flags
//! winning); the optional TOML file (`--config FILE` / `GUOMEN_CONFIG`) fills whatever neither
//! gave; defaults fill the rest. `guomen --help` and each subcommand's help list every option
//! with its variable and default.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use std::time::Duration;

pub use guomen_station::store::{StoreTarget, open_store};
use serde::Deserialize;

pub const DEFAULT_DATA: &str = "./guomen-data";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
pub const DEFAULT_REQUEST_TIMEOUT_S: u64 = 15;
pub const DEFAULT_JT808_LISTEN: &str = "127.0.0.1:7808";
pub const DEFAULT_NMEA_LISTEN: &str = "127.0.0.1:10110";
/// Not 1883: that is where a machine's own Mosquitto usually listens.
pub const DEFAULT_MQTT_LISTEN: &str = "127.0.0.1:11883";
/// Open HTTP connections in all. Each costs a socket and a few KiB of buffers.
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;
/// Open HTTP connections from one address: generous, since a whole hall of browsers can sit
/// behind one NAT address, yet far below the total so one address cannot take every slot.
pub const DEFAULT_MAX_CONNECTIONS_PER_IP: usize = 1024;
/// Seconds a connection may take to send a request head (and to finish a TLS handshake).
pub const DEFAULT_HEADER_READ_TIMEOUT_S: u64 = 10;
/// Requests handled at once; past it the station answers 503 with `Retry-After` at once
/// instead of queueing work it cannot finish in time.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 512;
/// Seconds shutdown waits for open connections (streams are ended first).
pub const SHUTDOWN_DRAIN_S: u64 = 8;

/// The config file's shape. Every key is optional; unknown keys are errors, so a typo is not
/// silently ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FileConfig {
    pub data: Option<PathBuf>,
    pub database: Option<String>,
    pub listen: Option<SocketAddr>,
    pub port_config: Option<PathBuf>,
    pub log_format: Option<LogFormat>,
    pub max_body_bytes: Option<usize>,
    pub request_timeout_s: Option<u64>,
    pub jt808_listen: Option<String>,
    pub nmea_listen: Option<String>,
    pub mqtt_listen: Option<String>,
    pub mqtt_url: Option<String>,
    pub mqtt_ca: Option<PathBuf>,
    pub anchor_key: Option<PathBuf>,
    pub anchor_dir: Option<PathBuf>,
    pub anchor_every: Option<u64>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub insecure_http: Option<bool>,
    pub max_connections: Option<usize>,
    pub max_connections_per_ip: Option<usize>,
    pub header_read_timeout_s: Option<u64>,
    pub max_in_flight: Option<usize>,
    pub replicate: Option<String>,
    pub station_id: Option<String>,
    pub replicate_keep_local: Option<Vec<String>>,
    pub replicate_max_age_days: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{0}")]
    Invalid(String),
}

impl FileConfig {
    pub fn load(path: &Path) -> Result<FileConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// Where the station keeps its data; shared by every subcommand that opens the store.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct StoreArgs {
    /// Data directory; the SQLite database lives here unless --database is given
    /// [default: ./guomen-data]
    #[arg(long, env = "GUOMEN_DATA", value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// PostgreSQL URL (postgres://user@host:port/db) to use instead of SQLite
    #[arg(long, env = "GUOMEN_DATABASE", value_name = "URL")]
    pub database: Option<String>,
}

impl StoreArgs {
    pub fn resolve(&self, file: &FileConfig) -> Result<StoreTarget, ConfigError> {
        let database = self.database.clone().or_else(|| file.database.clone());
        if let Some(url) = database.filter(|u| !u.is_empty()) {
            if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                return Ok(StoreTarget::Postgres(url));
            }
            if let Some(path) = url.strip_prefix("sqlite://") {
                return Ok(StoreTarget::Sqlite(PathBuf::from(path)));
            }
            return Err(ConfigError::Invalid(format!(
                "--database must be a postgres:// URL (or sqlite://DIR); got `{url}`"
            )));
        }
        let data = self
            .data
            .clone()
            .or_else(|| file.data.clone())
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA));
        Ok(StoreTarget::Sqlite(data))
    }
}

#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address to listen on for HTTP [default: 127.0.0.1:8080]
    #[arg(long, env = "GUOMEN_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Port model (TOML + GeoJSON) to load instead of the built-in `erenhot` sample
    #[arg(long, env = "GUOMEN_PORT_CONFIG", value_name = "FILE")]
    pub port_config: Option<PathBuf>,
    /// Log format [default: text]
    #[arg(long, env = "GUOMEN_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// Largest accepted request body in bytes [default: 1048576]
    #[arg(long, env = "GUOMEN_MAX_BODY_BYTES", value_name = "BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Seconds a request (including reading its body) may take [default: 15]
    #[arg(long, env = "GUOMEN_REQUEST_TIMEOUT_S", value_name = "SECONDS")]
    pub request_timeout_s: Option<u64>,
    /// JT/T 808 TCP listener for unit terminals, or `off` [default: 127.0.0.1:7808]
    #[arg(long, env = "GUOMEN_JT808_LISTEN", value_name = "ADDR|off")]
    pub jt808_listen: Option<String>,
    /// NMEA 0183 listener, TCP and UDP on the same address, or `off` [default: 127.0.0.1:10110]
    #[arg(long, env = "GUOMEN_NMEA_LISTEN", value_name = "ADDR|off")]
    pub nmea_listen: Option<String>,
    /// Embedded MQTT broker for sensors and links, or `off`; unused with --mqtt-url
    /// [default: 127.0.0.1:11883, not 1883 which a local Mosquitto usually holds]
    #[arg(long, env = "GUOMEN_MQTT_LISTEN", value_name = "ADDR|off")]
    pub mqtt_listen: Option<String>,
    /// External MQTT broker (mqtt://[user:password@]host[:port]) to subscribe to instead of
    /// running the embedded one
    #[arg(long, env = "GUOMEN_MQTT_URL", value_name = "URL")]
    pub mqtt_url: Option<String>,
    /// Extra root certificate (PEM) to trust for an mqtts:// broker, e.g. a LAN broker's
    /// self-signed certificate
    #[arg(long, env = "GUOMEN_MQTT_CA", value_name = "FILE")]
    pub mqtt_ca: Option<PathBuf>,
    /// Ed25519 key for signed journal anchors (created with FILE.pub when missing); with
    /// --anchor-dir the station writes a signed checkpoint of its journal head regularly
    #[arg(
        long,
        env = "GUOMEN_ANCHOR_KEY",
        value_name = "FILE",
        requires = "anchor_dir"
    )]
    pub anchor_key: Option<PathBuf>,
    /// Where the station writes its anchors (keep it off the database's disk)
    #[arg(
        long,
        env = "GUOMEN_ANCHOR_DIR",
        value_name = "DIR",
        requires = "anchor_key"
    )]
    pub anchor_dir: Option<PathBuf>,
    /// Minutes between anchors [default: 10]
    #[arg(long, env = "GUOMEN_ANCHOR_EVERY", value_name = "MINUTES")]
    pub anchor_every: Option<u64>,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key)
    #[arg(
        long,
        env = "GUOMEN_TLS_CERT",
        value_name = "FILE",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert
    #[arg(
        long,
        env = "GUOMEN_TLS_KEY",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,
    /// Serve plain HTTP on a non-loopback address anyway (passwords and session cookies then
    /// cross the network in clear; browsers will not send the Secure session cookie back)
    #[arg(long, env = "GUOMEN_INSECURE_HTTP")]
    pub insecure_http: bool,
    /// Open HTTP connections in all [default: 4096]
    #[arg(long, env = "GUOMEN_MAX_CONNECTIONS", value_name = "N")]
    pub max_connections: Option<usize>,
    /// Open HTTP connections from one client address [default: 1024]
    #[arg(long, env = "GUOMEN_MAX_CONNECTIONS_PER_IP", value_name = "N")]
    pub max_connections_per_ip: Option<usize>,
    /// Seconds a connection may take to send a request head [default: 10]
    #[arg(long, env = "GUOMEN_HEADER_READ_TIMEOUT_S", value_name = "SECONDS")]
    pub header_read_timeout_s: Option<u64>,
    /// Requests handled at once; more answer 503 with Retry-After [default: 512]
    #[arg(long, env = "GUOMEN_MAX_IN_FLIGHT", value_name = "N")]
    pub max_in_flight: Option<usize>,
    /// Replicate the journal to the national centre through this NATS server
    /// (nats://[USER:PASSWORD@]HOST:PORT, JetStream enabled); needs --station-id
    #[arg(
        long,
        env = "GUOMEN_REPLICATE",
        value_name = "URL",
        requires = "station_id"
    )]
    pub replicate: Option<String>,
    /// This station's id at the centre: letters, digits, `_` and `-` (it names the subject
    /// `guomen.journal.ID` and the stream `GUOMEN_JOURNAL_ID`)
    #[arg(long, env = "GUOMEN_STATION_ID", value_name = "ID")]
    pub station_id: Option<String>,
    /// Event kinds whose content stays at the station (comma-separated, e.g. `duty_log.written`);
    /// they still travel as stubs so the chain verifies at the centre [default: none]
    #[arg(
        long,
        env = "GUOMEN_REPLICATE_KEEP_LOCAL",
        value_name = "KIND,...",
        value_delimiter = ','
    )]
    pub replicate_keep_local: Option<Vec<String>>,
    /// Days the station's stream keeps events [default: 30]
    #[arg(long, env = "GUOMEN_REPLICATE_MAX_AGE_DAYS", value_name = "DAYS")]
    pub replicate_max_age_days: Option<u64>,
}

/// The certificate and key of an HTTPS listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Where the station gets its MQTT traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MqttConfig {
    Off,
    /// Run the station's own broker on this address; devices log in with their user name and
    /// API token (or password) and publish and subscribe only within their scopes.
    Embedded(SocketAddr),
    /// Subscribe to someone else's broker.
    External {
        host: String,
        port: u16,
        username: Option<String>,
        password: Option<String>,
        /// `mqtts://`: TLS, verified against the system's root certificates (and
        /// `--mqtt-ca` when given).
        tls: bool,
    },
}

/// `ADDR` or `off`: an optional listener.
fn listen_option(
    flag: Option<&String>,
    file: Option<&String>,
    default: &str,
    name: &str,
) -> Result<Option<SocketAddr>, ConfigError> {
    let text = flag.or(file).map(String::as_str).unwrap_or(default).trim();
    if matches!(text, "off" | "none" | "") {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| {
        ConfigError::Invalid(format!(
            "{name} must be an address like 127.0.0.1:7808 or `off`; got `{text}`"
        ))
    })
}

fn parse_mqtt_url(url: &str) -> Result<MqttConfig, ConfigError> {
    let bad = |why: &str| ConfigError::Invalid(format!("--mqtt-url `{url}`: {why}"));
    let (tls, rest) = if let Some(r) = url.strip_prefix("mqtts://") {
        (true, r)
    } else {
        let r = url
            .strip_prefix("mqtt://")
            .or_else(|| url.strip_prefix("tcp://"))
            .ok_or_else(|| bad("must start with mqtt:// or mqtts://"))?;
        (false, r)
    };
    let rest = rest.trim_end_matches('/');
    let (creds, hostport) = match rest.rsplit_once('@') {
        Some((c, h)) => (Some(c), h),
        None => (None, rest),
    };
    let (username, password) = match creds {
        None => (None, None),
        Some(c) => match c.split_once(':') {
            Some((u, p)) => (Some(u.to_owned()), Some(p.to_owned())),
            None => (Some(c.to_owned()), None),
        },
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().map_err(|_| bad("the port is not a number"))?),
        None => (hostport, if tls { 8883 } else { 1883 }),
    };
    if host.is_empty() {
        return Err(bad("no host"));
    }
    Ok(MqttConfig::External {
        host: host.to_owned(),
        port,
        username,
        password,
        tls,
    })
}

/// The resolved configuration of a running station.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub store: StoreTarget,
    pub listen: SocketAddr,
    pub port_config: Option<PathBuf>,
    pub log_format: LogFormat,
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
    pub jt808_listen: Option<SocketAddr>,
    pub nmea_listen: Option<SocketAddr>,
    pub mqtt: MqttConfig,
    /// Extra root certificate for an mqtts:// broker.
    pub mqtt_ca: Option<PathBuf>,
    /// Signed journal anchors: key file, directory, period.
    pub anchors: Option<AnchorConfig>,
    /// HTTPS instead of HTTP.
    pub tls: Option<TlsFiles>,
    /// Plain HTTP on a non-loopback address was asked for explicitly.
    pub insecure_http: bool,
    pub max_connections: usize,
    pub max_connections_per_ip: usize,
    pub header_read_timeout: Duration,
    pub max_in_flight: usize,
    /// Replication of the journal to the national centre.
    pub replicate: Option<guomen_replicate::Config>,
}

/// Where and how often a running station signs its journal head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorConfig {
    pub key: PathBuf,
    pub dir: PathBuf,
    pub every: Duration,
}

impl ServeArgs {
    pub fn resolve(&self, file: &FileConfig) -> Result<ServeConfig, ConfigError> {
        let listen = match self.listen.or(file.listen) {
            Some(a) => a,
            None => DEFAULT_LISTEN
                .parse()
                .map_err(|_| ConfigError::Invalid("bad default listen address".into()))?,
        };
        let max_body_bytes = self
            .max_body_bytes
            .or(file.max_body_bytes)
            .unwrap_or(DEFAULT_MAX_BODY_BYTES);
        if max_body_bytes < 1024 {
            return Err(ConfigError::Invalid(
                "max_body_bytes must be at least 1024".into(),
            ));
        }
        let timeout = self
            .request_timeout_s
            .or(file.request_timeout_s)
            .unwrap_or(DEFAULT_REQUEST_TIMEOUT_S);
        if timeout == 0 {
            return Err(ConfigError::Invalid(
                "request_timeout_s must be at least 1".into(),
            ));
        }
        let positive = |v: usize, name: &str| {
            if v == 0 {
                Err(ConfigError::Invalid(format!("{name} must be at least 1")))
            } else {
                Ok(v)
            }
        };
        let max_connections = positive(
            self.max_connections
                .or(file.max_connections)
                .unwrap_or(DEFAULT_MAX_CONNECTIONS),
            "max_connections",
        )?;
        let max_connections_per_ip = positive(
            self.max_connections_per_ip
                .or(file.max_connections_per_ip)
                .unwrap_or(DEFAULT_MAX_CONNECTIONS_PER_IP),
            "max_connections_per_ip",
        )?;
        let header_read_timeout_s = positive(
            self.header_read_timeout_s
                .or(file.header_read_timeout_s)
                .unwrap_or(DEFAULT_HEADER_READ_TIMEOUT_S) as usize,
            "header_read_timeout_s",
        )?;
        let max_in_flight = positive(
            self.max_in_flight
                .or(file.max_in_flight)
                .unwrap_or(DEFAULT_MAX_IN_FLIGHT),
            "max_in_flight",
        )?;
        let tls = match (
            self.tls_cert.clone().or_else(|| file.tls_cert.clone()),
            self.tls_key.clone().or_else(|| file.tls_key.clone()),
        ) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => None,
            _ => {
                return Err(ConfigError::Invalid(
                    "tls_cert and tls_key go together".into(),
                ));
            }
        };
        let insecure_http = self.insecure_http || file.insecure_http.unwrap_or(false);
        let replicate = match self.replicate.as_ref().or(file.replicate.as_ref()) {
            Some(url) if !url.trim().is_empty() => {
                let target = guomen_replicate::NatsTarget::parse(url.trim())
                    .map_err(|e| ConfigError::Invalid(format!("--replicate: {e}")))?;
                let id = self
                    .station_id
                    .as_ref()
                    .or(file.station_id.as_ref())
                    .ok_or_else(|| ConfigError::Invalid("--replicate needs --station-id".into()))?;
                guomen_replicate::check_station_id(id)
                    .map_err(|e| ConfigError::Invalid(format!("--station-id: {e}")))?;
                let mut cfg = guomen_replicate::Config::new(target, id);
                cfg.keep_local = self
                    .replicate_keep_local
                    .clone()
                    .or_else(|| file.replicate_keep_local.clone())
                    .unwrap_or_default()
                    .into_iter()
                    .map(|k| k.trim().to_owned())
                    .filter(|k| !k.is_empty())
                    .collect();
                for kind in &cfg.keep_local {
                    if kind.parse::<guomen_station::EventKind>().is_err() {
                        return Err(ConfigError::Invalid(format!(
                            "--replicate-keep-local: `{kind}` is not an event kind"
                        )));
                    }
                }
                let days = self
                    .replicate_max_age_days
                    .or(file.replicate_max_age_days)
                    .unwrap_or(30);
                if days == 0 {
                    return Err(ConfigError::Invalid(
                        "replicate_max_age_days must be at least 1".into(),
                    ));
                }
                cfg.max_age = Duration::from_secs(days * 24 * 3600);
                Some(cfg)
            }
            _ => None,
        };
        Ok(ServeConfig {
            mqtt_ca: self.mqtt_ca.clone().or_else(|| file.mqtt_ca.clone()),
            tls,
            insecure_http,
            max_connections,
            max_connections_per_ip,
            header_read_timeout: Duration::from_secs(header_read_timeout_s as u64),
            max_in_flight,
            replicate,
            store: self.store.resolve(file)?,
            listen,
            port_config: self
                .port_config
                .clone()
                .or_else(|| file.port_config.clone()),
            log_format: self
                .log_format
                .or(file.log_format)
                .unwrap_or(LogFormat::Text),
            max_body_bytes,
            request_timeout: Duration::from_secs(timeout),
            jt808_listen: listen_option(
                self.jt808_listen.as_ref(),
                file.jt808_listen.as_ref(),
                DEFAULT_JT808_LISTEN,
                "jt808_listen",
            )?,
            nmea_listen: listen_option(
                self.nmea_listen.as_ref(),
                file.nmea_listen.as_ref(),
                DEFAULT_NMEA_LISTEN,
                "nmea_listen",
            )?,
            anchors: match (
                self.anchor_key.clone().or_else(|| file.anchor_key.clone()),
                self.anchor_dir.clone().or_else(|| file.anchor_dir.clone()),
            ) {
                (Some(key), Some(dir)) => {
                    let minutes = self.anchor_every.or(file.anchor_every).unwrap_or(10);
                    if minutes == 0 {
                        return Err(ConfigError::Invalid(
                            "anchor_every must be at least 1 minute".into(),
                        ));
                    }
                    Some(AnchorConfig {
                        key,
                        dir,
                        every: Duration::from_secs(minutes * 60),
                    })
                }
                (None, None) => None,
                _ => {
                    return Err(ConfigError::Invalid(
                        "anchor_key and anchor_dir go together".into(),
                    ));
                }
            },
            mqtt: match self.mqtt_url.as_ref().or(file.mqtt_url.as_ref()) {
                Some(url) if !url.trim().is_empty() => parse_mqtt_url(url.trim())?,
                _ => match listen_option(
                    self.mqtt_listen.as_ref(),
                    file.mqtt_listen.as_ref(),
                    DEFAULT_MQTT_LISTEN,
                    "mqtt_listen",
                )? {
                    Some(addr) => MqttConfig::Embedded(addr),
                    None => MqttConfig::Off,
                },
            },
        })
    }
}

impl ServeConfig {
    /// Refuses plain HTTP on an address other machines can reach, unless asked for: logins
    /// would cross the network in clear, and browsers drop the station's `Secure` session
    /// cookie over plain HTTP, so nobody could stay logged in anyway.
    pub fn check_transport(&self) -> Result<(), ConfigError> {
        if self.tls.is_none() && !self.listen.ip().is_loopback() && !self.insecure_http {
            return Err(ConfigError::Invalid(format!(
                "refusing to serve plain HTTP on {}: passwords and session cookies would cross \
                 the network unencrypted, and browsers do not send the station's Secure session \
                 cookie back over plain HTTP. Give --tls-cert FILE --tls-key FILE (make a pair \
                 with `guomen tls self-signed --host NAME --out DIR`), listen on a loopback \
                 address behind a TLS proxy, or pass --insecure-http to accept the risk",
                self.listen
            )));
        }
        Ok(())
    }

    /// A configuration for tests and tools: SQLite in `dir`, everything else default.
    ///
    /// The protocol edges are off: several such stations run side by side in tests, and the
    /// embedded broker cannot give its port back. Turn them on explicitly where needed.
    pub fn for_dir(dir: &Path) -> ServeConfig {
        let args = ServeArgs {
            store: StoreArgs {
                data: Some(dir.to_owned()),
                database: None,
            },
            ..Default::default()
        };
        // Defaults are valid by construction.
        let mut cfg = args
            .resolve(&FileConfig::default())
            .unwrap_or_else(|e| unreachable!("default configuration is invalid: {e}"));
        cfg.jt808_listen = None;
        cfg.nmea_listen = None;
        cfg.mqtt = MqttConfig::Off;
        cfg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_file_beats_defaults() {
        let file: FileConfig =
            toml::from_str("listen = \"0.0.0.0:9000\"\nmax_body_bytes = 4096\ndata = \"/srv/g\"")
                .unwrap();
        let args = ServeArgs {
            listen: Some("127.0.0.1:7000".parse().unwrap()),
            ..Default::default()
        };
        let c = args.resolve(&file).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:7000");
        assert_eq!(c.max_body_bytes, 4096);
        assert_eq!(c.store, StoreTarget::Sqlite("/srv/g".into()));
        assert_eq!(
            c.request_timeout,
            Duration::from_secs(DEFAULT_REQUEST_TIMEOUT_S)
        );
        let d = ServeArgs::default()
            .resolve(&FileConfig::default())
            .unwrap();
        assert_eq!(d.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(d.store, StoreTarget::Sqlite(DEFAULT_DATA.into()));
    }

    #[test]
    fn edge_listeners_default_can_be_turned_off_and_mqtt_urls_parse() {
        let d = ServeArgs::default()
            .resolve(&FileConfig::default())
            .unwrap();
        assert_eq!(d.jt808_listen.unwrap().to_string(), DEFAULT_JT808_LISTEN);
        assert_eq!(d.nmea_listen.unwrap().to_string(), DEFAULT_NMEA_LISTEN);
        assert_eq!(
            d.mqtt,
            MqttConfig::Embedded(DEFAULT_MQTT_LISTEN.parse().unwrap())
        );
        let file: FileConfig =
            toml::from_str("jt808_listen = \"off\"\nmqtt_url = \"mqtt://u:p@broker:1884\"")
                .unwrap();
        let args = ServeArgs {
            nmea_listen: Some("off".into()),
            ..Default::default()
        };
        let c = args.resolve(&file).unwrap();
        assert_eq!(c.jt808_listen, None);
        assert_eq!(c.nmea_listen, None);
        assert_eq!(
            c.mqtt,
            MqttConfig::External {
                host: "broker".into(),
                port: 1884,
                username: Some("u".into()),
                password: Some("p".into()),
                tls: false,
            }
        );
        let bad = ServeArgs {
            jt808_listen: Some("localhost".into()),
            ..Default::default()
        };
        assert!(bad.resolve(&FileConfig::default()).is_err());
        let tls = ServeArgs {
            mqtt_url: Some("mqtts://dev:secret@broker.lan".into()),
            ..Default::default()
        };
        assert_eq!(
            tls.resolve(&FileConfig::default()).unwrap().mqtt,
            MqttConfig::External {
                host: "broker.lan".into(),
                port: 8883,
                username: Some("dev".into()),
                password: Some("secret".into()),
                tls: true,
            }
        );
        let other = ServeArgs {
            mqtt_url: Some("ws://h".into()),
            ..Default::default()
        };
        assert!(other.resolve(&FileConfig::default()).is_err());
    }

    #[test]
    fn plain_http_beyond_loopback_needs_tls_or_insecure_http() {
        let lan = |insecure: bool, tls: bool| ServeArgs {
            listen: Some("0.0.0.0:8080".parse().unwrap()),
            insecure_http: insecure,
            tls_cert: tls.then(|| "c.pem".into()),
            tls_key: tls.then(|| "k.pem".into()),
            ..Default::default()
        };
        let err = lan(false, false)
            .resolve(&FileConfig::default())
            .unwrap()
            .check_transport()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--insecure-http") && err.contains("unencrypted"),
            "{err}"
        );
        for ok in [lan(true, false), lan(false, true), ServeArgs::default()] {
            ok.resolve(&FileConfig::default())
                .unwrap()
                .check_transport()
                .unwrap();
        }
        let v6 = ServeArgs {
            listen: Some("[::1]:8080".parse().unwrap()),
            ..Default::default()
        };
        v6.resolve(&FileConfig::default())
            .unwrap()
            .check_transport()
            .unwrap();
    }

    #[test]
    fn unknown_file_keys_and_bad_urls_are_errors() {
        assert!(toml::from_str::<FileConfig>("lisen = \"x\"").is_err());
        let args = StoreArgs {
            database: Some("mysql://x".into()),
            data: None,
        };
        assert!(args.resolve(&FileConfig::default()).is_err());
        let pg = StoreArgs {
            database: Some("postgres://u:secret@h/db".into()),
            data: None,
        };
        let t = pg.resolve(&FileConfig::default()).unwrap();
        assert!(!t.to_string().contains("secret"));
    }
}
