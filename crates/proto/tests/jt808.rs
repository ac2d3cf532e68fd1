//! JT/T 808 unit tests: escaping, check code, BCD, headers, round trips, reassembly, splitting.

use chrono::{TimeZone, Utc};
use guomen_proto::jt808::{
    self, AlarmFlags, Auth, Envelope, Extra, Jt808Error, Location, LocationBatch, Message,
    Reassembler, ReassemblyError, ReassemblyLimits, Register, RegisterLayout, StatusFlags,
    SubPackage, Version, wire,
};

fn location() -> Location {
    Location {
        alarm: AlarmFlags(AlarmFlags::EMERGENCY | AlarmFlags::GNSS_FAULT),
        status: StatusFlags(StatusFlags::ACC_ON | StatusFlags::LOCATED | StatusFlags::BEIDOU_USED),
        lat: 43.652_312,
        lon: 111.977_801,
        altitude_m: 964,
        speed_kmh: 42.7,
        course: 271,
        time: Some(Utc.with_ymd_and_hms(2025, 6, 30, 17, 5, 9).unwrap()),
        extras: vec![
            Extra::Mileage { km: 12345.6 },
            Extra::Fuel { litres: 55.5 },
            Extra::RecorderSpeed { kmh: 42.0 },
            Extra::ExtendedSignal { raw: 0x0000_0102 },
            Extra::Io { raw: 2 },
            Extra::Analog { ad0: 100, ad1: 200 },
            Extra::SignalStrength { value: 27 },
            Extra::Satellites { count: 14 },
            Extra::Raw {
                id: 0xe1,
                value: vec![1, 2, 3],
            },
        ],
    }
}

#[test]
fn escape_and_unescape() {
    let raw = [0x30, 0x7e, 0x08, 0x7d, 0x55];
    let esc = wire::escape(&raw);
    assert_eq!(esc, [0x30, 0x7d, 0x02, 0x08, 0x7d, 0x01, 0x55]);
    assert_eq!(wire::unescape(&esc).unwrap(), raw);
    assert_eq!(
        wire::unescape(&[0x01, 0x7d, 0x03]),
        Err(Jt808Error::BadEscape {
            offset: 1,
            next: Some(0x03)
        })
    );
    assert_eq!(
        wire::unescape(&[0x01, 0x7d]),
        Err(Jt808Error::BadEscape {
            offset: 1,
            next: None
        })
    );
    let msg = wire::unescape(&[0x7d, 0x7e]).unwrap_err().to_string();
    assert!(msg.contains("0x7e") && msg.contains("byte 0"), "{msg}");
}

#[test]
fn checksum_is_xor() {
    assert_eq!(wire::checksum(&[]), 0);
    assert_eq!(wire::checksum(&[0x01, 0x02, 0x04]), 0x07);
    assert_eq!(wire::checksum(&[0xff, 0xff]), 0);
}

