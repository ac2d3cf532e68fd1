//! Protocol edges over real sockets on 127.0.0.1: simulated JT/T 808 terminals, NMEA senders
//! and MQTT devices against a running station; assertions on what reaches the device channel.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use guomen_domain::Role;
use guomen_proto::jt808::{
    self, AlarmFlags, Auth, Envelope, Frame, FrameSplitter, Location, LocationBatch, Message,
    Register, RegisterLayout, StatusFlags, SubPackage,
};
use guomen_server::ServeConfig;
use guomen_server::config::MqttConfig;
use guomen_server::serve::{Running, start};
use guomen_station::device::{DeviceInput, Downlink, Via};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::oneshot;

const TERMINAL: &str = "014790000101";
const OTHER_TERMINAL: &str = "014790000102";
const WAIT: Duration = Duration::from_secs(5);

struct Station {
    running: Running,
    rx: tokio::sync::broadcast::Receiver<DeviceInput>,
    _stop: oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

impl Station {
    async fn start(mqtt: MqttConfig) -> Station {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = ServeConfig::for_dir(dir.path());
        let any = "127.0.0.1:0".parse().unwrap();
        cfg.listen = any;
        cfg.jt808_listen = Some(any);
        cfg.nmea_listen = Some(any);
        cfg.mqtt = mqtt;
        let (stop, stopped) = oneshot::channel::<()>();
        let running = start(cfg, async {
            let _ = stopped.await;
        })
        .await
        .expect("station starts");
        let rx = running.state.station.device_tap();
        Station {
            running,
            rx,
            _stop: stop,
            _dir: dir,
        }
    }

    async fn next(&mut self) -> DeviceInput {
        tokio::time::timeout(WAIT, self.rx.recv())
            .await
            .expect("a device input within 5 s")
            .expect("tap open and not lagging")
    }

    /// Nothing more arrives within a short while.
    async fn quiet(&mut self) {
        if let Ok(Ok(x)) = tokio::time::timeout(Duration::from_millis(300), self.rx.recv()).await {
            panic!("unexpected device input: {x:?}");
        }
    }

    fn count(&self, family: &str, reason: &str) -> u64 {
        self.running
            .state
            .station
            .metrics()
            .counter_value(family, reason)
    }

    async fn device_token(&self, name: &str) -> String {
        self.scoped_device(name, "*").await
    }

    async fn scoped_device(&self, name: &str, scopes: &str) -> String {
        let new = guomen_station::users::NewUser {
            name: name.to_owned(),
            role: Role::Device,
            password: None,
            agency: None,
            organisation: None,
            scopes: scopes.parse().expect("valid scopes"),
            grade: None,
        };
        self.running
            .state
            .station
            .create_user(new, "test")
            .await
            .expect("device user")
            .1
    }
}

struct Terminal {
    stream: TcpStream,
    splitter: FrameSplitter,
    id: String,
    serial: u16,
}

impl Terminal {
    async fn connect(station: &Station, id: &str) -> Terminal {
        let addr = station.running.edges.jt808.expect("jt808 listening");
        Terminal {
            stream: TcpStream::connect(addr).await.unwrap(),
            splitter: FrameSplitter::default(),
            id: id.to_owned(),
            serial: 0,
        }
    }

    fn envelope(&mut self) -> Envelope {
        self.serial += 1;
        Envelope::v2013(self.id.clone(), self.serial)
    }

    async fn send(&mut self, msg: Message) -> u16 {
        let env = self.envelope();
        let bytes = jt808::encode(&env, &msg).unwrap();
        self.stream.write_all(&bytes).await.unwrap();
        env.serial
    }

    async fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    async fn recv(&mut self) -> Frame {
        let mut buf = [0u8; 2048];
        loop {
            if let Some(f) = self.splitter.next_frame() {
                return jt808::decode_frame(&f.unwrap()).expect("the station sends valid frames");
            }
            let n = tokio::time::timeout(WAIT, self.stream.read(&mut buf))
                .await
                .expect("a reply within 5 s")
                .unwrap();
            assert!(n > 0, "the station closed the connection");
            self.splitter.push(&buf[..n]);
        }
    }

