//! The station subscribed to an external broker: the Mosquitto server at 127.0.0.1:1883 of the
//! development and CI machines (`GUOMEN_TEST_MQTT` overrides the address). Reported as
//! ignored, never passed, when nothing answers there.

use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use guomen_domain::Role;
use guomen_server::ServeConfig;
use guomen_server::config::MqttConfig;
use guomen_testkit::{Failed, Trial};

fn broker() -> SocketAddr {
    std::env::var("GUOMEN_TEST_MQTT")
        .ok()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 1883)))
}

fn main() {
    let addr = broker();
    let up = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok();
    let trial = Trial::test(
        "sensor_events_arrive_through_an_external_broker",
        move || {
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?
                .block_on(external_broker(addr))
        },
    );
    let trial = if up {
        trial
    } else {
        trial
            .with_ignored_flag(true)
            .with_kind(format!("skipped: no MQTT broker at {addr}"))
    };
    let mosquitto = std::path::Path::new(MOSQUITTO).exists();
    let tls = Trial::test("sensor_events_arrive_through_a_broker_over_tls", || {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(tls_broker())
    });
    let tls = if mosquitto {
        tls
    } else {
        tls.with_ignored_flag(true)
            .with_kind(format!("skipped: no {MOSQUITTO}"))
    };
    guomen_testkit::run(vec![trial, tls]);
}

const MOSQUITTO: &str = "/usr/sbin/mosquitto";

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

