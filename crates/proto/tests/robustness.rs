//! Property tests: arbitrary input never panics; encode→decode is the identity.

use guomen_proto::jt808::{self, Envelope, Message};
use guomen_proto::nmea;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn jt808_decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = jt808::decode_frame(&bytes);
        let _ = jt808::decode_unescaped(&bytes);
        let mut framed = vec![0x7e];
        framed.extend_from_slice(&bytes);
        framed.push(0x7e);
        let _ = jt808::decode_frame(&framed);
        let _ = guomen_proto::jt808_line_to_json(&hex::encode(&bytes));
    }

    #[test]
    fn jt808_lenient_decoder_never_panics(bytes in proptest::collection::vec(prop_oneof![Just(0x7eu8), Just(0x7d), Just(0x01), Just(0x02), any::<u8>()], 0..300)) {
        let _ = jt808::decode_frame_lenient(&bytes);
        let mut framed = vec![0x7e];
        framed.extend_from_slice(&bytes);
        framed.push(0x7e);
        if let Ok(d) = jt808::decode_frame_lenient(&framed) {
            // Whatever it accepts, it can describe and re-encode.
            let _ = serde_json::to_string(&d);
            let _ = d.frame.message.encode_body(d.frame.header.version);
        }
        let mut quirks = Vec::new();
        let mut out = Vec::new();
        jt808::unescape_lenient_into(&bytes, &mut out, &mut quirks);
        prop_assert!(out.len() <= bytes.len());
    }

    #[test]
    fn jt808_lenient_bodies_never_panic(id in prop_oneof![Just(0x0200u16), Just(0x0704)],
                                        v2019 in any::<bool>(),
                                        body in proptest::collection::vec(any::<u8>(), 0..400)) {
        // A valid header and check code around any body: the lenient body decoders are reached.
        let env = if v2019 { Envelope::v2019("123", 1) } else { Envelope::v2013("123", 1) };
        if let Ok(f) = jt808::encode_raw(&env, id, &body, None) {
            let strict = jt808::decode_frame(&f);
            let lenient = jt808::decode_frame_lenient(&f);
            // Whatever the strict decoder accepts, the lenient one accepts the same, quirk-free.
            if let Ok(s) = strict {
                let l = lenient.unwrap();
                prop_assert_eq!(s, l.frame);
                prop_assert!(l.quirks.is_empty());
            }
        }
    }

    #[test]
    fn lenient_stream_never_panics_and_stays_bounded(chunks in proptest::collection::vec(proptest::collection::vec(prop_oneof![Just(0x7eu8), Just(0x7d), any::<u8>()], 0..64), 0..20),
                                                     max in 2usize..256) {
        let mut s = jt808::LenientStream::new(max);
        for c in &chunks {
            s.push(c);
            while s.next_decoded().is_some() {}
            // The splitter's own bound, plus held pieces that together fit in one frame.
            prop_assert!(s.buffered() <= 2 * max + c.len(), "{} > {}", s.buffered(), 2 * max + c.len());
        }
        s.flush_held();
        while s.next_decoded().is_some() {}
    }

    #[test]
    fn jt808_valid_header_arbitrary_body(id in prop_oneof![Just(0x0100u16), Just(0x0102), Just(0x0200), Just(0x0704), Just(0x0001), Just(0x8100)],
                                         v2019 in any::<bool>(),
                                         body in proptest::collection::vec(any::<u8>(), 0..200)) {
        let env = if v2019 { Envelope::v2019("123", 1) } else { Envelope::v2013("123", 1) };
        let f = jt808::encode_raw(&env, id, &body, None).unwrap();
        let _ = jt808::decode_frame(&f);
    }

    #[test]
    fn splitter_never_panics(chunks in proptest::collection::vec(proptest::collection::vec(prop_oneof![Just(0x7eu8), Just(0x7d), any::<u8>()], 0..64), 0..20),
                             max in 2usize..128) {
        let mut sp = jt808::FrameSplitter::new(max);
        for c in &chunks {
            sp.push(c);
            while let Some(f) = sp.next_frame() {
                if let Ok(f) = f {
                    prop_assert!(f.len() <= max);
                    let _ = jt808::decode_frame(&f);
                }
            }
            prop_assert!(sp.buffered() <= max + c.len());
        }
    }

    #[test]
    fn location_round_trip(lat in -90.0f64..90.0, lon in -180.0f64..180.0, speed in 0u16..3000, course in 0u16..360, serial in any::<u16>()) {
        let lat = (lat * 1e6).round() / 1e6;
        let lon = (lon * 1e6).round() / 1e6;
        let loc = jt808::Location {
            alarm: jt808::AlarmFlags(0), status: jt808::StatusFlags(2), lat, lon, altitude_m: 1000,
            speed_kmh: f64::from(speed) / 10.0, course, time: None, extras: vec![],
        };
        let f = jt808::encode(&Envelope::v2013("13912345678", serial), &Message::Location(loc)).unwrap();
        let Message::Location(d) = jt808::decode_frame(&f).unwrap().message else { panic!() };
        prop_assert!((d.lat - lat).abs() < 1e-9 && (d.lon - lon).abs() < 1e-9);
        prop_assert_eq!(d.course, course);
    }

    #[test]
    fn nmea_never_panics(s in "\\PC{0,120}") {
        let _ = nmea::parse(&s);
        let _ = guomen_proto::nmea_line_to_json(&s);
    }

    #[test]
    fn nmea_shaped_never_panics(fields in proptest::collection::vec("[0-9A-Z.\\-]{0,12}", 0..16),
                                kind in prop_oneof![Just("RMC"), Just("GGA"), Just("GNS")]) {
        let body = format!("GN{kind},{}", fields.join(","));
        let ck = body.bytes().fold(0u8, |a, b| a ^ b);
        let _ = nmea::parse(&format!("${body}*{ck:02X}"));
        let _ = nmea::parse(&format!("${body}"));
    }
}