#[test]
fn bcd_both_ways() {
    assert_eq!(
        wire::bcd_to_string(&[0x01, 0x39, 0x12], "t").unwrap(),
        "013912"
    );
    assert_eq!(
        wire::bcd_to_string(&[0x1a], "t"),
        Err(Jt808Error::BadBcd {
            field: "t",
            byte: 0x1a
        })
    );
    assert_eq!(
        wire::string_to_bcd("13912345678", 6, "t").unwrap(),
        [0x01, 0x39, 0x12, 0x34, 0x56, 0x78]
    );
    assert!(wire::string_to_bcd("1234567890123", 6, "t").is_err());
    assert!(wire::string_to_bcd("12x4", 6, "t").is_err());
    assert_eq!(wire::bcd_byte(0x59, "t").unwrap(), 59);
    // Location time with a bad nibble is a BadBcd naming the field.
    let mut body = Location {
        extras: vec![],
        ..location()
    }
    .encode()
    .unwrap();
    body[23] = 0x1f;
    match Location::decode(&body) {
        Err(Jt808Error::BadBcd { field, byte: 0x1f }) => assert_eq!(field, "location time"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn gmt8_time_converts_to_utc() {
    // 2025-07-01 01:05:09 in Beijing is 2025-06-30 17:05:09 UTC.
    let bcd = [0x25, 0x07, 0x01, 0x01, 0x05, 0x09];
    assert_eq!(
        jt808::decode_time(&bcd).unwrap(),
        Some(Utc.with_ymd_and_hms(2025, 6, 30, 17, 5, 9).unwrap())
    );
    assert_eq!(
        jt808::encode_time(Some(Utc.with_ymd_and_hms(2025, 6, 30, 17, 5, 9).unwrap())),
        bcd
    );
    assert_eq!(jt808::decode_time(&[0; 6]).unwrap(), None);
    assert!(matches!(
        jt808::decode_time(&[0x25, 0x13, 0x01, 0, 0, 0]),
        Err(Jt808Error::InvalidField { .. })
    ));
}

#[test]
fn header_2013_and_2019() {
    let msg = Message::Heartbeat;
    let f13 = jt808::encode(&Envelope::v2013("13912345678", 7), &msg).unwrap();
    // 7e | 0002 | 0000 | 013912345678 | 0007 | xor | 7e
    assert_eq!(hex::encode(&f13[..13]), "7e000200000139123456780007");
    let d = jt808::decode_frame(&f13).unwrap();
    assert_eq!(
        (
            d.header.version,
            d.header.terminal.as_str(),
            d.header.serial
        ),
        (Version::V2013, "013912345678", 7)
    );
    assert_eq!(d.header.protocol_version, None);

    let f19 = jt808::encode(&Envelope::v2019("13912345678", 8), &msg).unwrap();
    // Version flag (bit 14) in the attributes, version byte 1, 10-byte phone.
    assert_eq!(
        hex::encode(&f19[..18]),
        "7e0002400001000000000139123456780008"
    );
    let d = jt808::decode_frame(&f19).unwrap();
    assert_eq!(d.header.version, Version::V2019);
    assert_eq!(d.header.protocol_version, Some(1));
    assert_eq!(d.header.terminal, "00000000013912345678");
    assert_eq!(d.message, Message::Heartbeat);
}

#[test]
fn frame_errors_name_the_fault() {
    let mut f = jt808::encode(&Envelope::v2013("1", 1), &Message::Location(location())).unwrap();
    let n = f.len();
    f[n - 2] ^= 0xff;
    assert!(matches!(
        jt808::decode_frame(&f),
        Err(Jt808Error::BadChecksum { .. })
    ));
    assert!(matches!(
        jt808::decode_frame(&[0x7e, 0x7e]),
        Err(Jt808Error::Truncated { .. })
    ));
    assert!(matches!(
        jt808::decode_frame(&[0x7e, 0x00, 0x00, 0x7e]),
        Err(Jt808Error::Truncated { .. })
    ));
    assert!(matches!(
        jt808::decode_frame(&[0x00, 0x7e]),
        Err(Jt808Error::Framing(_))
    ));
    assert!(matches!(
        jt808::decode_frame(&[0x7e, 0x7d, 0x05, 0x7e]),
        Err(Jt808Error::BadEscape { .. })
    ));
    // Declared length 5, body empty: mismatch.
    let mut raw = hex::decode("0002000501391234567800 07".replace(' ', "")).unwrap();
    raw.push(wire::checksum(&raw));
    assert_eq!(
        jt808::decode_unescaped(&raw),
        Err(Jt808Error::BodyLengthMismatch {
            declared: 5,
            actual: 0
        })
    );
    // Truncated location body.
    let body = location().encode().unwrap();
    let e = Location::decode(&body[..20]).unwrap_err();
    assert!(e.to_string().contains("location"), "{e}");
}

#[test]
fn unknown_ids_are_not_errors() {
    let f = jt808::encode_raw(&Envelope::v2013("42", 3), 0x0900, &[1, 2, 3], None).unwrap();
    let d = jt808::decode_frame(&f).unwrap();
    assert_eq!(
        d.message,
        Message::Unknown {
            msg_id: 0x0900,
            body: vec![1, 2, 3]
        }
    );
}

fn round_trip(env: &Envelope, msg: Message) {
    let wire = jt808::encode(env, &msg).unwrap();
    let d = jt808::decode_frame(&wire).unwrap_or_else(|e| panic!("{msg:?}: {e}"));
    assert_eq!(d.message, msg);
    assert_eq!(d.header.serial, env.serial);
    assert_eq!(d.header.version, env.version);
}

#[test]
fn round_trips() {
    for env in [
        Envelope::v2013("13912345678", 0x7e7d),
        Envelope::v2019("13912345678", 1),
    ] {
        round_trip(&env, Message::Heartbeat);
        round_trip(&env, Message::Location(location()));
        let mut south_west = Location {
            lat: -19.591535,
            lon: -46.912186,
            time: None,
            ..location()
        };
        south_west.status.0 |= StatusFlags::SOUTH | StatusFlags::WEST;
        round_trip(&env, Message::Location(south_west));
        round_trip(
            &env,
            Message::LocationBatch(LocationBatch {
                batch_type: 1,
                locations: vec![location(), location()],
            }),
        );
        round_trip(
            &env,
            Message::TerminalResponse {
                reply_serial: 9,
                reply_msg_id: 0x8103,
                result: 0,
            },
        );
        round_trip(
            &env,
            Message::PlatformResponse {
                reply_serial: 9,
                reply_msg_id: 0x0200,
                result: 4,
            },
        );
        round_trip(
            &env,
            Message::RegisterResponse {
                reply_serial: 5,
                result: 0,
                auth_code: Some("AUTH-7e7d".into()),
            },
        );
        round_trip(
            &env,
            Message::RegisterResponse {
                reply_serial: 5,
                result: 3,
                auth_code: None,
            },
        );
    }
    let reg13 = Register {
        province: 15,
        city: 2501,
        maker: "70111".into(),
        model: "BSJ-A6-BD".into(),
        terminal_id: "0567872".into(),
        plate_colour: 1,
        plate: "蒙H12345".into(),
        layout: RegisterLayout::V2013,
    };
    round_trip(&Envelope::v2013("1", 1), Message::Register(reg13.clone()));
    let reg19 = Register {
        maker: "MAKER000011".into(),
        model: "M".repeat(30),
        terminal_id: "T".repeat(30),
        layout: RegisterLayout::V2019,
        ..reg13
    };
    round_trip(&Envelope::v2019("1", 1), Message::Register(reg19));
    round_trip(
        &Envelope::v2013("1", 1),
        Message::Auth(Auth {
            code: "abc123".into(),
            imei: None,
            software_version: None,
        }),
    );
    round_trip(
        &Envelope::v2019("1", 1),
        Message::Auth(Auth {
            code: "abc123".into(),
            imei: Some("866496077582164".into()),
            software_version: Some("V1.2.3".into()),
        }),
    );
}

#[test]
fn status_and_alarm_names() {
    let s = StatusFlags(0b1111 | (1 << 19));
    assert!(s.has(StatusFlags::ACC_ON | StatusFlags::LOCATED));
    assert_eq!(
        s.names().collect::<Vec<_>>(),
        ["acc_on", "located", "south", "west", "beidou_used"]
    );
    let a = AlarmFlags(
        AlarmFlags::EMERGENCY | AlarmFlags::OVERSPEED | AlarmFlags::GNSS_FAULT | (1 << 16),
    );
    // Reserved bit 16 has no name but stays in the raw word.
    assert_eq!(
        a.names().collect::<Vec<_>>(),
        ["emergency", "overspeed", "gnss_fault"]
    );
    let json = serde_json::to_value(a).unwrap();
    assert_eq!(json["raw"], a.0);
}

#[test]
fn extras_with_odd_lengths_stay_raw() {
    let mut l = location();
    l.extras = vec![Extra::Raw {
        id: 0x30,
        value: vec![1, 2],
    }];
    let d = Location::decode(&l.encode().unwrap()).unwrap();
    assert_eq!(d.extras, l.extras);
    // An item running past the end is an error naming it.
    let mut body = Location {
        extras: vec![],
        ..location()
    }
    .encode()
    .unwrap();
    body.extend_from_slice(&[0x01, 0x04, 0x00]);
    assert!(
        Location::decode(&body)
            .unwrap_err()
            .to_string()
            .contains("additional item value")
    );
}

fn header_for(frame: &[u8]) -> jt808::Frame {
    jt808::decode_frame(frame).unwrap()
}

#[test]
fn reassembly_joins_out_of_order() {
    let body = location().encode().unwrap();
    let parts: Vec<&[u8]> = body.chunks(10).collect();
    let total = parts.len() as u16;
    let mut r = Reassembler::new(ReassemblyLimits::default());
    let frames: Vec<jt808::Frame> = parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let env = Envelope::v2013("139", 100 + i as u16);
            header_for(
                &jt808::encode_raw(
                    &env,
                    0x0200,
                    p,
                    Some(SubPackage {
                        total,
                        index: i as u16 + 1,
                    }),
                )
                .unwrap(),
            )
        })
        .collect();
    let mut order: Vec<usize> = (0..frames.len()).rev().collect();
    order.insert(1, frames.len() - 1); // a retransmitted piece
    let mut done = None;
    for i in order {
        let f = &frames[i];
        let Message::SubPackage { fragment } = &f.message else {
            panic!("not a sub-package")
        };
        if let Some(m) = r.push(&f.header, fragment).unwrap() {
            assert!(done.is_none(), "completed twice");
            done = Some(m);
        }
    }
    let done = done.expect("never completed");
    assert_eq!(done.key.first_serial, 100);
    assert_eq!(done.decode().unwrap(), Message::Location(location()));
    assert_eq!(r.pending(), 0);
}

#[test]
fn reassembly_gives_up_and_stays_bounded() {
    let limits = ReassemblyLimits {
        max_pending: 2,
        max_packages: 8,
        max_bytes: 64,
        max_idle_fragments: 3,
    };
    let mut r = Reassembler::new(limits);
    let piece = |serial: u16, total: u16, index: u16, len: usize| {
        let env = Envelope::v2013("139", serial);
        header_for(
            &jt808::encode_raw(
                &env,
                0x0801,
                &vec![0xaa; len],
                Some(SubPackage { total, index }),
            )
            .unwrap(),
        )
        .header
    };
    // Message A never completes; four unrelated pieces later it is abandoned.
    assert_eq!(r.push(&piece(1, 2, 1, 4), &[0; 4]).unwrap(), None);
    for s in 0..4u16 {
        let _ = r.push(&piece(1000 + s * 10, 3, 1, 4), &[0; 4]);
    }
    let abandoned = r.drain_abandoned();
    assert!(
        abandoned.iter().any(|k| k.first_serial == 1),
        "{abandoned:?}"
    );
    assert!(r.pending() <= 2);
    assert_eq!(
        r.push(&piece(5, 9, 1, 1), &[0]),
        Err(ReassemblyError::TooManyPackages { total: 9, limit: 8 })
    );
    assert_eq!(
        r.push(&piece(5, 2, 3, 1), &[0]),
        Err(ReassemblyError::BadIndex { index: 3, total: 2 })
    );
    assert_eq!(
        r.push(&piece(5, 2, 0, 1), &[0]),
        Err(ReassemblyError::BadIndex { index: 0, total: 2 })
    );
    assert!(matches!(
        r.push(&piece(7, 2, 1, 65), &[0; 65]),
        Err(ReassemblyError::TooLarge { .. })
    ));
    let whole =
        jt808::decode_frame(&jt808::encode(&Envelope::v2013("1", 1), &Message::Heartbeat).unwrap())
            .unwrap();
    assert_eq!(r.push(&whole.header, &[]), Err(ReassemblyError::NotSplit));
}

fn stream() -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut frames = Vec::new();
    let env = Envelope::v2013("13912345678", 0x7e7e);
    frames.push(jt808::encode(&env, &Message::Location(location())).unwrap());
    frames.push(jt808::encode(&env, &Message::Heartbeat).unwrap());
    frames.push(jt808::encode(&Envelope::v2019("7d7d", 0x7d02), &Message::Heartbeat).unwrap());
    let mut s = b"noise".to_vec();
    for f in &frames {
        s.extend_from_slice(f);
    }
    (s, frames)
}

