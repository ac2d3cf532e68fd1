//! Reading the port's GeoJSON FeatureCollection.
//!
//! The text is first read as plain JSON (which gives line and column for syntax errors), then
//! each feature is converted on its own, so that one bad feature is reported and the others are
//! still usable.

use std::collections::{BTreeMap, BTreeSet};

use geojson::feature::Id;

use crate::error::{ErrorKind, LineIndex, PortError};
use crate::model::{Feature, Geometry};

pub(crate) struct GeoRead {
    pub(crate) features: BTreeMap<String, Feature>,
    pub(crate) duplicates: Vec<Feature>,
    pub(crate) problems: Vec<PortError>,
    pub(crate) loaded: bool,
    pub(crate) unreadable: BTreeSet<String>,
}

pub(crate) fn read(text: &str, file: &str) -> GeoRead {
    let mut out = GeoRead {
        features: BTreeMap::new(),
        duplicates: Vec::new(),
        problems: Vec::new(),
        loaded: false,
        unreadable: BTreeSet::new(),
    };
    let json: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let (line, col) = if e.line() == 0 {
                (None, None)
            } else {
                (Some(e.line()), Some(e.column()))
            };
            out.problems.push(
                PortError::new(
                    file,
                    line,
                    ErrorKind::Syntax,
                    format!("not valid JSON: {e}"),
                )
                .with_column(col),
            );
            return out;
        }
    };
    let index = LineIndex::new(text);
    let Some(object) = json.as_object() else {
        out.problems.push(PortError::new(
            file,
            Some(1),
            ErrorKind::Schema,
            "expected a GeoJSON FeatureCollection object",
        ));
        return out;
    };
    if object.get("type").and_then(|t| t.as_str()) != Some("FeatureCollection") {
        out.problems.push(PortError::new(
            file,
            Some(1),
            ErrorKind::Schema,
            "expected \"type\": \"FeatureCollection\"",
        ));
        return out;
    }
    let Some(features) = object.get("features").and_then(|f| f.as_array()) else {
        out.problems.push(PortError::new(
            file,
            Some(1),
            ErrorKind::Schema,
            "a FeatureCollection needs a \"features\" array",
        ));
        return out;
    };
    out.loaded = true;
    let id_lines = id_lines(text, &index);
    // How often each id has been met, so that a repeated id is located at its own occurrence.
    let mut occurrences: BTreeMap<String, usize> = BTreeMap::new();
    for (n, raw) in features.iter().enumerate() {
        let raw_id = raw_feature_id(raw);
        let line = raw_id.as_deref().and_then(|id| {
            let seen = occurrences.entry(id.to_owned()).or_insert(0);
            *seen += 1;
            id_lines.get(id)?.get(*seen - 1).copied()
        });
        let feature = match geojson::Feature::from_json_value(raw.clone()) {
            Ok(f) => f,
            Err(e) => {
                let what = match &raw_id {
                    Some(id) => format!("feature \"{id}\""),
                    None => format!("feature #{}", n + 1),
                };
                let mut err = PortError::new(file, line, ErrorKind::Schema, format!("{what}: {e}"));
                if let Some(id) = &raw_id {
                    err = err.with_feature(id);
                    out.unreadable.insert(id.clone());
                }
                out.problems.push(err);
                continue;
            }
        };
        let Some(id) = feature_id(&feature) else {
            out.problems.push(PortError::new(
                file,
                None,
                ErrorKind::Schema,
                format!(
                    "feature #{} has no id (give it an \"id\" member or a \"properties.id\")",
                    n + 1
                ),
            ));
            continue;
        };
        let geometry = feature.geometry.as_ref().map(|g| convert(&g.value));
        let f = Feature {
            id: id.clone(),
            geometry,
            line,
        };
        match out.features.entry(id) {
            std::collections::btree_map::Entry::Occupied(_) => out.duplicates.push(f),
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(f);
            }
        }
    }
    out
}

fn id_text(id: &Id) -> String {
    match id {
        Id::String(s) => s.clone(),
        Id::Number(n) => n.to_string(),
    }
}

