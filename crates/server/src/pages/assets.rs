//! Static assets compiled into the binary. Pages link them as `/assets/NAME?v=HASH`; a request
//! carrying the current hash may be cached for a year (the URL changes with the content),
//! any other is revalidated by its ETag.

use std::sync::LazyLock;

use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $ty:expr) => {
        Asset {
            name: $name,
            content_type: $ty,
            bytes: include_bytes!(concat!("../../assets/", $name)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

pub const ASSETS: &[Asset] = &[
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("common.js", JS),
    asset!("login.js", JS),
    asset!("map.js", JS),
    asset!("command.js", JS),
    asset!("counter.js", JS),
    asset!("incident.js", JS),
    asset!("duty-log.js", JS),
    asset!("trains.js", JS),
    asset!("board.js", JS),
    asset!("stats.js", JS),
    asset!("favicon.svg", "image/svg+xml"),
];

pub const LAYOUT_HTML: &str = include_str!("../../assets/layout.html");
pub const LOGIN_HTML: &str = include_str!("../../assets/login.html");
pub const COMMAND_HTML: &str = include_str!("../../assets/command.html");
pub const COUNTER_HTML: &str = include_str!("../../assets/counter.html");
pub const INCIDENT_HTML: &str = include_str!("../../assets/incident.html");
pub const DUTY_LOG_HTML: &str = include_str!("../../assets/duty-log.html");
pub const TRAINS_HTML: &str = include_str!("../../assets/trains.html");
pub const BOARD_HTML: &str = include_str!("../../assets/board.html");
pub const STATS_HTML: &str = include_str!("../../assets/stats.html");
pub const FORBIDDEN_HTML: &str = include_str!("../../assets/forbidden.html");

/// The HTML templates, for the dictionary check.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", LAYOUT_HTML),
    ("login.html", LOGIN_HTML),
    ("command.html", COMMAND_HTML),
    ("counter.html", COUNTER_HTML),
    ("incident.html", INCIDENT_HTML),
    ("duty-log.html", DUTY_LOG_HTML),
    ("forbidden.html", FORBIDDEN_HTML),
    ("trains.html", TRAINS_HTML),
    ("board.html", BOARD_HTML),
    ("stats.html", STATS_HTML),
];

struct Served {
    name: &'static str,
    content_type: &'static str,
    bytes: std::borrow::Cow<'static, [u8]>,
    hash: String,
}

/// The dictionary as a script, generated from the same JSON the server renders with.
fn i18n_js() -> Vec<u8> {
    format!(
        "\"use strict\";\nwindow.GUOMEN_I18N = {};\n",
        super::i18n::DICTIONARY_JSON.trim()
    )
    .into_bytes()
}

static SERVED: LazyLock<Vec<Served>> = LazyLock::new(|| {
    let hash = |b: &[u8]| hex::encode(&Sha256::digest(b)[..8]);
    let mut v: Vec<Served> = ASSETS
        .iter()
        .map(|a| Served {
            name: a.name,
            content_type: a.content_type,
            bytes: a.bytes.into(),
            hash: hash(a.bytes),
        })
        .collect();
    let js = i18n_js();
    v.push(Served {
        name: "i18n.js",
        content_type: JS,
        hash: hash(&js),
        bytes: js.into(),
    });
    v
});

/// The URL of an asset with its content hash.
pub fn asset_url(name: &str) -> String {
    match SERVED.iter().find(|s| s.name == name) {
        Some(s) => format!("/assets/{}?v={}", s.name, s.hash),
        None => format!("/assets/{name}"),
    }
}

pub async fn serve(
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let Some(a) = SERVED.iter().find(|s| s.name == name) else {
        return crate::error::ApiError::not_found(format!("no asset `{name}`")).into_response();
    };
    let etag = format!("\"{}\"", a.hash);
    let current = query
        .as_deref()
        .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("v=")))
        .is_some_and(|v| v == a.hash);
    let cache = if current {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut resp = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (StatusCode::OK, a.bytes.clone().into_owned()).into_response()
    };
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(a.content_type),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    resp
}
