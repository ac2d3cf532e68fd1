//! The pages people work in: login, command centre, counter, incident detail, duty log,
//! trains, statistics.
//!
//! Server-rendered HTML in the user's language with small hand-written scripts that talk to
//! the same `/api` as every other client. Nothing is built or fetched at run time: every asset
//! is compiled into the binary. The pages live outside `/api`, so each checks the session
//! cookie itself; the API still enforces every role on every call the scripts make.

mod assets;
mod i18n;
mod template;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use guomen_domain::Role;
use guomen_domain::Role::*;

use crate::auth::{Principal, SESSION_COOKIE};
use crate::state::AppState;

pub use assets::{ASSETS, Asset, TEMPLATES, asset_url};
pub use i18n::{DICTIONARY, Lang};

/// The cookie that carries the chosen language, so the server renders it without a flash.
pub const LANG_COOKIE: &str = "guomen_lang";

/// Which roles may open each page. The API decides what they may *do* there.
pub const PAGE_ACCESS: &[(&str, &[Role])] = &[
    ("/command", &[Admin, DutyChief, Analyst]),
    ("/counter", &[Admin, DutyChief, Inspector]),
    ("/incidents/{id}", &[Admin, DutyChief, Analyst]),
    (
        "/duty-log",
        &[Admin, DutyChief, Inspector, Analyst, Partner],
    ),
    (
        "/trains",
        &[Admin, DutyChief, Inspector, Analyst, Partner, Carrier],
    ),
    ("/trains/{id}/board", &[Admin, DutyChief, Inspector]),
    ("/stats", &[Admin, DutyChief, Analyst]),
    // Permit notices are printed for travellers and drivers: any signed-in person.
    (
        "/notices/{kind}",
        &[Admin, DutyChief, Inspector, Analyst, Partner, Carrier],
    ),
];

/// The page routes and the asset route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(root))
        .route("/login", get(login_page))
        .route("/command", get(command_page))
        .route("/counter", get(counter_page))
        .route("/incidents/{id}", get(incident_page))
        .route("/duty-log", get(duty_log_page))
        .route("/trains", get(trains_page))
        .route("/trains/{id}/board", get(board_page))
        .route("/stats", get(stats_page))
        .route("/notices/{kind}", get(notice_page))
        .route("/assets/{name}", get(assets::serve))
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn lang_of(headers: &HeaderMap) -> Lang {
    if let Some(l) = cookie(headers, LANG_COOKIE).and_then(|v| Lang::parse(&v)) {
        return l;
    }
    // Without a choice yet, follow the browser's first preference between the two we have.
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let zh = accept.find("zh");
    let en = accept.find("en");
    match (zh, en) {
        (Some(z), Some(e)) if e < z => Lang::En,
        (None, Some(_)) => Lang::En,
        _ => Lang::Zh,
    }
}

async fn session(state: &AppState, headers: &HeaderMap) -> Option<Principal> {
    let token = cookie(headers, SESSION_COOKIE)?;
    state.station.authenticate(&token).await.ok().flatten()
}

fn html(status: StatusCode, body: String) -> Response {
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // Pages carry the user's name and role: never cached, never framed.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
    );
    resp
}

enum Gate {
    Open(Principal, Lang),
    Closed(Response),
}

/// The check every page makes: a live session (else to the login page) and a role allowed
/// on the page (else a 403 page that says so).
async fn gate(state: &AppState, headers: &HeaderMap, page: &str) -> Gate {
    let lang = lang_of(headers);
    let Some(who) = session(state, headers).await else {
        return Gate::Closed(Redirect::to("/login").into_response());
    };
    let allowed = PAGE_ACCESS
        .iter()
        .find(|(p, _)| *p == page)
        .is_some_and(|(_, roles)| roles.contains(&who.role));
    if !allowed {
        let body = template::page(
            lang,
            &who,
            "forbidden",
            "page.forbidden",
            assets::FORBIDDEN_HTML,
            &[("role", who.role.as_str().to_owned())],
            &[],
        );
        return Gate::Closed(html(StatusCode::FORBIDDEN, body));
    }
    Gate::Open(who, lang)
}