fn split_all(chunks: &[&[u8]], max: usize) -> Vec<Result<Vec<u8>, Jt808Error>> {
    let mut sp = jt808::FrameSplitter::new(max);
    let mut out = Vec::new();
    for c in chunks {
        sp.push(c);
        while let Some(f) = sp.next_frame() {
            out.push(f);
        }
    }
    out
}

#[test]
fn splitter_at_every_byte_position() {
    let (s, frames) = stream();
    let want: Vec<Result<Vec<u8>, Jt808Error>> = frames.into_iter().map(Ok).collect();
    for i in 0..=s.len() {
        for j in i..=s.len() {
            let got = split_all(&[&s[..i], &s[i..j], &s[j..]], 4096);
            assert_eq!(got, want, "split at {i},{j}");
        }
    }
    let bytes: Vec<&[u8]> = s.chunks(1).collect();
    assert_eq!(split_all(&bytes, 4096), want);
    for f in &want {
        jt808::decode_frame(f.as_ref().unwrap()).unwrap();
    }
}

#[test]
fn splitter_shared_flag() {
    // Some terminals share one 0x7e between consecutive frames.
    let a = jt808::encode(&Envelope::v2013("1", 1), &Message::Heartbeat).unwrap();
    let b = jt808::encode(&Envelope::v2013("1", 2), &Message::Heartbeat).unwrap();
    let mut s = a.clone();
    s.extend_from_slice(&b[1..]);
    assert_eq!(split_all(&[&s], 4096), vec![Ok(a), Ok(b)]);
}