    /// Sends and expects a 0x8001 for it; returns the result code.
    async fn call(&mut self, msg: Message) -> u8 {
        let serial = self.send(msg).await;
        self.expect_response(serial).await
    }

    async fn expect_response(&mut self, serial: u16) -> u8 {
        let reply = self.recv().await;
        match reply.message {
            Message::PlatformResponse {
                reply_serial,
                result,
                ..
            } => {
                assert_eq!(reply_serial, serial);
                assert_eq!(reply.header.terminal, self.id);
                result
            }
            other => panic!("expected 0x8001, got {other:?}"),
        }
    }

    async fn register_and_auth(&mut self) -> String {
        let (result, code) = self.register().await;
        assert_eq!(result, 0, "registered");
        let code = code.expect("an auth code");
        assert_eq!(self.auth(&code).await, 0, "authentication accepted");
        code
    }

    /// 0x0100: the 0x8100 result and auth code.
    async fn register(&mut self) -> (u8, Option<String>) {
        let serial = self
            .send(Message::Register(Register {
                province: 15,
                city: 2501,
                maker: "GMN".into(),
                model: "BD-T1".into(),
                terminal_id: "T000001".into(),
                plate_colour: 0,
                plate: "".into(),
                layout: RegisterLayout::V2013,
            }))
            .await;
        let reply = self.recv().await;
        match reply.message {
            Message::RegisterResponse {
                reply_serial,
                result,
                auth_code,
            } => {
                assert_eq!(reply_serial, serial);
                (result, auth_code)
            }
            other => panic!("expected 0x8100, got {other:?}"),
        }
    }

