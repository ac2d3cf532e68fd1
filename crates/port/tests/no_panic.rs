//! The loader never panics, whatever text it is given: arbitrary strings, TOML-looking
//! fragments, and the sample port with random parts cut out or replaced.

use guomen_port::{erenhot_sources, load_str, validate};
use proptest::prelude::*;

/// Fragments that make random text look enough like a port file to get past the parser.
fn toml_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("[port]\n".to_owned()),
        Just("[[site]]\n".to_owned()),
        Just("[[lane]]\n".to_owned()),
        Just("[[sensor]]\n".to_owned()),
        Just("[[unit]]\n".to_owned()),
        Just("[[link]]\n".to_owned()),
        Just("[border_line]\n".to_owned()),
        Just("name = { zh = \"x\", en = \"y\" }\n".to_owned()),
        Just("origin = { lon = 1e400, lat = -0.0 }\n".to_owned()),
        Just("min_age = -1\n".to_owned()),
        Just("priority = 9999999999999\n".to_owned()),
        Just("nationalities = [1, \"CHN\", []]\n".to_owned()),
        "[a-z_]{1,12} = \"[a-z0-9-]{0,8}\"\n",
        "[a-z_]{1,12} = [0-9]{1,3}\n",
        any::<String>(),
    ]
}

fn geojson_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(erenhot_sources().1.to_owned()),
        any::<String>(),
        "\\{\"type\": \"FeatureCollection\", \"features\": \\[\\{\"id\": \"[a-z]{1,3}\", \"type\": \"Feature\", \"properties\": \\{\\}, \"geometry\": \\{\"type\": \"(Point|Polygon|LineString)\", \"coordinates\": \\[[0-9\\[\\], .-]{0,40}\\]\\}\\}\\]\\}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(toml in any::<String>(), geo in geojson_text()) {
        let _ = load_str(&toml, "p.toml", &geo, "g.geojson");
    }

    #[test]
    fn toml_like_text_never_panics(parts in prop::collection::vec(toml_fragment(), 0..30), geo in geojson_text()) {
        let toml = parts.concat();
        let _ = load_str(&toml, "p.toml", &geo, "g.geojson");
    }

    #[test]
    fn damaged_sample_never_panics(
        cut_toml in (0usize..60_000, 0usize..400, ".{0,20}"),
        cut_geo in (0usize..60_000, 0usize..400, "[0-9.,\\[\\]-]{0,20}"),
    ) {
        let (toml, geo) = erenhot_sources();
        let damage = |text: &str, (at, len, with): (usize, usize, String)| -> String {
            // Cut on character boundaries so the result is still a &str.
            let at = (0..=at.min(text.len())).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
            let end = (at + len).min(text.len());
            let end = (end..=text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
            format!("{}{}{}", &text[..at], with, &text[end..])
        };
        let toml = damage(toml, cut_toml);
        let geo = damage(geo, cut_geo);
        match load_str(&toml, "p.toml", &geo, "g.geojson") {
            Ok(port) => {
                prop_assert!(validate(&port).is_empty());
                let _ = port.to_api_json();
                let _ = port.summary();
            }
            Err(errors) => prop_assert!(!errors.is_empty()),
        }
    }
}
