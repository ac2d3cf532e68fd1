//! The station's own MQTT broker over real sockets on 127.0.0.1: devices log in with their
//! token (or password), publish only their scopes' topics, subscribe only to their own order
//! topics, and what they send is journaled under their own name.

use std::time::Duration;

use guomen_domain::{Role, Scopes};
use guomen_server::ServeConfig;
use guomen_server::config::MqttConfig;
use guomen_server::serve::{Running, start};
use guomen_station::device::Downlink;
use guomen_station::users::NewUser;
use rumqttc::{AsyncClient, ConnectReturnCode, Event, EventLoop, MqttOptions, Packet, QoS};
use tokio::sync::oneshot;

const TERMINAL: &str = "014790000101";
const WAIT: Duration = Duration::from_secs(5);

struct Station {
    running: Running,
    _stop: oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

impl Station {
    async fn start() -> Station {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = ServeConfig::for_dir(dir.path());
        cfg.listen = "127.0.0.1:0".parse().unwrap();
        cfg.jt808_listen = None;
        cfg.nmea_listen = None;
        cfg.mqtt = MqttConfig::Embedded("127.0.0.1:0".parse().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let running = start(cfg, async {
            let _ = stopped.await;
        })
        .await
        .expect("station starts");
        Station {
            running,
            _stop: stop,
            _dir: dir,
        }
    }

    fn addr(&self) -> std::net::SocketAddr {
        self.running.edges.mqtt.expect("embedded broker")
    }

    fn count(&self, family: &str, label: &str) -> u64 {
        self.running
            .state
            .station
            .metrics()
            .counter_value(family, label)
    }

    /// A user and its first API token.
    async fn user(&self, name: &str, role: Role, scopes: &str, password: Option<&str>) -> String {
        let new = NewUser {
            name: name.to_owned(),
            role,
            password: password.map(str::to_owned),
            agency: None,
            organisation: None,
            scopes: scopes.parse::<Scopes>().unwrap(),
            grade: None,
        };
        self.running
            .state
            .station
            .create_user(new, "test")
            .await
            .expect("user")
            .1
    }

    fn sensors(&self) -> Vec<String> {
        let port = self.running.state.station.port();
        port.sensors.iter().map(|s| s.id.clone()).collect()
    }

    /// The journal's sensor alarms as (sensor, kind, actor).
    async fn alarms(&self) -> Vec<(String, String, String)> {
        let rows = self
            .running
            .state
            .station
            .journal_rows(0, 10_000)
            .await
            .unwrap();
        rows.into_iter()
            .filter(|r| r.kind == "ops.alarm_raised" || r.kind == "ops.alarm_repeated")
            .map(|r| {
                let s = |k: &str| r.payload[k].as_str().unwrap_or_default().to_owned();
                (s("sensor_id"), s("kind"), r.actor)
            })
            .collect()
    }

    /// Waits until the journal has `n` alarms.
    async fn wait_alarms(&self, n: usize) -> Vec<(String, String, String)> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let a = self.alarms().await;
            if a.len() >= n || tokio::time::Instant::now() > deadline {
                return a;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn client(
    addr: std::net::SocketAddr,
    id: &str,
    creds: Option<(&str, &str)>,
) -> (AsyncClient, EventLoop) {
    let mut opts = MqttOptions::new(
        format!("test-{id}-{}", std::process::id()),
        addr.ip().to_string(),
        addr.port(),
    );
    opts.set_keep_alive(Duration::from_secs(10));
    if let Some((u, p)) = creds {
        opts.set_credentials(u, p);
    }
    let (c, mut ev) = AsyncClient::new(opts, 16);
    // Password logins hash with Argon2, slow in debug builds on a busy machine.
    ev.network_options.set_connection_timeout(30);
    (c, ev)
}

/// Drives the event loop until CONNACK; the refusal code when the broker refuses.
async fn connack(events: &mut EventLoop) -> Result<(), String> {
    loop {
        match tokio::time::timeout(WAIT * 6, events.poll()).await {
            Err(_) => return Err("timeout".into()),
            Ok(Err(e)) => return Err(e.to_string()),
            Ok(Ok(Event::Incoming(Packet::ConnAck(a)))) => {
                return if a.code == ConnectReturnCode::Success {
                    Ok(())
                } else {
                    Err(format!("{:?}", a.code))
                };
            }
            Ok(Ok(_)) => {}
        }
    }
}

/// Drives the event loop until the next incoming packet matching `f`.
async fn until<T>(events: &mut EventLoop, mut f: impl FnMut(Packet) -> Option<T>) -> T {
    loop {
        match tokio::time::timeout(WAIT, events.poll()).await {
            Err(_) => panic!("no expected packet within {WAIT:?}"),
            Ok(Err(e)) => panic!("connection failed: {e}"),
            Ok(Ok(Event::Incoming(p))) => {
                if let Some(t) = f(p) {
                    return t;
                }
            }
            Ok(Ok(_)) => {}
        }
    }
}

async fn puback(events: &mut EventLoop) {
    until(events, |p| matches!(p, Packet::PubAck(_)).then_some(())).await
}

async fn suback(events: &mut EventLoop) -> Vec<rumqttc::SubscribeReasonCode> {
    until(events, |p| match p {
        Packet::SubAck(s) => Some(s.return_codes),
        _ => None,
    })
    .await
}

#[tokio::test]
async fn only_authenticated_scoped_devices_connect() {
    let st = Station::start().await;
    let addr = st.addr();
    let sensor = &st.sensors()[0];
    let token = st
        .user(
            "fence-east",
            Role::Device,
            &format!("sensor:{sensor}"),
            None,
        )
        .await;
    let unscoped = st.user("fence-bare", Role::Device, "", None).await;
    let staff = st
        .user("chief", Role::DutyChief, "", Some("the chief's password"))
        .await;

    let refused = [
        ("wrong token", Some(("fence-east", "gmn_not-the-token"))),
        ("anonymous", None),
        ("someone else's token", Some(("fence-bare", token.as_str()))),
        ("no scope", Some(("fence-bare", unscoped.as_str()))),
        ("a person's token", Some(("chief", staff.as_str()))),
        (
            "a person's password",
            Some(("chief", "the chief's password")),
        ),
        ("no password", Some(("fence-east", "wrong password"))),
    ];
    for (why, creds) in refused {
        let (_c, mut ev) = client(addr, "refused", creds);
        assert!(connack(&mut ev).await.is_err(), "{why}: refused at CONNECT");
    }
    assert!(st.count("mqtt_rejected", "bad_login") >= 5);
    assert_eq!(st.count("mqtt_rejected", "no_scope"), 1);
    assert_eq!(st.count("mqtt_rejected", "not_device"), 1);

    let (_c, mut ev) = client(addr, "ok", Some(("fence-east", &token)));
    connack(&mut ev).await.expect("the device's own token");
}

#[tokio::test]
async fn a_device_speaks_only_for_its_own_sensor_and_is_journaled_by_name() {
    let st = Station::start().await;
    let addr = st.addr();
    let sensors = st.sensors();
    let (mine, theirs) = (&sensors[0], &sensors[1]);
    let link = st.running.state.station.port().links[0].id.clone();
    let token = st
        .user(
            "fence-east",
            Role::Device,
            &format!("sensor:{mine},link:{link}"),
            None,
        )
        .await;
    let (c, mut ev) = client(addr, "fence", Some(("fence-east", &token)));
    connack(&mut ev).await.unwrap();

    // Another sensor's topic: acknowledged (MQTT 3.1.1 has no refusal for PUBLISH), dropped.
    let topic = |s: &str| format!("guomen/sensors/{s}/events");
    c.publish(
        topic(theirs),
        QoS::AtLeastOnce,
        false,
        r#"{"kind":"intrusion"}"#,
    )
    .await
    .unwrap();
    puback(&mut ev).await;
    // A token in the payload: refused, the connection is the identity.
    c.publish(
        topic(mine),
        QoS::AtLeastOnce,
        false,
        format!(r#"{{"kind":"beam_break","token":"{token}"}}"#),
    )
    .await
    .unwrap();
    puback(&mut ev).await;
    c.publish(
        topic(mine),
        QoS::AtLeastOnce,
        false,
        r#"{"kind":"vibration","confidence":0.8}"#,
    )
    .await
    .unwrap();
    puback(&mut ev).await;
    // QoS 2 is taken once even when resent before its release.
    c.publish(topic(mine), QoS::ExactlyOnce, false, r#"{"kind":"radar"}"#)
        .await
        .unwrap();
    until(&mut ev, |p| matches!(p, Packet::PubComp(_)).then_some(())).await;
    c.publish(
        format!("guomen/links/{link}/heartbeat"),
        QoS::AtLeastOnce,
        false,
        "{}",
    )
    .await
    .unwrap();
    puback(&mut ev).await;
    c.publish(
        "guomen/units/rrt-1/position",
        QoS::AtLeastOnce,
        false,
        r#"{"lat":43.65,"lon":111.97}"#,
    )
    .await
    .unwrap();
    puback(&mut ev).await;

    // Acknowledged means taken: the journal already has them.
    let alarms = st.alarms().await;
    assert_eq!(
        alarms,
        [(mine.clone(), "vibration".into(), "device:fence-east".into())],
        "only its own sensor's events, under its own name (the radar joins the same alarm)"
    );
    assert_eq!(st.count("mqtt_refused", "publish_scope"), 2);
    assert_eq!(st.count("mqtt_rejected", "token_in_payload"), 1);
    assert_eq!(st.count("mqtt_accepted", "sensor_event"), 2);
    assert_eq!(st.count("mqtt_accepted", "link_heartbeat"), 1);
    assert_eq!(st.count("mqtt_accepted", "position"), 0);
    let links = st.running.state.station.links().await;
    assert!(
        links
            .iter()
            .any(|l| l.id == link && l.last_heartbeat.is_some())
    );

    // No subscription to the station's topics, its own sensor's or anyone's.
    c.subscribe_many([
        rumqttc::SubscribeFilter::new("guomen/#".into(), QoS::AtLeastOnce),
        rumqttc::SubscribeFilter::new("#".into(), QoS::AtMostOnce),
        rumqttc::SubscribeFilter::new(topic(mine), QoS::AtLeastOnce),
        rumqttc::SubscribeFilter::new("guomen/units/rrt-1/orders".into(), QoS::AtLeastOnce),
    ])
    .await
    .unwrap();
    let codes = suback(&mut ev).await;
    assert_eq!(codes, vec![rumqttc::SubscribeReasonCode::Failure; 4]);
    assert_eq!(st.count("mqtt_refused", "subscribe_wildcard"), 2);
    assert_eq!(st.count("mqtt_refused", "subscribe_topic"), 1);
    assert_eq!(st.count("mqtt_refused", "subscribe_scope"), 1);
    // The refusals are on the metrics page, by bounded label.
    let metrics = st.running.state.station.metrics().render();
    assert!(
        metrics.contains("guomen_mqtt_refused_total{reason=\"publish_scope\"} 2"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_unit_terminal_reports_its_position_and_receives_only_its_orders() {
    let st = Station::start().await;
    let addr = st.addr();
    let token = st.user("rrt-1-app", Role::Device, "unit:rrt-1", None).await;
    let (c, mut ev) = client(addr, "rrt", Some(("rrt-1-app", &token)));
    connack(&mut ev).await.unwrap();
    c.subscribe_many([
        rumqttc::SubscribeFilter::new("guomen/units/rrt-1/orders".into(), QoS::AtLeastOnce),
        rumqttc::SubscribeFilter::new("guomen/units/rrt-2/orders".into(), QoS::AtLeastOnce),
        rumqttc::SubscribeFilter::new("guomen/units/+/orders".into(), QoS::AtLeastOnce),
    ])
    .await
    .unwrap();
    assert_eq!(
        suback(&mut ev).await,
        [
            rumqttc::SubscribeReasonCode::Success(QoS::AtLeastOnce),
            rumqttc::SubscribeReasonCode::Failure,
            rumqttc::SubscribeReasonCode::Failure,
        ]
    );
    c.publish(
        "guomen/units/rrt-1/position",
        QoS::AtLeastOnce,
        false,
        r#"{"lat":43.65,"lon":111.97,"speed_kmh":12.5}"#,
    )
    .await
    .unwrap();
    puback(&mut ev).await;
    assert_eq!(st.count("mqtt_accepted", "position"), 1);
    let units = st.running.state.station.units().await;
    let rrt1 = units.iter().find(|u| u.id == "rrt-1").unwrap();
    assert!(rrt1.position.is_some(), "{rrt1:?}");

    // The station's order to the unit's terminal arrives on its order topic.
    let hub = st.running.state.station.downlinks();
    assert!(hub.is_connected(TERMINAL));
    assert!(hub.send(Downlink {
        terminal_id: TERMINAL.into(),
        text: "Dispatch INC-1".into(),
        incident_id: Some("INC-1".into()),
    }));
    let (topic, body) = until(&mut ev, |p| match p {
        Packet::Publish(p) => Some((p.topic, p.payload)),
        _ => None,
    })
    .await;
    assert_eq!(topic, "guomen/units/rrt-1/orders");
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["text"], "Dispatch INC-1");
    assert_eq!(body["incident_id"], "INC-1");

    // Leaving gives the terminal back.
    c.disconnect().await.unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(1), ev.poll()).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while hub.is_connected(TERMINAL) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!hub.is_connected(TERMINAL));
}

#[tokio::test]
async fn a_device_may_log_in_with_its_password_and_its_session_ends_with_the_connection() {
    let st = Station::start().await;
    let sensor = st.sensors()[0].clone();
    st.user(
        "gate-cam",
        Role::Device,
        &format!("sensor:{sensor}"),
        Some("a long device password"),
    )
    .await;
    let (c, mut ev) = client(
        st.addr(),
        "pw",
        Some(("gate-cam", "a long device password")),
    );
    connack(&mut ev).await.expect("password login");
    c.publish(
        format!("guomen/sensors/{sensor}/events"),
        QoS::AtLeastOnce,
        false,
        r#"{"kind":"vibration"}"#,
    )
    .await
    .unwrap();
    puback(&mut ev).await;
    assert_eq!(st.alarms().await[0].2, "device:gate-cam");
    c.disconnect().await.unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(1), ev.poll()).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let rows = st
            .running
            .state
            .station
            .journal_rows(0, 10_000)
            .await
            .unwrap();
        let kinds: Vec<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
        if kinds.contains(&"auth.logout") {
            assert!(kinds.contains(&"auth.login_succeeded"), "{kinds:?}");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no logout journaled: {kinds:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = st.wait_alarms(1).await;
}

#[tokio::test]
async fn malformed_or_silent_clients_are_dropped_and_counted() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let st = Station::start().await;
    // Not MQTT at all.
    let mut s = tokio::net::TcpStream::connect(st.addr()).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(WAIT, s.read(&mut buf)).await.unwrap();
    assert!(matches!(n, Ok(0) | Err(_)), "closed without an answer");
    // A PUBLISH before CONNECT.
    let mut s = tokio::net::TcpStream::connect(st.addr()).await.unwrap();
    s.write_all(&[0x30, 0x05, 0x00, 0x01, b'a', b'{', b'}'])
        .await
        .unwrap();
    let n = tokio::time::timeout(WAIT, s.read(&mut buf)).await.unwrap();
    assert!(matches!(n, Ok(0) | Err(_)), "closed without an answer");
    // A header announcing a packet larger than the broker takes: refused before it arrives.
    let mut s = tokio::net::TcpStream::connect(st.addr()).await.unwrap();
    s.write_all(&[0x10, 0xff, 0xff, 0xff, 0x7f]).await.unwrap();
    let n = tokio::time::timeout(WAIT, s.read(&mut buf)).await.unwrap();
    assert!(matches!(n, Ok(0) | Err(_)), "closed without an answer");
    let deadline = tokio::time::Instant::now() + WAIT;
    while st.count("mqtt_rejected", "too_large") == 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(st.count("mqtt_rejected", "too_large"), 1);
    assert_eq!(
        st.count("mqtt_rejected", "bad_packet") + st.count("mqtt_rejected", "not_connect"),
        2
    );
    // The broker still serves a device.
    let sensor = st.sensors()[0].clone();
    let token = st
        .user(
            "fence-east",
            Role::Device,
            &format!("sensor:{sensor}"),
            None,
        )
        .await;
    let (_c, mut ev) = client(st.addr(), "after", Some(("fence-east", &token)));
    connack(&mut ev).await.expect("still serving");
}

#[tokio::test]
async fn camera_counters_publish_lane_queues_only_for_their_own_lane() {
    let st = Station::start().await;
    let addr = st.addr();
    let token = st
        .user(
            "cam-entry-1",
            Role::Device,
            "lane:road-counter-entry-1",
            None,
        )
        .await;
    let (c, mut ev) = client(addr, "cam", Some(("cam-entry-1", &token)));
    connack(&mut ev).await.unwrap();
    for (lane, body) in [
        ("road-counter-entry-1", r#"{"count":17}"#),
        // Another lane: outside the camera's scope, acknowledged and dropped.
        ("road-counter-entry-2", r#"{"count":5}"#),
        // A negative count: refused by the station.
        ("road-counter-entry-1", r#"{"count":-4}"#),
    ] {
        c.publish(
            format!("guomen/lanes/{lane}/queue"),
            QoS::AtLeastOnce,
            false,
            body,
        )
        .await
        .unwrap();
        puback(&mut ev).await;
    }
    let station = &st.running.state.station;
    let lanes = station
        .lanes_status(&guomen_station::flow::LaneFilter::default())
        .await
        .unwrap();
    let queue = |id: &str| lanes.iter().find(|l| l.lane_id == id).map(|l| l.queue);
    assert_eq!(queue("road-counter-entry-1"), Some(17));
    assert_eq!(
        queue("road-counter-entry-2"),
        Some(0),
        "out of the camera's scope"
    );
    assert_eq!(st.count("mqtt_accepted", "lane_queue"), 1);
    assert_eq!(st.count("mqtt_refused", "publish_scope"), 1);
}