#[test]
fn splitter_oversize_then_recovers() {
    let ok = jt808::encode(&Envelope::v2013("1", 1), &Message::Heartbeat).unwrap();
    let big = jt808::encode_raw(&Envelope::v2013("1", 2), 0x0900, &[0x55; 500], None).unwrap();
    let mut s = big.clone();
    s.extend_from_slice(&ok);
    // Whole, and fed byte by byte (the oversize is then seen before its end flag arrives).
    for chunks in [
        vec![&s[..]],
        s.chunks(1).collect::<Vec<_>>(),
        s.chunks(37).collect(),
    ] {
        let got = split_all(&chunks, 100);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(matches!(
            got[0],
            Err(Jt808Error::Oversized {
                what: "frame",
                limit: 100,
                ..
            })
        ));
        assert_eq!(got[1], Ok(ok.clone()));
    }
    // An endless frame without flags keeps memory bounded.
    let mut sp = jt808::FrameSplitter::new(100);
    sp.push(&[0x7e]);
    let mut errors = 0;
    for _ in 0..1000 {
        sp.push(&[0x11; 64]);
        while let Some(r) = sp.next_frame() {
            assert!(r.is_err());
            errors += 1;
        }
        assert!(sp.buffered() <= 200, "{}", sp.buffered());
    }
    assert_eq!(errors, 1);
}

