//! `guomen mqtt acl` writes a Mosquitto ACL and password file for the provisioned devices;
//! a real `mosquitto` started on those files lets each device write only its own topics and
//! read only its own orders. Without a `mosquitto` binary the broker half says so and
//! returns.

mod support;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, ConnectReturnCode, Event, EventLoop, MqttOptions, Packet, QoS};
use support::guomen;

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn mosquitto_binary() -> Option<&'static str> {
    [
        "/usr/sbin/mosquitto",
        "/usr/bin/mosquitto",
        "/usr/local/sbin/mosquitto",
    ]
    .into_iter()
    .find(|p| Path::new(p).exists())
}

/// Stops the broker when the test ends, whichever way.
struct Broker(Child);

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn mqtt_acl_writes_files_mosquitto_enforces() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let add = |name: &str, args: &[&str]| {
        let out = guomen()
            .args(["user", "add", name])
            .args(args)
            .args(["--data", data])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
    };
    add("fence-gw", &["--role", "device", "--scope", "sensor:F-07"]);
    add("rrt-gw", &["--role", "device", "--scope", "unit:rrt-1"]);
    add("lane-cam", &["--role", "device", "--scope", "camera:c1"]);
    add("bare-gw", &["--role", "device"]);
    add("chief", &["--role", "duty_chief"]);

    let out_dir = dir.path().join("broker");
    let out = guomen()
        .args([
            "mqtt",
            "acl",
            "--out",
            out_dir.to_str().unwrap(),
            "--data",
            data,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("for 2 device(s)"), "{said}");
    assert!(said.contains("skipped lane-cam"), "{said}");

    let acl = std::fs::read_to_string(out_dir.join("acl")).unwrap();
    assert!(
        acl.contains("user fence-gw\ntopic write guomen/sensors/F-07/events\n"),
        "{acl}"
    );
    assert!(
        acl.contains(
            "user rrt-gw\ntopic write guomen/units/rrt-1/position\ntopic read guomen/units/rrt-1/orders\n"
        ),
        "{acl}"
    );
    assert!(acl.contains("user guomen-station\ntopic read guomen/sensors/+/events\n"));
    for absent in ["lane-cam", "bare-gw", "chief"] {
        assert!(!acl.contains(absent), "{absent} in {acl}");
    }
    assert!(
        acl.lines()
            .filter(|l| l.starts_with("topic"))
            .all(|l| !l.contains('#')),
        "{acl}"
    );
    let passwd = std::fs::read_to_string(out_dir.join("passwd")).unwrap();
    let users: Vec<&str> = passwd
        .lines()
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(users, ["guomen-station", "fence-gw", "rrt-gw"]);
    assert!(passwd.lines().all(|l| l.contains(":$7$101$")), "{passwd}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        for secret in ["passwd", "device-tokens", "station-password"] {
            let mode = std::fs::metadata(out_dir.join(secret))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "{secret} readable by others");
        }
    }
    let tokens = std::fs::read_to_string(out_dir.join("device-tokens")).unwrap();
    let token_of = |name: &str| -> String {
        tokens
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no token for {name} in {tokens}"))
            .to_owned()
    };
    let station_pw = std::fs::read_to_string(out_dir.join("station-password"))
        .unwrap()
        .trim()
        .to_owned();
    // The issued tokens are real API tokens of their devices.
    let list = guomen()
        .args(["user", "list", "--data", data])
        .output()
        .unwrap();
    assert!(list.status.success());

    let Some(mosquitto) = mosquitto_binary() else {
        eprintln!("skipped the broker half: no mosquitto binary on this machine");
        return;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Run as root, mosquitto switches to its own user, which cannot read the owner-only
    // files in the test's private directory: keep it as whoever runs the test (the option
    // does nothing for anyone else).
    let me = Command::new("id")
        .arg("-un")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|u| !u.is_empty())
        .map(|u| format!("user {u}\n"))
        .unwrap_or_default();
    let conf = dir.path().join("mosquitto.conf");
    std::fs::write(
        &conf,
        format!(
            "{me}listener {port} 127.0.0.1\nallow_anonymous false\npassword_file {}\nacl_file {}\npersistence false\nlog_dest stderr\n",
            out_dir.join("passwd").display(),
            out_dir.join("acl").display()
        ),
    )
    .unwrap();
    let child = Command::new(mosquitto)
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("mosquitto starts");
    let _broker = Broker(child);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let up = Instant::now();
    while TcpStream::connect(addr).is_err() {
        assert!(
            up.elapsed() < Duration::from_secs(10),
            "mosquitto not listening"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(against_mosquitto(
            addr,
            station_pw,
            token_of("fence-gw"),
            token_of("rrt-gw"),
        ));
}

fn client(addr: SocketAddr, user: &str, password: &str) -> (AsyncClient, EventLoop) {
    let mut opts = MqttOptions::new(
        format!("t-{user}-{}", std::process::id()),
        addr.ip().to_string(),
        addr.port(),
    );
    opts.set_keep_alive(Duration::from_secs(10));
    opts.set_credentials(user, password);
    AsyncClient::new(opts, 16)
}

async fn connack(ev: &mut EventLoop) -> Result<(), String> {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ev.poll()).await {
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

/// Every publish a client receives within `wait`, as (topic, payload).
async fn received(ev: &mut EventLoop, wait: Duration) -> Vec<(String, String)> {
    let mut got = Vec::new();
    let end = tokio::time::Instant::now() + wait;
    while let Ok(Ok(e)) = tokio::time::timeout_at(end, ev.poll()).await {
        if let Event::Incoming(Packet::Publish(p)) = e {
            got.push((p.topic, String::from_utf8_lossy(&p.payload).into_owned()));
        }
    }
    got
}

async fn suback(ev: &mut EventLoop) {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ev.poll()).await {
            Ok(Ok(Event::Incoming(Packet::SubAck(_)))) => return,
            Ok(Ok(_)) => {}
            other => panic!("no SUBACK: {other:?}"),
        }
    }
}

