//! JT/T 808 as devices send it: what the lenient decoder accepts (and names as a quirk), what
//! it still refuses (one test each), and how a bare 0x7e on a TCP stream is rejoined.

use chrono::{TimeZone, Utc};
use guomen_proto::jt808::{
    self, AlarmFlags, Decoded, Envelope, Extra, Jt808Error, LenientStream, Location, LocationBatch,
    Message, Quirk, StatusFlags, wire,
};

fn location() -> Location {
    Location {
        alarm: AlarmFlags(0),
        status: StatusFlags(StatusFlags::LOCATED | StatusFlags::BEIDOU_USED),
        lat: 43.652_312,
        lon: 111.977_801,
        altitude_m: 964,
        speed_kmh: 42.7,
        course: 271,
        time: Some(Utc.with_ymd_and_hms(2025, 6, 30, 17, 5, 9).unwrap()),
        extras: vec![
            Extra::Mileage { km: 1234.5 },
            Extra::Satellites { count: 14 },
        ],
    }
}

/// Header + body + check code, unescaped, for a body given as raw bytes.
fn content(serial: u16, msg_id: u16, body: &[u8]) -> Vec<u8> {
    let f = jt808::encode_raw(&Envelope::v2013("13912345678", serial), msg_id, body, None).unwrap();
    wire::unescape(&f[1..f.len() - 1]).unwrap()
}

/// Escapes `raw` as a device would, except that bytes at `bare` are sent as they are.
fn wire_leaving(raw: &[u8], bare: &[usize]) -> Vec<u8> {
    let mut out = vec![wire::FLAG];
    for (i, &b) in raw.iter().enumerate() {
        if bare.contains(&i) {
            out.push(b);
        } else {
            wire::escape_into(&[b], &mut out);
        }
    }
    out.push(wire::FLAG);
    out
}

fn located(d: &Decoded) -> &Location {
    match &d.frame.message {
        Message::Location(l) => l,
        other => panic!("not a location: {other:?}"),
    }
}

#[test]
fn a_standard_frame_has_no_quirks_and_decodes_as_strictly() {
    let f = jt808::encode(
        &Envelope::v2019("7d7e", 0x7e7d),
        &Message::Location(location()),
    )
    .unwrap();
    let d = jt808::decode_frame_lenient(&f).unwrap();
    assert!(d.quirks.is_empty());
    assert_eq!(d.frame, jt808::decode_frame(&f).unwrap());
}

#[test]
fn bare_delimiter_inside_a_checksummed_frame() {
    let mut l = location();
    l.extras.push(Extra::Raw {
        id: 0xe1,
        value: vec![0x7e, 0x30],
    });
    let raw = content(5, 0x0200, &l.encode().unwrap());
    let at = raw.iter().rposition(|&b| b == 0x7e).unwrap();
    let f = wire_leaving(&raw, &[at]);
    assert!(matches!(
        jt808::decode_frame(&f),
        Err(Jt808Error::Framing(_))
    ));
    let d = jt808::decode_frame_lenient(&f).unwrap();
    assert_eq!(d.quirks, [Quirk::UnescapedDelimiter]);
    assert_eq!(located(&d), &l);
}

#[test]
fn escape_introducer_followed_by_another_byte() {
    let mut l = location();
    l.extras.push(Extra::Raw {
        id: 0xe1,
        value: vec![0x7d, 0x55],
    });
    let raw = content(6, 0x0200, &l.encode().unwrap());
    let at = raw.iter().rposition(|&b| b == 0x7d).unwrap();
    let f = wire_leaving(&raw, &[at]);
    assert!(matches!(
        jt808::decode_frame(&f),
        Err(Jt808Error::BadEscape {
            next: Some(0x55),
            ..
        })
    ));
    let d = jt808::decode_frame_lenient(&f).unwrap();
    assert_eq!(d.quirks, [Quirk::BadEscape]);
    assert_eq!(located(&d), &l);
}

#[test]
fn unescaped_check_code_at_the_end() {
    // Find a serial whose check code is 0x7d (or 0x7e) and leave it unescaped.
    let body = location().encode().unwrap();
    for (code, quirk) in [(0x7d, Quirk::BadEscape), (0x7e, Quirk::UnescapedDelimiter)] {
        let raw = (0..=u16::MAX)
            .map(|s| content(s, 0x0200, &body))
            .find(|r| r.last() == Some(&code))
            .unwrap();
        let f = wire_leaving(&raw, &[raw.len() - 1]);
        assert!(jt808::decode_frame(&f).is_err());
        let d = jt808::decode_frame_lenient(&f).unwrap();
        assert_eq!(d.quirks, [quirk]);
        assert_eq!(located(&d), &location());
    }
}