/// A page inside the signed-in frame, once the gate lets the caller in: every page but the
/// login and the printable notices.
#[allow(clippy::too_many_arguments)]
async fn framed(
    state: &AppState,
    headers: &HeaderMap,
    path: &str,
    name: &str,
    title_key: &str,
    body: &str,
    vars: &[(&str, String)],
    scripts: &[&str],
) -> Response {
    match gate(state, headers, path).await {
        Gate::Closed(r) => r,
        Gate::Open(who, lang) => {
            let mut vars = vars.to_vec();
            vars.push(clock_var(state));
            html(
                StatusCode::OK,
                template::page(lang, &who, name, title_key, body, &vars, scripts),
            )
        }
    }
}

/// The station's UTC offset for the page frame: times are shown on the station's clock face
/// (`G.fmtTime`), whatever time zone the reader's browser is in (the national centre's, a
/// laptop left on UTC).
fn clock_var(state: &AppState) -> (&'static str, String) {
    let minutes = state.station.utc_offset().local_minus_utc() / 60;
    ("utc_offset_min", minutes.to_string())
}

async fn root(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match session(&state, &headers).await {
        Some(who) => Redirect::to(crate::api::session::home_for(who.role)).into_response(),
        None => Redirect::to("/login").into_response(),
    }
}

async fn login_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    // Someone already logged in goes straight to work.
    if let Some(who) = session(&state, &headers).await {
        return Redirect::to(crate::api::session::home_for(who.role)).into_response();
    }
    html(
        StatusCode::OK,
        template::bare(lang_of(&headers), "login", assets::LOGIN_HTML),
    )
}

/// The live stream's event kinds the signed-in role may ever receive, as a JSON array: the
/// command centre listens for exactly these (from the one registry of kinds), so a new kind
/// needs no script edit.
pub fn stream_kinds_json(role: Role) -> String {
    let kinds: Vec<&str> = guomen_station::event::kinds_seen_by(role.into())
        .into_iter()
        .map(|k| k.as_str())
        .collect();
    serde_json::to_string(&kinds).unwrap_or_else(|_| "[]".to_owned())
}

async fn command_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    // The only page whose values depend on who opens it: the stream kinds of the role.
    match gate(&state, &headers, "/command").await {
        Gate::Closed(r) => r,
        Gate::Open(who, lang) => html(
            StatusCode::OK,
            template::page(
                lang,
                &who,
                "command",
                "page.command",
                assets::COMMAND_HTML,
                &[
                    ("stream_kinds", stream_kinds_json(who.role)),
                    clock_var(&state),
                ],
                &["map.js", "command.js"],
            ),
        ),
    }
}

async fn counter_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    framed(
        &state,
        &headers,
        "/counter",
        "counter",
        "page.counter",
        assets::COUNTER_HTML,
        &[],
        &["counter.js"],
    )
    .await
}

async fn incident_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    framed(
        &state,
        &headers,
        "/incidents/{id}",
        "incident",
        "page.incident",
        assets::INCIDENT_HTML,
        &[("incident_id", id)],
        &["incident.js"],
    )
    .await
}

async fn duty_log_page(State(state): State<AppState>, req: Request) -> Response {
    let headers = req.headers().clone();
    framed(
        &state,
        &headers,
        "/duty-log",
        "duty-log",
        "page.duty_log",
        assets::DUTY_LOG_HTML,
        &[],
        &["duty-log.js"],
    )
    .await
}

async fn trains_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    framed(
        &state,
        &headers,
        "/trains",
        "trains",
        "page.trains",
        assets::TRAINS_HTML,
        &[],
        &["trains.js"],
    )
    .await
}

/// The on-board page, sized for a phone: one carriage after another.
async fn board_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    framed(
        &state,
        &headers,
        "/trains/{id}/board",
        "board",
        "page.board",
        assets::BOARD_HTML,
        &[("train_id", id)],
        &["board.js"],
    )
    .await
}

/// The analyst's statistics: a period, a grouping, a chart, a table, CSV and the reports.
/// The period starts out as the station's year to the station's today: a browser in another
/// time zone (the national centre's, a laptop on UTC) would otherwise end it a day early or
/// late, and miss the crossings of the station's morning.
async fn stats_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let today = state.station.today().to_string();
    framed(
        &state,
        &headers,
        "/stats",
        "stats",
        "page.stats",
        assets::STATS_HTML,
        &[("today", today)],
        &["stats.js"],
    )
    .await
}

#[derive(Debug, serde::Deserialize)]
struct NoticeQuery {
    lang: Option<String>,
}