struct Broker(std::process::Child);

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A Mosquitto of our own with a plain listener (for the test's publisher) and a TLS one
/// (for the station, `mqtts://` with `--mqtt-ca` trusting the broker's self-signed
/// certificate).
async fn tls_broker() -> Result<(), Failed> {
    let dir = tempfile::tempdir()?;
    let (cert, key) = guomen_server::tls::write_self_signed("localhost", &dir.path().join("tls"))?;
    let (plain, secure) = (free_port()?, free_port()?);
    let conf = dir.path().join("mosquitto.conf");
    std::fs::write(
        &conf,
        format!(
            "user root\nper_listener_settings false\nallow_anonymous true\npersistence false\n\
             listener {plain} 127.0.0.1\nlistener {secure} 127.0.0.1\ncertfile {}\nkeyfile {}\n",
            cert.display(),
            key.display()
        ),
    )?;
    let _broker = Broker(
        std::process::Command::new(MOSQUITTO)
            .arg("-c")
            .arg(&conf)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()?,
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", secure)).is_err() {
        if std::time::Instant::now() > deadline {
            return Err("mosquitto did not listen within 10 s".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let data = tempfile::tempdir()?;
    let mut cfg = ServeConfig::for_dir(data.path());
    cfg.listen = "127.0.0.1:0".parse()?;
    cfg.mqtt = MqttConfig::External {
        host: "localhost".into(),
        port: secure,
        username: None,
        password: None,
        tls: true,
    };
    cfg.mqtt_ca = Some(cert);
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = guomen_server::serve::start(cfg, async {
        let _ = stopped.await;
    })
    .await?;
    let sensor = running.state.station.port().sensors[0].id.clone();
    let new = guomen_station::users::NewUser {
        name: "tls-fence".into(),
        role: Role::Device,
        password: None,
        agency: None,
        organisation: None,
        scopes: format!("sensor:{sensor}")
            .parse()
            .map_err(|e| format!("{e}"))?,
        grade: None,
    };
    let (_, token) = running
        .state
        .station
        .create_user(new, "test")
        .await
        .map_err(|e| e.to_string())?;
    let mut opts = rumqttc::MqttOptions::new("guomen-tls-test", "127.0.0.1", plain);
    opts.set_keep_alive(Duration::from_secs(10));
    let (client, mut events) = rumqttc::AsyncClient::new(opts, 16);
    tokio::spawn(async move { while events.poll().await.is_ok() {} });
    let topic = format!("guomen/sensors/{sensor}/events");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        client
            .publish(
                &topic,
                rumqttc::QoS::AtLeastOnce,
                false,
                format!(r#"{{"kind":"over-tls","token":"{token}"}}"#),
            )
            .await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let rows = running
            .state
            .station
            .journal_rows(0, 10_000)
            .await
            .map_err(|e| e.to_string())?;
        let mine = rows.iter().find(|r| {
            r.kind == "ops.alarm_raised" && r.payload["kind"].as_str() == Some("over-tls")
        });
        if let Some(r) = mine {
            assert_eq!(r.actor, "device:tls-fence");
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            return Err("no sensor event through the TLS broker within 15 s".into());
        }
    }
}

async fn external_broker(addr: SocketAddr) -> Result<(), Failed> {
    let dir = tempfile::tempdir()?;
    let mut cfg = ServeConfig::for_dir(dir.path());
    cfg.listen = "127.0.0.1:0".parse()?;
    cfg.jt808_listen = None;
    cfg.nmea_listen = None;
    cfg.mqtt = MqttConfig::External {
        host: addr.ip().to_string(),
        port: addr.port(),
        username: None,
        password: None,
        tls: false,
    };
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = guomen_server::serve::start(cfg, async {
        let _ = stopped.await;
    })
    .await?;
    let sensor = running.state.station.port().sensors[0].id.clone();
    let new = guomen_station::users::NewUser {
        name: "mosquitto-fence".into(),
        role: Role::Device,
        password: None,
        agency: None,
        organisation: None,
        scopes: format!("sensor:{sensor}")
            .parse()
            .map_err(|e| format!("{e}"))?,
        grade: None,
    };
    let (_, token) = running
        .state
        .station
        .create_user(new, "test")
        .await
        .map_err(|e| e.to_string())?;
    // Other runs may publish on the same shared broker: look for our own unique kind.
    let kind = format!("vibration-{}", &guomen_station::auth::new_id()[..8]);

    let mut opts = rumqttc::MqttOptions::new(
        format!("guomen-test-{kind}"),
        addr.ip().to_string(),
        addr.port(),
    );
    opts.set_keep_alive(Duration::from_secs(10));
    let (client, mut events) = rumqttc::AsyncClient::new(opts, 16);
    tokio::spawn(async move { while events.poll().await.is_ok() {} });
    let topic = format!("guomen/sensors/{sensor}/events");
    let other_sensor = running.state.station.port().sensors[1].id.clone();
    let other = format!("guomen/sensors/{other_sensor}/events");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    // Without a token the message is refused; with one it is forwarded. The station subscribes
    // asynchronously, so publish until it is seen.
    loop {
        client
            .publish(
                &topic,
                rumqttc::QoS::AtLeastOnce,
                false,
                format!(r#"{{"kind":"{kind}-anon"}}"#),
            )
            .await?;
        // Another sensor's topic with this device's token: outside its scope.
        client
            .publish(
                &other,
                rumqttc::QoS::AtLeastOnce,
                false,
                format!(r#"{{"kind":"{kind}-other","token":"{token}"}}"#),
            )
            .await?;
        client
            .publish(
                &topic,
                rumqttc::QoS::AtLeastOnce,
                false,
                format!(r#"{{"kind":"{kind}","token":"{token}"}}"#),
            )
            .await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let rows = running
            .state
            .station
            .journal_rows(0, 10_000)
            .await
            .map_err(|e| e.to_string())?;
        let mine = rows.iter().find(|r| {
            r.kind == "ops.alarm_raised" && r.payload["kind"].as_str() == Some(kind.as_str())
        });
        if let Some(r) = mine {
            assert_eq!(r.actor, "device:mosquitto-fence");
            assert_eq!(r.payload["sensor_id"].as_str(), Some(sensor.as_str()));
            break;
        }
        if tokio::time::Instant::now() > deadline {
            return Err("no sensor event through the external broker within 10 s".into());
        }
    }
    if running
        .state
        .station
        .metrics()
        .counter_value("mqtt_rejected", "missing_token")
        == 0
    {
        return Err("the message without a token was not refused".into());
    }
    let metrics = running.state.station.metrics();
    if metrics.counter_value("mqtt_refused", "publish_scope") == 0 {
        return Err("the message for another sensor was not refused".into());
    }
    let rows = running
        .state
        .station
        .journal_rows(0, 10_000)
        .await
        .map_err(|e| e.to_string())?;
    if rows
        .iter()
        .any(|r| r.payload["sensor_id"].as_str() == Some(other_sensor.as_str()))
    {
        return Err("another sensor's event was journaled".into());
    }
    Ok(())
}
