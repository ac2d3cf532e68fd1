//! NMEA 0183 unit tests.

use chrono::{NaiveDate, TimeZone, Utc};
use guomen_proto::nmea::{self, ChecksumState, NmeaError, Sentence};

#[test]
fn rmc_fix_with_speed_in_kmh() {
    let p = nmea::parse("$GNRMC,074155.799,A,3114.8770,N,12135.2463,E,0.30,4.94,250215,,,A*76")
        .unwrap();
    assert_eq!(p.checksum, ChecksumState::Valid);
    let Sentence::Rmc { talker, data } = &p.sentence else {
        panic!("{p:?}")
    };
    assert_eq!(talker, "GN");
    assert_eq!(data.mode, Some('A'));
    let fix = data.fix().unwrap();
    assert!((fix.lat - 31.247_95).abs() < 1e-9);
    assert!((fix.lon - 121.587_438_333).abs() < 1e-8);
    assert!((fix.speed_kmh.unwrap() - 0.5556).abs() < 1e-9);
    assert_eq!(fix.course, Some(4.94));
    assert!(fix.valid);
    let t =
        Utc.with_ymd_and_hms(2015, 2, 25, 7, 41, 55).unwrap() + chrono::Duration::milliseconds(799);
    assert_eq!(fix.time, Some(t));
}

#[test]
fn south_west_and_any_talker() {
    for talker in ["GP", "GL", "GA", "BD", "GB", "GN", "GQ", "GI"] {
        let body = format!(
            "{talker}GGA,132820.60,4134.49821229,S,09345.03351845,W,2,09,1.0,278.020,M,-31.442,M,7.6,0133"
        );
        let ck = body.bytes().fold(0u8, |a, b| a ^ b);
        let p = nmea::parse(&format!("${body}*{ck:02X}")).unwrap();
        let Sentence::Gga { talker: t, data } = &p.sentence else {
            panic!()
        };
        assert_eq!(t, talker);
        assert_eq!(data.fix_quality, Some(2));
        assert_eq!(data.satellites, Some(9));
        assert_eq!(data.altitude_m, Some(278.02));
        let fix = p
            .sentence
            .fix(NaiveDate::from_ymd_opt(2020, 3, 18))
            .unwrap();
        assert!(fix.lat < -41.5 && fix.lon < -93.7);
        assert!(fix.time.is_some());
        assert_eq!(p.sentence.fix(None).unwrap().time, None);
    }
}

#[test]
fn gns_multi_char_mode() {
    let p =
        nmea::parse("$GNGNS,074155.799,3114.8770,N,12135.2463,E,ANNA,05,1.3,156.9,8.3,,0000*52")
            .unwrap();
    let Sentence::Gns { data, .. } = &p.sentence else {
        panic!()
    };
    assert_eq!(data.mode.as_deref(), Some("ANNA"));
    assert!(data.fix(None).unwrap().valid);
    let p = nmea::parse("$GNGNS,074150.799,,,,,NNNN,00,,,0.0,,0000*63").unwrap();
    let Sentence::Gns { data, .. } = &p.sentence else {
        panic!()
    };
    assert_eq!((data.lat, data.hdop, data.altitude_m), (None, None, None));
    assert!(data.fix(None).is_none());
}

#[test]
fn empty_fields_are_none() {
    let p = nmea::parse("$GNRMC,074150.799,V,,,,,,,250215,,,N*52").unwrap();
    let Sentence::Rmc { data, .. } = &p.sentence else {
        panic!()
    };
    assert_eq!(
        (data.lat, data.lon, data.speed_kmh, data.course),
        (None, None, None, None)
    );
    assert_eq!(data.date, NaiveDate::from_ymd_opt(2015, 2, 25));
    assert!(p.sentence.fix(None).is_none());
}

#[test]
fn checksum_rules() {
    assert_eq!(
        nmea::parse("$GNRMC,074150.799,V,,,,,,,250215,,,N*53"),
        Err(NmeaError::BadChecksum {
            carried: 0x53,
            computed: 0x52
        })
    );
    let p = nmea::parse("$GNRMC,074150.799,V,,,,,,,250215,,,N").unwrap();
    assert_eq!(p.checksum, ChecksumState::Missing);
    assert!(matches!(
        nmea::parse("$GPGGA,1*Z1"),
        Err(NmeaError::MalformedChecksum(_))
    ));
    // Lowercase hex is accepted.
    let body = "GPTXT,01,01,02,ANTENNA OPEN";
    let ck = body.bytes().fold(0u8, |a, b| a ^ b);
    assert!(nmea::parse(&format!("${body}*{ck:02x}")).is_ok());
    assert!(nmea::parse(&format!("${body}*{ck:02X}")).is_ok());
}

