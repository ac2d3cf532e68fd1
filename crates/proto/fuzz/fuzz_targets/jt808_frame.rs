#![no_main]
//! Arbitrary bytes through the JT/T 808 splitter, strict and lenient frame decoders, lenient
//! stream, reassembler and CLI helper.

use guomen_proto::jt808::{self, Message, Reassembler, ReassemblyLimits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = jt808::decode_frame(data);
    let _ = jt808::decode_unescaped(data);
    let _ = jt808::decode_frame_lenient(data);
    // The lenient stream (splitter + rejoining of frames cut by a bare 0x7e).
    let mut stream = jt808::LenientStream::new(512);
    for chunk in data.chunks(5) {
        stream.push(chunk);
        while stream.next_decoded().is_some() {}
    }
    stream.flush_held();
    while stream.next_decoded().is_some() {}
    let mut splitter = jt808::FrameSplitter::new(512);
    let mut reassembler = Reassembler::new(ReassemblyLimits { max_pending: 4, max_packages: 16, max_bytes: 4096, max_idle_fragments: 8 });
    // Split the input in uneven chunks to exercise buffering.
    for chunk in data.chunks(7) {
        splitter.push(chunk);
        while let Some(frame) = splitter.next_frame() {
            let Ok(frame) = frame else { continue };
            if let Ok(decoded) = jt808::decode_frame(&frame)
                && let Message::SubPackage { fragment } = &decoded.message
                && let Ok(Some(whole)) = reassembler.push(&decoded.header, fragment)
            {
                let _ = whole.decode();
            }
        }
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = guomen_proto::jt808_line_to_json(s);
    }
});