/// The notice's template as HTML: `# ` a title, `## ` a heading, `- ` list items, other
/// lines paragraphs; every line escaped, `{port}` the port's name in the notice's language
/// (Chinese for Chinese, English otherwise).
fn notice_html(text: &str, port: &str) -> String {
    let mut out = String::new();
    let mut in_list = false;
    for line in text.lines().map(str::trim_end) {
        let line = template::escape(&line.replace("{port}", port));
        let item = line.strip_prefix("- ");
        if item.is_none() && in_list {
            out.push_str("</ul>\n");
            in_list = false;
        }
        if let Some(i) = item {
            if !in_list {
                out.push_str("<ul>\n");
                in_list = true;
            }
            out.push_str(&format!("<li>{i}</li>\n"));
        } else if let Some(h) = line.strip_prefix("## ") {
            out.push_str(&format!("<h2>{h}</h2>\n"));
        } else if let Some(h) = line.strip_prefix("# ") {
            out.push_str(&format!("<h1>{h}</h1>\n"));
        } else if !line.trim().is_empty() {
            out.push_str(&format!("<p>{line}</p>\n"));
        }
    }
    if in_list {
        out.push_str("</ul>\n");
    }
    out
}

/// A printable permit notice (`/notices/traveller?lang=mn`): a page of its own, in the
/// notice's language (zh, en, mn, ru; the reader's page language by default), for any
/// signed-in person, printed as it is shown (the language links do not print).
async fn notice_page(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    axum::extract::Query(q): axum::extract::Query<NoticeQuery>,
    headers: HeaderMap,
) -> Response {
    let (_who, page_lang) = match gate(&state, &headers, "/notices/{kind}").await {
        Gate::Closed(r) => return r,
        Gate::Open(who, lang) => (who, lang),
    };
    let lang = q.lang.unwrap_or_else(|| page_lang.code().to_owned());
    let notice = match state.station.notice(&kind, &lang).await {
        Ok(n) => n,
        Err(e) => {
            let e = crate::error::ApiError::from(e);
            let status = e.status;
            return html(
                status,
                format!(
                    "<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title></head><body><p>{}</p></body></html>",
                    status.as_u16(),
                    template::escape(&e.message)
                ),
            );
        }
    };
    let info = &state.station.port().info;
    let port = if lang == "zh" {
        info.name.zh.as_str()
    } else {
        info.name.en.as_str()
    };
    let links: String = [
        ("zh", "中文"),
        ("en", "English"),
        ("mn", "Монгол"),
        ("ru", "Русский"),
    ]
    .iter()
    .map(|(l, name)| {
        let current = if *l == lang {
            " aria-current=\"page\""
        } else {
            ""
        };
        format!("<a href=\"?lang={l}\" hreflang=\"{l}\"{current}>{name}</a>")
    })
    .collect::<Vec<_>>()
    .join(" · ");
    let body = notice_html(&notice.text, port);
    let title = notice
        .text
        .lines()
        .find_map(|l| l.strip_prefix("# "))
        .unwrap_or(&notice.kind)
        .replace("{port}", port);
    html(
        StatusCode::OK,
        format!(
            "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{title}</title>\n<link rel=\"stylesheet\" href=\"{css}\">\n</head>\n\
             <body class=\"notice-page\">\n<nav class=\"notice-langs no-print\">{links}</nav>\n\
             <main class=\"notice\" data-kind=\"{kind}\" data-lang=\"{lang}\">\n{body}</main>\n</body>\n</html>\n",
            title = template::escape(&title),
            css = asset_url("app.css"),
            kind = template::escape(&notice.kind),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scripts name no stream kind: the command centre gets its list from the page
    /// (`stream_kinds_json`, from the registry) and dispatches on the kind each event carries.
    #[test]
    fn no_script_hard_codes_an_event_kind() {
        for a in ASSETS.iter().filter(|a| a.name.ends_with(".js")) {
            let text = std::str::from_utf8(a.bytes).unwrap();
            for k in guomen_station::event::EventKind::ALL {
                for quoted in [format!("\"{}\"", k.as_str()), format!("'{}'", k.as_str())] {
                    assert!(
                        !text.contains(&quoted),
                        "{} names the kind {quoted}; list it from the registry",
                        a.name
                    );
                }
            }
        }
    }

    #[test]
    fn stream_kinds_are_the_registrys_for_the_role() {
        for role in Role::ALL {
            let listed: Vec<String> = serde_json::from_str(&stream_kinds_json(role)).unwrap();
            let expected: Vec<&str> = guomen_station::event::kinds_seen_by(role.into())
                .into_iter()
                .map(|k| k.as_str())
                .collect();
            assert_eq!(listed, expected, "{role}");
        }
    }
}
