//! The auth layer of `/api`: the bearer token or the session cookie, resolved by the station,
//! then the route's roles from the access table.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;

pub use guomen_station::Principal;
pub use guomen_station::auth::SESSION_HOURS;

use crate::access;
use crate::error::ApiError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "guomen_session";

/// The session token from the cookie header, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    for v in headers.get_all(header::COOKIE) {
        let Ok(v) = v.to_str() else { continue };
        for pair in v.split(';') {
            if let Some((k, val)) = pair.trim().split_once('=')
                && k == SESSION_COOKIE
            {
                return Some(val.to_owned());
            }
        }
    }
    None
}

/// The bearer token, else the session cookie.
pub fn bearer_or_cookie(headers: &HeaderMap) -> Option<String> {
    credential(headers).map(|(t, _)| t)
}

/// The credential and whether it came from the cookie (which a browser attaches on its own,
/// so it needs the same-origin check; a bearer header is never sent by another site).
fn credential(headers: &HeaderMap) -> Option<(String, bool)> {
    if let Some(v) = headers.get(header::AUTHORIZATION) {
        let v = v.to_str().ok()?;
        let t = v
            .strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))?;
        return Some((t.trim().to_owned(), false));
    }
    session_cookie(headers).map(|t| (t, true))
}

/// Where a browser says a request comes from, compared with this station.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    /// `Sec-Fetch-Site: same-origin`, or an `Origin` whose host and port are the `Host`.
    SameOrigin,
    /// Another site, `Origin: null`, or `Sec-Fetch-Site` other than same-origin/none.
    CrossSite,
    /// No browser header says either way (a script, curl, an old browser).
    Unknown,
}

pub fn provenance(headers: &HeaderMap) -> Provenance {
    let fetch_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    if let Some(site) = fetch_site.as_deref() {
        match site {
            "same-origin" => return Provenance::SameOrigin,
            // `none`: typed into the address bar or a bookmark — the user's own act, but it
            // says nothing about the Origin; fall through to it.
            "none" => {}
            _ => return Provenance::CrossSite,
        }
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return if fetch_site.is_some() {
            Provenance::SameOrigin
        } else {
            Provenance::Unknown
        };
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let authority = origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'))
        .unwrap_or("");
    if !host.is_empty() && same_authority(authority, host, origin.starts_with("https://")) {
        Provenance::SameOrigin
    } else {
        Provenance::CrossSite
    }
}

/// `host[:port]` equality with the scheme's default port made explicit.
fn same_authority(origin: &str, host: &str, https: bool) -> bool {
    let default = if https { "443" } else { "80" };
    let split = |a: &str| -> (String, String) {
        let a = a.to_ascii_lowercase();
        // An IPv6 literal keeps its colons inside brackets.
        match a.rsplit_once(':') {
            Some((h, p)) if !p.contains(']') && !h.is_empty() => (h.to_owned(), p.to_owned()),
            _ => (a.clone(), default.to_owned()),
        }
    };
    split(origin) == split(host)
}

fn is_state_change(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses a cookie-authenticated state change that a browser does not vouch for as coming
/// from this station's own pages: another site's form or script would otherwise act with the
/// user's session (CSRF).
pub fn check_cookie_origin(method: &Method, headers: &HeaderMap) -> Result<(), ApiError> {
    if !is_state_change(method) || provenance(headers) == Provenance::SameOrigin {
        return Ok(());
    }
    Err(cross_origin())
}

pub fn cross_origin() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::FORBIDDEN,
        "cross_origin",
        "a request with the session cookie must come from this station's own pages \
         (same-origin `Origin` or `Sec-Fetch-Site`); scripts use `Authorization: Bearer`",
    )
}

/// The auth layer on every `/api` route: 401 without a valid credential, 403 when the role is
/// not in [`access::ACCESS`] for the matched route.
pub async fn require_role(
    State(state): State<AppState>,
    matched: Option<MatchedPath>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let Some((token, from_cookie)) = credential(req.headers()) else {
        return Err(ApiError::unauthorized(
            "authentication required: send `Authorization: Bearer TOKEN` or log in",
        ));
    };
    if from_cookie {
        check_cookie_origin(req.method(), req.headers())?;
    }
    let Some(principal) = state.station.authenticate(&token).await? else {
        return Err(ApiError::unauthorized(
            "unknown, revoked or expired credential",
        ));
    };
    let path = matched.as_ref().map(|m| m.as_str()).unwrap_or("");
    let method = req.method().as_str().to_owned();
    let Some(roles) = access::allowed_roles(&method, path) else {
        tracing::error!(%method, %path, "route missing from the access table; denied");
        return Err(ApiError::forbidden("this route has no access rule"));
    };
    if !roles.contains(&principal.role) {
        return Err(ApiError::forbidden(format!(
            "role `{}` may not {method} {path}",
            principal.role
        )));
    }
    req.extensions_mut().insert(principal);
    Ok(next.run(req).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.insert(*k, v.parse().unwrap());
        }
        m
    }

    #[test]
    fn provenance_reads_fetch_metadata_then_origin() {
        use Provenance::*;
        assert_eq!(
            provenance(&h(&[("sec-fetch-site", "same-origin")])),
            SameOrigin
        );
        assert_eq!(
            provenance(&h(&[("sec-fetch-site", "cross-site")])),
            CrossSite
        );
        assert_eq!(
            provenance(&h(&[("sec-fetch-site", "same-site")])),
            CrossSite
        );
        let host = ("host", "station.lan:8443");
        assert_eq!(
            provenance(&h(&[host, ("origin", "https://station.lan:8443")])),
            SameOrigin
        );
        assert_eq!(
            provenance(&h(&[host, ("origin", "https://evil.example")])),
            CrossSite
        );
        assert_eq!(provenance(&h(&[host, ("origin", "null")])), CrossSite);
        assert_eq!(
            provenance(&h(&[
                ("host", "station.lan"),
                ("origin", "https://station.lan:443")
            ])),
            SameOrigin
        );
        assert_eq!(
            provenance(&h(&[
                ("host", "[::1]:8080"),
                ("origin", "http://[::1]:8080")
            ])),
            SameOrigin
        );
        assert_eq!(provenance(&h(&[host])), Unknown);
        assert!(check_cookie_origin(&Method::GET, &h(&[host])).is_ok());
        assert!(check_cookie_origin(&Method::POST, &h(&[host])).is_err());
    }
}