async fn against_mosquitto(addr: SocketAddr, station_pw: String, fence: String, rrt: String) {
    let (_c, mut ev) = client(addr, "fence-gw", "gmn_wrong-token");
    assert!(
        connack(&mut ev).await.is_err(),
        "a wrong password is refused"
    );
    let (_c, mut ev) = client(addr, "fence-gw", &rrt);
    assert!(
        connack(&mut ev).await.is_err(),
        "another device's token is refused"
    );

    let (station, mut station_ev) = client(addr, "guomen-station", &station_pw);
    connack(&mut station_ev).await.expect("station account");
    station
        .subscribe("guomen/sensors/+/events", QoS::AtLeastOnce)
        .await
        .unwrap();
    suback(&mut station_ev).await;

    let (snoop, mut snoop_ev) = client(addr, "rrt-gw", &rrt);
    connack(&mut snoop_ev).await.expect("unit device account");
    snoop.subscribe("guomen/#", QoS::AtLeastOnce).await.unwrap();
    suback(&mut snoop_ev).await;

    let (dev, mut dev_ev) = client(addr, "fence-gw", &fence);
    connack(&mut dev_ev).await.expect("sensor device account");
    for (topic, kind) in [
        ("guomen/sensors/F-07/events", "mine"),
        ("guomen/sensors/F-08/events", "not-mine"),
        ("guomen/units/rrt-1/orders", "forged-order"),
    ] {
        dev.publish(
            topic,
            QoS::AtLeastOnce,
            false,
            format!(r#"{{"kind":"{kind}"}}"#),
        )
        .await
        .unwrap();
    }
    // The station's own order to the unit.
    station
        .publish(
            "guomen/units/rrt-1/orders",
            QoS::AtLeastOnce,
            false,
            r#"{"text":"Dispatch"}"#,
        )
        .await
        .unwrap();
    let wait = Duration::from_millis(1500);
    let (to_station, to_snoop, _) = tokio::join!(
        received(&mut station_ev, wait),
        received(&mut snoop_ev, wait),
        received(&mut dev_ev, wait),
    );
    assert_eq!(
        to_station,
        [(
            "guomen/sensors/F-07/events".to_owned(),
            r#"{"kind":"mine"}"#.to_owned()
        )],
        "only the device's own sensor topic gets through"
    );
    assert_eq!(
        to_snoop,
        [(
            "guomen/units/rrt-1/orders".to_owned(),
            r#"{"text":"Dispatch"}"#.to_owned()
        )],
        "a device subscribed to guomen/# reads its own orders and nothing else"
    );
}