#[test]
fn other_sentences_and_proprietary() {
    let p = nmea::parse("$PSRFEPE,074150.799,V,,,,,*23").unwrap();
    assert_eq!(
        p.sentence,
        Sentence::Other {
            talker: "P".into(),
            kind: "SRFEPE".into()
        }
    );
    let p = nmea::parse("$GPGSV,7,7,25,04,08,012,*41").unwrap();
    assert_eq!(
        p.sentence,
        Sentence::Other {
            talker: "GP".into(),
            kind: "GSV".into()
        }
    );
    let p = nmea::parse("!AIVDM,1,1,,B,15M67FC000G?ufbE`FepT@3n00Sa,0*5C").unwrap();
    assert_eq!(p.start, '!');
    assert!(matches!(p.sentence, Sentence::Other { ref kind, .. } if kind == "VDM"));
}

#[test]
fn errors_name_the_field() {
    let cases = [
        ("$GPRMC,25xx00,A,,,,,,,,,,", "time"),
        (
            "$GPRMC,120000,A,4134.5,N,09345.0,W,abc,,180320,,,A",
            "speed",
        ),
        ("$GPRMC,120000,A,4134.5,N,09345.0,W,1,,321320,,,A", "date"),
        (
            "$GPRMC,120000,A,4199.5,N,09345.0,W,1,,180320,,,A",
            "latitude",
        ),
        (
            "$GPRMC,120000,A,4134.5,X,09345.0,W,1,,180320,,,A",
            "latitude hemisphere",
        ),
        ("$GPRMC,120000,Q,4134.5,N,09345.0,W,1,,180320,,,A", "status"),
        (
            "$GPGGA,120000,4134.5,N,18100.0,E,1,05,1.0,1,M,1,M,,",
            "longitude",
        ),
        (
            "$GPGGA,120000,4134.5,N,09345.0,W,x,05,1.0,1,M,1,M,,",
            "fix quality",
        ),
        ("$GNGNS,120000,4134.5,N,09345.0,W,a1,05,1.0,1,1,,", "mode"),
    ];
    for (line, field) in cases {
        match nmea::parse(line) {
            Err(NmeaError::BadField { field: f, .. }) => assert_eq!(f, field, "{line}"),
            other => panic!("{line}: {other:?}"),
        }
    }
    assert_eq!(nmea::parse("  "), Err(NmeaError::Empty));
    assert_eq!(nmea::parse("GPRMC"), Err(NmeaError::BadStart('G')));
    assert!(matches!(
        nmea::parse("$gprmc,1"),
        Err(NmeaError::BadAddress(_))
    ));
    assert!(matches!(
        nmea::parse("$GPRMC,1\u{7}"),
        Err(NmeaError::BadCharacter(_))
    ));
    let e = nmea::parse("$GPRMC,120000,A,4134.5,X,09345.0,W,1,,180320,,,A")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("latitude hemisphere") && e.contains("RMC"),
        "{e}"
    );
}

#[test]
fn cli_json() {
    let v = guomen_proto::nmea_line_to_json(
        "$GNRMC,074155.799,A,3114.8770,N,12135.2463,E,0.30,4.94,250215,,,A*76\r\n",
    );
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["kind"], "RMC");
    assert_eq!(v["talker"], "GN");
    assert_eq!(v["checksum"], "valid");
    assert_eq!(v["fix"]["time"], "2015-02-25T07:41:55.799Z");
    let v = guomen_proto::nmea_line_to_json("$GNRMC,074150.799,V,,,,,,,250215,,,N*00");
    assert_eq!(v["ok"], false);
    assert!(v["error"].as_str().unwrap().contains("checksum"));
    let v = guomen_proto::nmea_line_to_json("$GPGSV,7,7,25,04,08,012,*41");
    assert_eq!(
        (v["kind"].as_str(), v["type"].as_str()),
        (Some("other"), Some("GSV"))
    );
}