    async fn auth(&mut self, code: &str) -> u8 {
        self.call(Message::Auth(Auth {
            code: code.to_owned(),
            imei: None,
            software_version: None,
        }))
        .await
    }
}

fn location(i: u32) -> Location {
    Location {
        alarm: AlarmFlags(if i == 2 { 1 } else { 0 }),
        status: StatusFlags(StatusFlags::LOCATED | StatusFlags::BEIDOU_USED),
        lat: 43.65 + f64::from(i) * 0.001,
        lon: 111.97 + f64::from(i) * 0.001,
        altitude_m: 960,
        speed_kmh: 12.5,
        course: 90,
        time: Utc.with_ymd_and_hms(2025, 6, 30, 9, 0, i).single(),
        extras: vec![],
    }
}

fn assert_position(input: DeviceInput, terminal: &str, i: u32) {
    match input {
        DeviceInput::Position {
            terminal_id,
            lat,
            lon,
            time,
            alarm,
            via,
            speed_kmh,
            ..
        } => {
            assert_eq!(terminal_id, terminal);
            assert!(
                (lat - (43.65 + f64::from(i) * 0.001)).abs() < 1e-6,
                "lat {lat} for fix {i}"
            );
            assert!((lon - (111.97 + f64::from(i) * 0.001)).abs() < 1e-6);
            assert_eq!(time, Utc.with_ymd_and_hms(2025, 6, 30, 9, 0, i).unwrap());
            assert_eq!(alarm, if i == 2 { 1 } else { 0 });
            assert_eq!(speed_kmh, Some(12.5));
            assert_eq!(via, Via::Jt808);
        }
        other => panic!("expected a position, got {other:?}"),
    }
}

#[tokio::test]
async fn terminal_registers_authenticates_and_reports_in_order() {
    let mut st = Station::start(MqttConfig::Off).await;
    let mut t = Terminal::connect(&st, TERMINAL).await;

    // Reports before authentication are refused and not forwarded.
    assert_eq!(t.call(Message::Location(location(0))).await, 1);
    assert_eq!(st.count("jt808_rejected", "not_authenticated"), 1);

    t.register_and_auth().await;
    assert_eq!(
        st.next().await,
        DeviceInput::TerminalOnline {
            terminal_id: TERMINAL.into(),
            via: Via::Jt808
        }
    );
    assert_eq!(t.call(Message::Heartbeat).await, 0);
    assert_eq!(t.call(Message::Location(location(1))).await, 0);
    let batch = LocationBatch {
        batch_type: 0,
        locations: vec![location(2), location(3)],
    };
    assert_eq!(t.call(Message::LocationBatch(batch)).await, 0);
    for i in 1..=3 {
        assert_position(st.next().await, TERMINAL, i);
    }

    // A location report split in two sub-packages: each piece answered, one position.
    let body = Message::Location(location(4))
        .encode_body(jt808::Version::V2013)
        .unwrap();
    let (a, b) = body.split_at(body.len() / 2);
    for (k, piece) in [a, b].into_iter().enumerate() {
        let env = t.envelope();
        let pkg = SubPackage {
            total: 2,
            index: k as u16 + 1,
        };
        let bytes = jt808::encode_raw(&env, jt808::ids::LOCATION, piece, Some(pkg)).unwrap();
        t.send_raw(&bytes).await;
        assert_eq!(t.expect_response(env.serial).await, 0);
    }
    assert_position(st.next().await, TERMINAL, 4);

    // An unknown message id: "not supported".
    let env = t.envelope();
    t.send_raw(&jt808::encode_raw(&env, 0x0f01, &[1, 2, 3], None).unwrap())
        .await;
    assert_eq!(t.expect_response(env.serial).await, 3);
    assert_eq!(st.count("jt808_rejected", "unsupported_msg_id"), 1);

    drop(t);
    assert_eq!(
        st.next().await,
        DeviceInput::TerminalOffline {
            terminal_id: TERMINAL.into(),
            via: Via::Jt808
        }
    );
    st.quiet().await;
}

/// Issue 12's "done when": a second terminal claiming a registered unit's terminal id gets no
/// auth code, cannot authenticate with a guessed one, and moves no unit on the map.
#[tokio::test]
async fn a_second_terminal_claiming_a_registered_id_gets_nowhere() {
    let mut st = Station::start(MqttConfig::Off).await;
    let station = st.running.state.station.clone();
    let fix_of = |unit: &str| {
        let station = station.clone();
        let unit = unit.to_owned();
        async move {
            station
                .units()
                .await
                .into_iter()
                .find(|u| u.id == unit)
                .and_then(|u| u.position)
                .map(|f| (f.lat, f.lon))
        }
    };
    let mut real = Terminal::connect(&st, TERMINAL).await;
    let code = real.register_and_auth().await;
    assert!(matches!(
        st.next().await,
        DeviceInput::TerminalOnline { .. }
    ));
    let before = fix_of("rrt-1").await;

    let mut fake = Terminal::connect(&st, TERMINAL).await;
    assert_eq!(
        fake.register().await,
        (3, None),
        "already registered: no code"
    );
    assert_eq!(fake.auth("0123456789abcdef").await, 1, "a guess fails");
    assert_eq!(fake.auth("").await, 1);
    // Nothing but registration, authentication and heartbeat before authentication: no
    // positions, no sub-packages (not even reassembled).
    assert_eq!(fake.call(Message::Location(location(7))).await, 1);
    let body = Message::Location(location(8))
        .encode_body(jt808::Version::V2013)
        .unwrap();
    for (k, piece) in [&body[..10], &body[10..]].into_iter().enumerate() {
        let env = fake.envelope();
        let pkg = SubPackage {
            total: 2,
            index: k as u16 + 1,
        };
        let bytes = jt808::encode_raw(&env, jt808::ids::LOCATION, piece, Some(pkg)).unwrap();
        fake.send_raw(&bytes).await;
        assert_eq!(fake.expect_response(env.serial).await, 1);
    }
    assert_eq!(fake.call(Message::Heartbeat).await, 0);
    // Even the right code is refused while the real terminal's session is live.
    assert_eq!(fake.auth(&code).await, 1, "second live session");
    assert_eq!(st.count("jt808_rejected", "second_session"), 1);
    assert_eq!(st.count("jt808_rejected", "already_registered"), 1);
    assert_eq!(st.count("jt808_rejected", "bad_auth_code"), 2);
    assert_eq!(st.count("jt808_rejected", "not_authenticated"), 3);
    st.quiet().await;
    assert_eq!(fix_of("rrt-1").await, before, "rrt-1 did not move");

    // The code is the terminal's for good: after a reconnect it still works, without a new
    // registration.
    drop(real);
    assert!(matches!(
        st.next().await,
        DeviceInput::TerminalOffline { .. }
    ));
    let mut again = Terminal::connect(&st, TERMINAL).await;
    assert_eq!(again.auth(&code).await, 0);
    assert!(matches!(
        st.next().await,
        DeviceInput::TerminalOnline { .. }
    ));
    drop(again);
    assert!(matches!(
        st.next().await,
        DeviceInput::TerminalOffline { .. }
    ));

    // Reset: the terminal registers again and gets a new code; the old one is dead.
    station.reset_terminal(TERMINAL, "test").await.unwrap();
    let mut replaced = Terminal::connect(&st, TERMINAL).await;
    assert_eq!(
        replaced.auth(&code).await,
        1,
        "the old code died with the reset"
    );
    let new_code = replaced.register_and_auth().await;
    assert_ne!(new_code, code);
    assert!(matches!(
        st.next().await,
        DeviceInput::TerminalOnline { .. }
    ));
    drop(replaced);
    assert!(matches!(
        st.next().await,
        DeviceInput::TerminalOffline { .. }
    ));

    // Re-provisioning on the running station: rrt-1 now has another terminal number.
    let moved = "014790000199";
    station
        .provision_terminal(
            guomen_station::terminals::Provisioning {
                unit_id: "rrt-1".into(),
                terminal_id: moved.into(),
                manufacturer: "70111".into(),
                model: "BD-T808".into(),
                plate: "蒙H·J0101".into(),
            },
            "test",
        )
        .await
        .unwrap();
    let mut old = Terminal::connect(&st, TERMINAL).await;
    assert_eq!(old.register().await.0, 4, "the old number is no one's now");
    assert_eq!(old.auth(&new_code).await, 1);
    let mut new = Terminal::connect(&st, moved).await;
    new.register_and_auth().await;
    assert!(matches!(
        st.next().await,
        DeviceInput::TerminalOnline { .. }
    ));
    assert_eq!(new.call(Message::Location(location(5))).await, 0);
    assert_position(st.next().await, moved, 5);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (lat, _) = fix_of("rrt-1").await.expect("rrt-1 has a fix");
    assert!(
        (lat - (43.65 + 0.005)).abs() < 1e-6,
        "the new terminal moves rrt-1"
    );
    // A number already another unit's cannot be provisioned twice.
    let taken = station
        .provision_terminal(
            guomen_station::terminals::Provisioning {
                unit_id: "rrt-1".into(),
                terminal_id: OTHER_TERMINAL.into(),
                manufacturer: "m".into(),
                model: "x".into(),
                plate: "p".into(),
            },
            "test",
        )
        .await
        .unwrap_err();
    assert!(taken.to_string().contains("rrt-2"), "{taken}");
}

#[tokio::test]
async fn reports_as_devices_send_them_are_decoded_and_their_quirks_counted() {
    let mut st = Station::start(MqttConfig::Off).await;
    let mut t = Terminal::connect(&st, TERMINAL).await;
    t.register_and_auth().await;
    assert!(matches!(
        st.next().await,
        DeviceInput::TerminalOnline { .. }
    ));
    // A device that does not escape: a bare 0x7e inside an additional item cuts the frame for
    // the splitter; the stream joins the pieces back because check code and length agree.
    let mut l = location(1);
    l.extras.push(jt808::Extra::Raw {
        id: 0xe1,
        value: vec![0x7e, 0x11],
    });
    let env = t.envelope();
    let f = jt808::encode(&env, &Message::Location(l)).unwrap();
    let raw = jt808::wire::unescape(&f[1..f.len() - 1]).unwrap();
    let at = raw.windows(2).rposition(|w| w == [0x7e, 0x11]).unwrap();
    let mut bare = vec![0x7e];
    for (i, b) in raw.iter().enumerate() {
        if i == at {
            bare.push(*b);
        } else {
            jt808::wire::escape_into(&[*b], &mut bare);
        }
    }
    bare.push(0x7e);
    t.send_raw(&bare).await;
    assert_eq!(t.expect_response(env.serial).await, 0);
    assert_position(st.next().await, TERMINAL, 1);
    // A truncated trailing additional item: the item is dropped, the position kept.
    let mut body = location(2).encode().unwrap();
    body.extend_from_slice(&[0x31, 0x05, 0x01]);
    let env = t.envelope();
    t.send_raw(&jt808::encode_raw(&env, jt808::ids::LOCATION, &body, None).unwrap())
        .await;
    assert_eq!(t.expect_response(env.serial).await, 0);
    assert_position(st.next().await, TERMINAL, 2);
    let text = st.running.state.station.metrics().render();
    for line in [
        "guomen_jt808_quirks_total{quirk=\"unescaped_delimiter\"} 1",
        "guomen_jt808_quirks_total{quirk=\"truncated_additional_item\"} 1",
        "guomen_jt808_quirks_total{quirk=\"bad_escape\"} 0",
    ] {
        assert!(text.contains(line), "{line} not in:\n{text}");
    }
    st.quiet().await;
}

#[tokio::test]
async fn a_bad_device_does_not_disturb_a_healthy_one() {
    let mut st = Station::start(MqttConfig::Off).await;
    let mut bad = Terminal::connect(&st, OTHER_TERMINAL).await;
    let mut good = Terminal::connect(&st, TERMINAL).await;
    good.register_and_auth().await;
    assert!(matches!(
        st.next().await,
        DeviceInput::TerminalOnline { .. }
    ));

    // Bad checksum: counted, no reply.
    let mut frame =
        jt808::encode(&Envelope::v2013(OTHER_TERMINAL, 1), &Message::Heartbeat).unwrap();
    let n = frame.len();
    frame[n - 2] ^= 0x55;
    bad.send_raw(&frame).await;
    // Garbage, then an oversized frame, then half a frame left hanging.
    bad.send_raw(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let mut huge = vec![0x7e];
    huge.extend(std::iter::repeat_n(0x30, 6000));
    huge.push(0x7e);
    bad.send_raw(&huge).await;
    bad.send_raw(&[0x7e, 0x02, 0x00, 0x00]).await;

    // The healthy terminal is served meanwhile, in order.
    for i in 0..3 {
        assert_eq!(good.call(Message::Location(location(i))).await, 0);
    }
    for i in 0..3 {
        assert_position(st.next().await, TERMINAL, i);
    }
    // The bad one's register for an unknown terminal is refused with 4 (no such terminal).
    let mut stranger = Terminal::connect(&st, "013900000000").await;
    stranger
        .send(Message::Register(Register {
            province: 0,
            city: 0,
            maker: "X".into(),
            model: "Y".into(),
            terminal_id: "Z".into(),
            plate_colour: 0,
            plate: "".into(),
            layout: RegisterLayout::V2013,
        }))
        .await;
    match stranger.recv().await.message {
        Message::RegisterResponse {
            result, auth_code, ..
        } => {
            assert_eq!(result, 4);
            assert_eq!(auth_code, None);
        }
        other => panic!("expected 0x8100, got {other:?}"),
    }
    // The garbage sits between two 0x7e, so it also reads as a (bad) frame.
    assert!(st.count("jt808_rejected", "bad_checksum") >= 1);
    assert_eq!(st.count("jt808_rejected", "oversized"), 1);
    assert!(st.count("jt808_rejected", "noise") >= 1);
    assert_eq!(st.count("jt808_rejected", "unknown_terminal"), 1);
    st.quiet().await;
}

#[tokio::test]
async fn a_dispatch_order_reaches_the_terminal_and_its_answer_acknowledges_it() {
    let mut st = Station::start(MqttConfig::Off).await;
    let hub = st.running.state.station.downlinks();
    assert!(!hub.is_connected(TERMINAL));
    let mut t = Terminal::connect(&st, TERMINAL).await;
    t.register_and_auth().await;
    assert!(matches!(
        st.next().await,
        DeviceInput::TerminalOnline { .. }
    ));
    assert!(hub.is_connected(TERMINAL));

    let text = "前往814号界碑，两人向限制区移动";
    assert!(hub.send(Downlink {
        terminal_id: TERMINAL.into(),
        text: text.into(),
        incident_id: Some("inc-1".into()),
    }));
    let order = t.recv().await;
    assert_eq!(order.header.msg_id, 0x8300);
    assert_eq!(order.header.terminal, TERMINAL);
    let Message::Unknown { body, .. } = &order.message else {
        panic!(
            "0x8300 is not decoded by the proto crate: {:?}",
            order.message
        )
    };
    assert_eq!(body[0] & 0x0c, 0x0c, "display and read out");
    let (decoded, _, bad) = encoding_rs::GBK.decode(&body[1..]);
    assert!(!bad);
    assert_eq!(decoded, text);

    // An answer for another serial acknowledges nothing.
    t.send(Message::TerminalResponse {
        reply_serial: order.header.serial.wrapping_add(100),
        reply_msg_id: 0x8300,
        result: 0,
    })
    .await;
    t.send(Message::TerminalResponse {
        reply_serial: order.header.serial,
        reply_msg_id: 0x8300,
        result: 0,
    })
    .await;
    match st.next().await {
        DeviceInput::OrderAcknowledged {
            terminal_id,
            order_serial,
            ..
        } => {
            assert_eq!(terminal_id, TERMINAL);
            assert_eq!(order_serial, order.header.serial);
        }
        other => panic!("expected an acknowledgement, got {other:?}"),
    }
    assert_eq!(st.count("jt808_rejected", "unexpected_response"), 1);
    drop(t);
    assert!(matches!(
        st.next().await,
        DeviceInput::TerminalOffline { .. }
    ));
    assert!(!hub.is_connected(TERMINAL));
    assert!(!hub.send(Downlink {
        terminal_id: TERMINAL.into(),
        text: "x".into(),
        incident_id: None
    }));
}

fn nmea(body: &str) -> String {
    let ck = body.bytes().fold(0u8, |a, b| a ^ b);
    format!("${body}*{ck:02X}\r\n")
}

#[tokio::test]
async fn nmea_over_tcp_and_udp_needs_an_identity_line() {
    let mut st = Station::start(MqttConfig::Off).await;
    let token = st.device_token("gnss-relay").await;
    let addr = st.running.edges.nmea.expect("nmea listening");

    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let mut text = nmea(&format!("PGMN,{TERMINAL},{token}"));
    text += &nmea("GNRMC,074145.00,A,4339.0000,N,11158.2000,E,10.0,45.0,300625,,,A");
    text += "$GNRMC,074146.00,A,4339.0000,N,11158.2000,E,10.0,45.0,300625,,,A*00\r\n";
    text += &nmea("BDGGA,074147.00,4339.1200,N,11158.3000,E,1,12,0.9,960.0,M,-8.0,M,,");
    text += &nmea("GNGNS,074148.00,4339.1800,N,11158.3600,E,ANN,14,0.8,961.0,-8.0,,,V");
    tcp.write_all(text.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    for _ in 0..3 {
        match st.next().await {
            DeviceInput::Position {
                terminal_id,
                lat,
                time,
                via,
                ..
            } => {
                assert_eq!((terminal_id.as_str(), via), (TERMINAL, Via::Nmea));
                got.push((lat, time));
            }
            other => panic!("expected a position, got {other:?}"),
        }
    }
    assert!((got[0].0 - (43.0 + 39.0 / 60.0)).abs() < 1e-9);
    assert!((got[1].0 - (43.0 + 39.12 / 60.0)).abs() < 1e-9);
    // GGA and GNS are dated by the terminal's last RMC.
    assert_eq!(
        got[1].1,
        Utc.with_ymd_and_hms(2025, 6, 30, 7, 41, 47).unwrap()
    );
    assert_eq!(
        got[2].1,
        Utc.with_ymd_and_hms(2025, 6, 30, 7, 41, 48).unwrap()
    );
    assert_eq!(st.count("nmea_rejected", "bad_checksum"), 1);

    // A connection with a wrong token is closed without forwarding anything.
    let mut stranger = TcpStream::connect(addr).await.unwrap();
    let mut text = nmea(&format!("PGMN,{TERMINAL},gmn_wrong"));
    text += &nmea("GNRMC,074145.00,A,4339.0000,N,11158.2000,E,10.0,45.0,300625,,,A");
    stranger.write_all(text.as_bytes()).await.unwrap();
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(WAIT, stranger.read(&mut buf))
        .await
        .unwrap()
        .unwrap_or(0);
    assert_eq!(n, 0, "closed");
    assert_eq!(st.count("nmea_rejected", "bad_identity"), 1);

    // UDP: each datagram carries its identity line.
    let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let dgram = nmea(&format!("PGMN,{OTHER_TERMINAL},{token}"))
        + &nmea("GBRMC,120000.00,A,4340.0000,N,11159.0000,E,0.0,0.0,010725,,,D");
    udp.send_to(dgram.as_bytes(), addr).await.unwrap();
    match st.next().await {
        DeviceInput::Position {
            terminal_id, time, ..
        } => {
            assert_eq!(terminal_id, OTHER_TERMINAL);
            assert_eq!(time, Utc.with_ymd_and_hms(2025, 7, 1, 12, 0, 0).unwrap());
        }
        other => panic!("expected a position, got {other:?}"),
    }
    let anonymous = nmea("GBRMC,120001.00,A,4340.0000,N,11159.0000,E,0.0,0.0,010725,,,D");
    udp.send_to(anonymous.as_bytes(), addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(st.count("nmea_rejected", "no_identity"), 1);
    st.quiet().await;

    // A device scoped to rrt-2 cannot speak for rrt-1's terminal: refused at the identity
    // line, on TCP and in each datagram.
    let narrow = st.scoped_device("rrt-2-relay", "unit:rrt-2").await;
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let mut text = nmea(&format!("PGMN,{TERMINAL},{narrow}"));
    text += &nmea("GNRMC,074145.00,A,4339.0000,N,11158.2000,E,10.0,45.0,300625,,,A");
    tcp.write_all(text.as_bytes()).await.unwrap();
    let n = tokio::time::timeout(WAIT, tcp.read(&mut buf))
        .await
        .unwrap()
        .unwrap_or(0);
    assert_eq!(n, 0, "closed");
    let dgram = nmea(&format!("PGMN,{TERMINAL},{narrow}"))
        + &nmea("GBRMC,120000.00,A,4340.0000,N,11159.0000,E,0.0,0.0,010725,,,D");
    udp.send_to(dgram.as_bytes(), addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(st.count("nmea_rejected", "forbidden"), 2);
    assert_eq!(st.count("device_inputs_refused", "forbidden"), 2);
    st.quiet().await;
    // Its own unit's terminal is fine.
    let dgram = nmea(&format!("PGMN,{OTHER_TERMINAL},{narrow}"))
        + &nmea("GBRMC,120002.00,A,4340.0000,N,11159.0000,E,0.0,0.0,010725,,,D");
    udp.send_to(dgram.as_bytes(), addr).await.unwrap();
    assert!(
        matches!(st.next().await, DeviceInput::Position { terminal_id, .. } if terminal_id == OTHER_TERMINAL)
    );
}