#[test]
fn truncated_trailing_additional_item() {
    let full = location().encode().unwrap();
    // A length running past the end, and an id with no length at all.
    for tail in [&[0x31u8, 0x02, 0x05][..], &[0x31][..]] {
        let mut body = full.clone();
        body.extend_from_slice(tail);
        let f = jt808::encode_raw(&Envelope::v2013("1", 1), 0x0200, &body, None).unwrap();
        assert!(
            jt808::decode_frame(&f)
                .unwrap_err()
                .to_string()
                .contains("additional item")
        );
        let d = jt808::decode_frame_lenient(&f).unwrap();
        assert_eq!(d.quirks, [Quirk::TruncatedAdditionalItem]);
        assert_eq!(located(&d), &location(), "the whole items are kept");
    }
}

#[test]
fn several_quirks_in_one_frame_each_once() {
    let mut l = location();
    l.extras.push(Extra::Raw {
        id: 0xe1,
        value: vec![0x7e, 0x7d, 0x33, 0x7e],
    });
    let mut body = l.encode().unwrap();
    body.extend_from_slice(&[0x30, 0x09]);
    let raw = content(7, 0x0200, &body);
    let bare: Vec<usize> = raw
        .iter()
        .enumerate()
        .filter(|(i, b)| (**b == 0x7e || **b == 0x7d) && *i < raw.len() - 1)
        .map(|(i, _)| i)
        .collect();
    let d = jt808::decode_frame_lenient(&wire_leaving(&raw, &bare)).unwrap();
    assert_eq!(
        d.quirks,
        [
            Quirk::UnescapedDelimiter,
            Quirk::BadEscape,
            Quirk::TruncatedAdditionalItem
        ]
    );
    assert_eq!(located(&d), &l);
}

// What stays refused, one test each.

#[test]
fn refused_bad_check_code_even_with_quirks() {
    let mut l = location();
    l.extras.push(Extra::Raw {
        id: 0xe1,
        value: vec![0x7e],
    });
    let mut raw = content(8, 0x0200, &l.encode().unwrap());
    let n = raw.len();
    raw[n - 1] ^= 0x01;
    let at = raw.iter().position(|&b| b == 0x7e).unwrap();
    assert!(matches!(
        jt808::decode_frame_lenient(&wire_leaving(&raw, &[at])),
        Err(Jt808Error::BadChecksum { .. })
    ));
}

#[test]
fn refused_body_length_disagreeing_with_the_bytes() {
    let body = location().encode().unwrap();
    let mut raw = content(9, 0x0200, &body);
    raw.truncate(raw.len() - 1);
    // Declare one byte more than present, with a check code that agrees.
    raw[3] += 1;
    raw.push(wire::checksum(&raw));
    assert!(matches!(
        jt808::decode_frame_lenient(&wire_leaving(&raw, &[])),
        Err(Jt808Error::BodyLengthMismatch { .. })
    ));
}

#[test]
fn refused_short_basic_block() {
    let body = location().encode().unwrap();
    let f = jt808::encode_raw(&Envelope::v2013("1", 1), 0x0200, &body[..27], None).unwrap();
    assert!(matches!(
        jt808::decode_frame_lenient(&f),
        Err(Jt808Error::Truncated { .. })
    ));
}

#[test]
fn refused_unsound_basic_block() {
    let body = location().encode().unwrap();
    // Latitude 200°, a time with a non-BCD byte, a 31st of February.
    let mut lat = body.clone();
    lat[8..12].copy_from_slice(&200_000_000u32.to_be_bytes());
    let mut bcd = body.clone();
    bcd[22] = 0x1a;
    let mut feb = body.clone();
    feb[22..28].copy_from_slice(&[0x25, 0x02, 0x31, 0x10, 0x00, 0x00]);
    for b in [lat, bcd, feb] {
        let f = jt808::encode_raw(&Envelope::v2013("1", 1), 0x0200, &b, None).unwrap();
        let e = jt808::decode_frame_lenient(&f).unwrap_err();
        assert!(
            matches!(
                e,
                Jt808Error::InvalidField { .. } | Jt808Error::BadBcd { .. }
            ),
            "{e}"
        );
    }
}

#[test]
fn refused_cut_header_and_missing_delimiters() {
    assert!(matches!(
        jt808::decode_frame_lenient(&[0x7e, 0x02, 0x00, 0x00, 0x7e]),
        Err(Jt808Error::Truncated { .. } | Jt808Error::BadChecksum { .. })
    ));
    let f = jt808::encode(&Envelope::v2013("1", 1), &Message::Location(location())).unwrap();
    assert!(matches!(
        jt808::decode_frame_lenient(&f[1..]),
        Err(Jt808Error::Framing(_))
    ));
    assert!(matches!(
        jt808::decode_frame_lenient(&[0x7e]),
        Err(Jt808Error::Framing(_))
    ));
}