#[test]
fn cli_json_for_location_and_batch() {
    let env = Envelope::v2013("13912345678", 77);
    let hexed = hex::encode(jt808::encode(&env, &Message::Location(location())).unwrap());
    let v = guomen_proto::jt808_line_to_json(&format!("  {hexed}\n"));
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["msg_id"], "0x0200");
    assert_eq!(v["terminal"], "013912345678");
    assert_eq!(v["serial"], 77);
    assert_eq!(v["version"], 2013);
    assert_eq!(v["time"], "2025-06-30T17:05:09Z");
    assert_eq!(v["speed_kmh"], 42.7);
    assert_eq!(v["course"], 271);
    assert_eq!(v["lat"], 43.652312);
    assert_eq!(v["alarm"]["flags"][0], "emergency");
    assert_eq!(v["status"]["raw"], location().status.0);

    let batch = Message::LocationBatch(LocationBatch {
        batch_type: 0,
        locations: vec![location(), location()],
    });
    let v = guomen_proto::jt808_line_to_json(&hex::encode(
        jt808::encode(&Envelope::v2019("1", 1), &batch).unwrap(),
    ));
    assert_eq!(v["locations"].as_array().map(Vec::len), Some(2), "{v}");
    assert_eq!(v["version"], 2019);

    let v = guomen_proto::jt808_line_to_json("7e0002zz");
    assert_eq!(v["ok"], false);
    assert!(v["error"].as_str().unwrap().contains("hex"));
    let v = guomen_proto::jt808_line_to_json(&hexed.replace("7e0200", "7e0201"));
    assert!(v["error"].as_str().unwrap().contains("checksum"), "{v}");
}
