//! Plate reads over MQTT (`guomen/anpr/{camera_id}/plates`): through the embedded broker, and
//! through the external Mosquitto at 127.0.0.1:1883 (`GUOMEN_TEST_MQTT` overrides; that trial
//! is reported as ignored, never passed, when nothing answers there).

use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use guomen_domain::Role;
use guomen_server::ServeConfig;
use guomen_server::config::MqttConfig;
use guomen_server::serve::Running;
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
    let embedded = Trial::test("plate_reads_arrive_through_the_embedded_broker", || {
        block(embedded())
    });
    let external = Trial::test("plate_reads_arrive_through_mosquitto", move || {
        block(external(addr))
    });
    let external = if up {
        external
    } else {
        external
            .with_ignored_flag(true)
            .with_kind(format!("skipped: no MQTT broker at {addr}"))
    };
    guomen_testkit::run(vec![embedded, external]);
}

fn block(f: Fut) -> Result<(), Failed> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(f)
}

type Fut = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), Failed>>>>;

async fn station(
    mqtt: MqttConfig,
) -> Result<(Running, tokio::sync::oneshot::Sender<()>, tempfile::TempDir), Failed> {
    let dir = tempfile::tempdir()?;
    let mut cfg = ServeConfig::for_dir(dir.path());
    cfg.listen = "127.0.0.1:0".parse()?;
    cfg.jt808_listen = None;
    cfg.nmea_listen = None;
    cfg.mqtt = mqtt;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = guomen_server::serve::start(cfg, async {
        let _ = stopped.await;
    })
    .await?;
    Ok((running, stop, dir))
}

async fn camera_device(running: &Running, name: &str, scopes: &str) -> Result<String, Failed> {
    let (_, token) = running
        .state
        .station
        .create_user(
            guomen_station::users::NewUser {
                name: name.to_owned(),
                role: Role::Device,
                password: None,
                agency: None,
                organisation: None,
                scopes: scopes.parse().map_err(|e| format!("{e:?}"))?,
                grade: None,
            },
            "test",
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(token)
}

/// A plate no other run on a shared broker uses.
fn unique_plate() -> String {
    let id = guomen_station::auth::new_id();
    let digits: String = id
        .bytes()
        .filter(u8::is_ascii_digit)
        .chain(std::iter::repeat(b'7'))
        .take(5)
        .map(char::from)
        .collect();
    format!("蒙H·{digits}")
}

/// Publishes until the station has a vehicle with the plate (it subscribes asynchronously).
async fn publish_until_seen(
    running: &Running,
    client: &rumqttc::AsyncClient,
    topic: &str,
    payload: &str,
    canonical: &str,
) -> Result<(), Failed> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        client
            .publish(topic, rumqttc::QoS::AtLeastOnce, false, payload.to_owned())
            .await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let vehicles = running
            .state
            .station
            .vehicles(None)
            .await
            .map_err(|e| e.to_string())?;
        let mine: Vec<_> = vehicles.iter().filter(|v| v.plate == canonical).collect();
        if let Some(v) = mine.first() {
            if mine.len() != 1 {
                return Err(format!("{} arrivals for one truck", mine.len()).into());
            }
            if v.camera_id != "anpr-freight-exit" {
                return Err(format!("read at {}", v.camera_id).into());
            }
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            return Err(format!("no arrival of {canonical} within 10 s").into());
        }
    }
}

fn embedded() -> Fut {
    Box::pin(async {
        let (running, _stop, _dir) = station(MqttConfig::Embedded("127.0.0.1:0".parse()?)).await?;
        let addr = running.edges.mqtt.ok_or("no embedded broker")?;
        let token = camera_device(&running, "anpr-gw", "camera:anpr-freight-exit").await?;
        let other = camera_device(&running, "anpr-other", "camera:anpr-passenger-entry").await?;
        let mut opts = rumqttc::MqttOptions::new("anpr-test", addr.ip().to_string(), addr.port());
        opts.set_credentials("anpr-gw", token.clone());
        let (client, mut events) = rumqttc::AsyncClient::new(opts, 16);
        tokio::spawn(async move { while events.poll().await.is_ok() {} });
        let plate = unique_plate();
        let canonical = guomen_plates::normalise(&plate)
            .map_err(|e| e.to_string())?
            .to_string();
        let topic = "guomen/anpr/anpr-freight-exit/plates";
        publish_until_seen(
            &running,
            &client,
            topic,
            &format!(r#"{{"plate":"{plate}","confidence":0.9}}"#),
            &canonical,
        )
        .await?;
        // Read again (a repeat), with a token in the payload (the connection is the identity),
        // on another camera's topic (outside the connection's scope), and an impossible plate:
        // no new arrival, each refusal counted.
        let q = rumqttc::QoS::AtLeastOnce;
        client
            .publish(topic, q, false, format!(r#"{{"plate":"{plate}"}}"#))
            .await?;
        client
            .publish(
                "guomen/anpr/anpr-freight-exit/plates",
                q,
                false,
                format!(r#"{{"plate":"蒙HZ9999","token":"{other}"}}"#),
            )
            .await?;
        client
            .publish(
                "guomen/anpr/anpr-passenger-entry/plates",
                q,
                false,
                r#"{"plate":"蒙HZ9998"}"#,
            )
            .await?;
        client
            .publish(topic, q, false, r#"{"plate":"蒙H12"}"#)
            .await?;
        client.publish(topic, q, false, r#"not json"#).await?;
        let metrics = running.state.station.metrics();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while metrics.counter_value("mqtt_rejected", "bad_payload") == 0 {
            if tokio::time::Instant::now() > deadline {
                return Err("the bad payload was not counted".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        for (family, reason) in [
            ("mqtt_rejected", "token_in_payload"),
            ("mqtt_refused", "publish_scope"),
            ("mqtt_rejected", "plate_chinese_invalid"),
        ] {
            if metrics.counter_value(family, reason) == 0 {
                return Err(format!("no `{family}{{{reason}}}` refusal counted").into());
            }
        }
        let vehicles = running
            .state
            .station
            .vehicles(None)
            .await
            .map_err(|e| e.to_string())?;
        if vehicles.len() != 1 {
            return Err(format!("{} vehicles, expected 1: {vehicles:?}", vehicles.len()).into());
        }
        Ok(())
    })
}

fn external(addr: SocketAddr) -> Fut {
    Box::pin(async move {
        let (running, _stop, _dir) = station(MqttConfig::External {
            host: addr.ip().to_string(),
            port: addr.port(),
            username: None,
            password: None,
            tls: false,
        })
        .await?;
        let token = camera_device(&running, "anpr-gw", "camera:anpr-freight-exit").await?;
        let plate = unique_plate();
        let canonical = guomen_plates::normalise(&plate)
            .map_err(|e| e.to_string())?
            .to_string();
        let mut opts = rumqttc::MqttOptions::new(
            format!("anpr-{canonical}"),
            addr.ip().to_string(),
            addr.port(),
        );
        opts.set_keep_alive(Duration::from_secs(10));
        let (client, mut events) = rumqttc::AsyncClient::new(opts, 16);
        tokio::spawn(async move { while events.poll().await.is_ok() {} });
        publish_until_seen(
            &running,
            &client,
            "guomen/anpr/anpr-freight-exit/plates",
            &format!(r#"{{"plate":"{plate}","token":"{token}"}}"#),
            &canonical,
        )
        .await
    })
}