fn batch_body(entries: &[Vec<u8>], announced: u16, extra: &[u8]) -> Vec<u8> {
    let mut b = announced.to_be_bytes().to_vec();
    b.push(1);
    for e in entries {
        b.extend_from_slice(&(e.len() as u16).to_be_bytes());
        b.extend_from_slice(e);
    }
    b.extend_from_slice(extra);
    b
}

fn batch(body: &[u8]) -> Result<(Vec<Location>, Vec<Quirk>), Jt808Error> {
    let f = jt808::encode_raw(&Envelope::v2013("1", 1), 0x0704, body, None).unwrap();
    let d = jt808::decode_frame_lenient(&f)?;
    match d.frame.message {
        Message::LocationBatch(LocationBatch { locations, .. }) => Ok((locations, d.quirks)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn batches_keep_their_sound_entries() {
    let good = location().encode().unwrap();
    let mut unsound = good.clone();
    unsound[22] = 0xff;
    let mut cut_item = good.clone();
    cut_item.extend_from_slice(&[0x31, 0x05]);

    let (l, q) = batch(&batch_body(&[good.clone(), good.clone()], 3, &[])).unwrap();
    assert_eq!((l.len(), q), (2, vec![Quirk::TruncatedBatch]));
    let (l, q) = batch(&batch_body(&[good.clone(), unsound.clone()], 2, &[])).unwrap();
    assert_eq!((l.len(), q), (1, vec![Quirk::DroppedBatchEntry]));
    let (l, q) = batch(&batch_body(std::slice::from_ref(&good), 1, &[0, 0])).unwrap();
    assert_eq!((l.len(), q), (1, vec![Quirk::BatchTrailingBytes]));
    let (l, q) = batch(&batch_body(&[cut_item, good.clone()], 2, &[])).unwrap();
    assert_eq!((l.len(), q), (2, vec![Quirk::TruncatedAdditionalItem]));
    // The last entry's length runs past the end of the body.
    let mut cut = batch_body(&[good.clone(), good.clone()], 2, &[]);
    cut.truncate(cut.len() - 3);
    let (l, q) = batch(&cut).unwrap();
    assert_eq!((l.len(), q), (1, vec![Quirk::TruncatedBatch]));
    // Refused: no sound entry at all.
    assert!(batch(&batch_body(&[unsound], 1, &[])).is_err());
    // The strict decoder refuses every one of these.
    let f = jt808::encode_raw(
        &Envelope::v2013("1", 1),
        0x0704,
        &batch_body(&[good], 2, &[]),
        None,
    )
    .unwrap();
    assert!(jt808::decode_frame(&f).is_err());
}

#[test]
fn quirk_names_are_stable_snake_case() {
    let names: Vec<&str> = Quirk::ALL.iter().map(|q| q.name()).collect();
    assert_eq!(
        names,
        [
            "unescaped_delimiter",
            "bad_escape",
            "truncated_additional_item",
            "truncated_batch",
            "dropped_batch_entry",
            "batch_trailing_bytes"
        ]
    );
    for q in Quirk::ALL {
        assert_eq!(serde_json::to_value(q).unwrap(), q.name());
        assert_eq!(q.to_string(), q.name());
    }
}

#[test]
fn cli_json_names_the_quirks() {
    let mut body = location().encode().unwrap();
    body.push(0x31);
    let f = jt808::encode_raw(&Envelope::v2013("1", 1), 0x0200, &body, None).unwrap();
    let v = guomen_proto::jt808_line_to_json(&hex::encode(&f));
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(
        v["quirks"],
        serde_json::json!(["truncated_additional_item"])
    );
    assert_eq!(v["lat"], 43.652312);
    let ok = jt808::encode(&Envelope::v2013("1", 1), &Message::Heartbeat).unwrap();
    let v = guomen_proto::jt808_line_to_json(&hex::encode(ok));
    assert_eq!(v["quirks"], serde_json::json!([]));
}

// The stream: a bare 0x7e cuts the frame for the splitter; the stream joins it back.

fn with_bare_delimiters(serial: u16, n: usize) -> (Vec<u8>, Location) {
    let mut l = location();
    l.extras.push(Extra::Raw {
        id: 0xe1,
        value: [0x11, 0x7e].repeat(n),
    });
    let raw = content(serial, 0x0200, &l.encode().unwrap());
    let bare: Vec<usize> = raw
        .iter()
        .enumerate()
        .filter(|(i, b)| **b == 0x7e && *i < raw.len() - 1)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(bare.len(), n);
    (wire_leaving(&raw, &bare), l)
}

fn run_stream(chunks: &[&[u8]]) -> Vec<Result<Decoded, Jt808Error>> {
    let mut s = LenientStream::new(4096);
    let mut out = Vec::new();
    for c in chunks {
        s.push(c);
        while let Some(r) = s.next_decoded() {
            out.push(r);
        }
    }
    s.flush_held();
    while let Some(r) = s.next_decoded() {
        out.push(r);
    }
    out
}

#[test]
fn stream_rejoins_a_frame_cut_by_bare_delimiters() {
    let hb = jt808::encode(&Envelope::v2013("1", 1), &Message::Heartbeat).unwrap();
    for n in 1..=3 {
        let (cut, l) = with_bare_delimiters(40, n);
        let mut s = hb.clone();
        s.extend_from_slice(&cut);
        s.extend_from_slice(&hb);
        // At every chunk boundary.
        for i in 0..=s.len() {
            let got = run_stream(&[&s[..i], &s[i..]]);
            assert_eq!(got.len(), 3, "n={n} split at {i}: {got:?}");
            let d = got[1].as_ref().unwrap();
            assert_eq!(d.quirks, [Quirk::UnescapedDelimiter]);
            assert_eq!(located(d), &l);
            assert!(got[0].as_ref().unwrap().quirks.is_empty());
            assert!(got[2].as_ref().unwrap().quirks.is_empty());
        }
    }
    // Beyond MAX_JOINED_PIECES the pieces are refused one by one, and the next frame is fine.
    let (cut, _) = with_bare_delimiters(41, jt808::MAX_JOINED_PIECES);
    let mut s = cut;
    s.extend_from_slice(&hb);
    let got = run_stream(&[&s]);
    assert!(got.last().unwrap().is_ok());
    assert!(got[..got.len() - 1].iter().all(Result::is_err), "{got:?}");
}

#[test]
fn stream_recovers_an_unescaped_check_code_of_0x7e() {
    // `… 7e 7e`: the check code is taken for the closing flag and the flag for a resync.
    let body = location().encode().unwrap();
    let raw = (0..=u16::MAX)
        .map(|s| content(s, 0x0200, &body))
        .find(|r| r.last() == Some(&0x7e))
        .unwrap();
    let bad = wire_leaving(&raw, &[raw.len() - 1]);
    let hb = jt808::encode(&Envelope::v2013("1", 1), &Message::Heartbeat).unwrap();
    let mut s = bad;
    s.extend_from_slice(&hb);
    for i in 0..=s.len() {
        let got = run_stream(&[&s[..i], &s[i..]]);
        assert_eq!(got.len(), 2, "split at {i}: {got:?}");
        let d = got[0].as_ref().unwrap();
        assert_eq!(d.quirks, [Quirk::UnescapedDelimiter]);
        assert_eq!(located(d), &location());
        assert!(got[1].is_ok());
    }
}

#[test]
fn stream_never_delays_a_good_frame_after_a_damaged_piece() {
    let good = jt808::encode(&Envelope::v2013("1", 2), &Message::Location(location())).unwrap();
    let mut damaged = good.clone();
    let n = damaged.len();
    damaged[n - 2] ^= 0x40;
    let mut s = LenientStream::default();
    s.push(&damaged);
    s.push(&good);
    let a = s.next_decoded().unwrap();
    assert!(matches!(a, Err(Jt808Error::BadChecksum { .. })), "{a:?}");
    let b = s.next_decoded().unwrap().unwrap();
    assert_eq!(located(&b), &location());
    assert!(s.next_decoded().is_none());
    // Shared flag between the damaged piece and the good frame.
    let mut s = LenientStream::default();
    s.push(&damaged);
    s.push(&good[1..]);
    assert!(s.next_decoded().unwrap().is_err());
    assert!(s.next_decoded().unwrap().is_ok());
}

#[test]
fn stream_holds_a_possible_start_until_the_next_piece() {
    // The first piece of a cut frame is answered only when the next piece shows what it was.
    let (cut, _) = with_bare_delimiters(42, 1);
    let at = cut[1..].iter().position(|&b| b == 0x7e).unwrap() + 2;
    let mut s = LenientStream::default();
    s.push(&cut[..at]);
    assert!(s.next_decoded().is_none());
    assert!(s.buffered() >= at - 1);
    s.push(&cut[at..]);
    assert!(s.next_decoded().unwrap().is_ok());
}