fn feature_id(f: &geojson::Feature) -> Option<String> {
    if let Some(id) = &f.id {
        return Some(id_text(id));
    }
    match f.properties.as_ref()?.get("id")? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The id of a feature read as plain JSON, so that even a feature the geojson crate rejects
/// can be named in the error.
fn raw_feature_id(raw: &serde_json::Value) -> Option<String> {
    let id = raw
        .get("id")
        .or_else(|| raw.get("properties").and_then(|p| p.get("id")))?;
    match id {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Lines where each `"id": <value>` member appears, in file order. A plain text scan, one
/// pass: cheap, and good enough to point an editor at a feature. Ids written with escapes are
/// not found (their errors then carry no line, only the feature id).
fn id_lines(text: &str, index: &LineIndex) -> BTreeMap<String, Vec<usize>> {
    let mut lines: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut from = 0;
    while let Some(pos) = text.get(from..).and_then(|t| t.find("\"id\"")) {
        let key_at = from + pos;
        from = key_at + 4;
        let rest = text.get(from..).unwrap_or("").trim_start();
        let Some(rest) = rest.strip_prefix(':') else {
            continue;
        };
        let value = rest.trim_start();
        let value_at = text.len() - value.len();
        let token = if let Some(quoted) = value.strip_prefix('"') {
            quoted.find(['"', '\\']).and_then(|end| {
                (quoted.as_bytes().get(end) == Some(&b'"')).then(|| quoted.get(..end))
            })
        } else {
            let end = value
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.')))
                .unwrap_or(value.len());
            Some(value.get(..end))
        };
        if let Some(id) = token.flatten().filter(|id| !id.is_empty()) {
            lines
                .entry(id.to_owned())
                .or_default()
                .push(index.line(value_at));
        }
    }
    lines
}

fn position(p: &[f64]) -> [f64; 2] {
    // A position with fewer than two numbers becomes NaN, which the coordinate check reports
    // with the feature's id instead of failing the whole file here.
    [
        p.first().copied().unwrap_or(f64::NAN),
        p.get(1).copied().unwrap_or(f64::NAN),
    ]
}

fn convert(value: &geojson::Value) -> Geometry {
    match value {
        geojson::Value::Point(p) => Geometry::Point(position(p)),
        geojson::Value::LineString(ps) => {
            Geometry::LineString(ps.iter().map(|p| position(p)).collect())
        }
        geojson::Value::Polygon(rings) => Geometry::Polygon(
            rings
                .iter()
                .map(|r| r.iter().map(|p| position(p)).collect())
                .collect(),
        ),
        geojson::Value::MultiPoint(_) => Geometry::Other("MultiPoint".into()),
        geojson::Value::MultiLineString(_) => Geometry::Other("MultiLineString".into()),
        geojson::Value::MultiPolygon(_) => Geometry::Other("MultiPolygon".into()),
        geojson::Value::GeometryCollection(_) => Geometry::Other("GeometryCollection".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_id_lines() {
        let text = "{\n \"features\": [\n  {\"id\": \"a\",\n   \"x\": \"b\"},\n  {\"properties\": {\"id\" : \"b\"}}\n ]}";
        let lines = id_lines(text, &LineIndex::new(text));
        assert_eq!(lines.get("a"), Some(&vec![3]));
        // "b" first appears as a value of "x"; only the occurrence after "id" counts.
        assert_eq!(lines.get("b"), Some(&vec![5]));
        assert_eq!(lines.get("zzz"), None);
        let text = "[{\"id\": 7}, {\"id\":\n\"q\\\"x\"}, {\"id\": \"q\"}, {\"id\": \"q\"}]";
        let lines = id_lines(text, &LineIndex::new(text));
        assert_eq!(lines.get("7"), Some(&vec![1]));
        // The escaped id is skipped; the two plain ones are found in order.
        assert_eq!(lines.get("q"), Some(&vec![2, 2]));
    }

    #[test]
    fn reads_features_and_reports_bad_ones() {
        let text = r#"{"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": "p", "properties": {}, "geometry": {"type": "Point", "coordinates": [111.9, 43.7]}},
            {"type": "Feature", "properties": {"id": 7}, "geometry": {"type": "Point", "coordinates": [1, 2]}},
            {"type": "Feature", "id": "bad", "properties": {}, "geometry": {"type": "Blob", "coordinates": []}},
            {"type": "Feature", "properties": {}, "geometry": null}
        ]}"#;
        let r = read(text, "g.geojson");
        assert!(r.loaded);
        assert_eq!(r.features.len(), 2);
        assert_eq!(
            r.features.get("p").and_then(|f| f.geometry.clone()),
            Some(Geometry::Point([111.9, 43.7]))
        );
        assert!(r.features.contains_key("7"));
        assert_eq!(r.problems.len(), 2, "{:?}", r.problems);
        assert_eq!(r.problems[0].feature.as_deref(), Some("bad"));
        assert_eq!(r.problems[0].line, Some(4));
        assert!(r.problems[1].message.contains("no id"));
    }

    #[test]
    fn syntax_error_has_line() {
        let r = read("{\n\"type\": \n}", "g.geojson");
        assert!(!r.loaded);
        assert_eq!(r.problems[0].kind, ErrorKind::Syntax);
        assert_eq!(r.problems[0].line, Some(3));
    }
}
