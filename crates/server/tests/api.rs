//! The HTTP API driven in-process through `TestApp`.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use futures::StreamExt as _;
use guomen_domain::Role;
use guomen_server::access::ACCESS;
use guomen_server::test_app::TestApp;
use serde_json::json;

async fn tokens_by_role(app: &TestApp) -> Vec<(Role, String)> {
    let mut out = Vec::new();
    for role in Role::ALL {
        out.push((
            role,
            app.user(&format!("u-{}", role.as_str().replace('_', "-")), role)
                .await,
        ));
    }
    out
}

fn concrete(path: &str) -> String {
    path.replace("{id}", "no-such-id")
}

#[tokio::test]
async fn every_route_with_every_role_is_authorised_by_the_table() {
    let app = TestApp::new().await;
    let tokens = tokens_by_role(&app).await;
    for route in ACCESS {
        let method: Method = route.method.parse().unwrap();
        let path = concrete(route.path);
        let body = matches!(route.method, "POST" | "PUT").then(|| json!({}));
        let anon = app.request(method.clone(), &path, None, body.clone()).await;
        assert_eq!(
            anon.status,
            StatusCode::UNAUTHORIZED,
            "anonymous {} {path}",
            route.method
        );
        assert_eq!(anon.json["error"]["code"], "unauthorized");
        for (role, token) in &tokens {
            let r = app
                .request(method.clone(), &path, Some(token), body.clone())
                .await;
            if route.roles.contains(role) {
                assert!(
                    r.status != StatusCode::UNAUTHORIZED && r.status != StatusCode::FORBIDDEN,
                    "{role} should be allowed on {} {path}, got {} {}",
                    route.method,
                    r.status,
                    r.text
                );
            } else {
                assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{role} on {} {path}: {}",
                    route.method,
                    r.text
                );
                assert_eq!(r.json["error"]["code"], "forbidden");
            }
        }
    }
}

#[test]
fn the_access_table_and_the_openapi_document_list_the_same_api_routes() {
    let doc = serde_json::to_value(guomen_server::app::openapi()).unwrap();
    let mut documented = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/api/") {
            continue;
        }
        for method in item.as_object().unwrap().keys() {
            documented.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    documented.sort();
    let mut table: Vec<String> = ACCESS
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    table.sort();
    assert_eq!(documented, table);
}

/// Every 2xx answer is a named, typed body (or text): a bare `object` would let its shape
/// change without the snapshot noticing.
#[test]
fn no_success_answer_is_an_untyped_object() {
    let mut untyped = Vec::new();
    for text in [
        guomen_server::app::openapi_text(),
        guomen_server::national::openapi_text(),
    ] {
        let doc: serde_json::Value = serde_json::from_str(text).unwrap();
        for (path, ops) in doc["paths"].as_object().unwrap() {
            for (method, op) in ops.as_object().unwrap() {
                let Some(responses) = op["responses"].as_object() else {
                    continue;
                };
                for (status, r) in responses {
                    if !status.starts_with('2') {
                        continue;
                    }
                    for (ct, media) in r["content"].as_object().into_iter().flatten() {
                        let schema = &media["schema"];
                        let bare = |s: &serde_json::Value| {
                            s.get("$ref").is_none()
                                && s.get("properties").is_none()
                                && s["type"] == "object"
                        };
                        if bare(schema) || (schema["type"] == "array" && bare(&schema["items"])) {
                            untyped.push(format!("{method} {path} {status} {ct}"));
                        }
                    }
                }
            }
        }
    }
    assert!(untyped.is_empty(), "untyped 2xx bodies: {untyped:#?}");
}

#[test]
fn openapi_document_is_locked() {
    insta::assert_snapshot!("openapi", guomen_server::app::openapi_text());
}

/// The national centre's document (`guomen centre`): its own routes and those it shares.
#[test]
fn centre_openapi_document_is_locked() {
    insta::assert_snapshot!("centre_openapi", guomen_server::national::openapi_text());
}

#[test]
fn the_centre_access_table_and_its_openapi_document_list_the_same_api_routes() {
    let doc = serde_json::to_value(guomen_server::national::openapi()).unwrap();
    let mut documented = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    documented.sort();
    let mut table: Vec<String> = guomen_server::national::NATIONAL_ACCESS
        .iter()
        .map(|(m, p, _)| format!("{m} {p}"))
        .chain(
            [
                "GET /healthz",
                "GET /readyz",
                "POST /auth/login",
                "POST /auth/logout",
            ]
            .map(String::from),
        )
        .collect();
    table.sort();
    assert_eq!(documented, table);
}

#[tokio::test]
async fn duty_log_entries_are_durable_and_listed_newest_first() {
    let app = TestApp::new().await;
    let chief = app.user("chief", Role::DutyChief).await;
    let a = app
        .post(
            "/api/v1/duty-log",
            &chief,
            json!({"text": "K3 arrived 09:12, 212 passengers"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    assert!(a.json["seq"].as_u64().unwrap() > 0);
    assert!(a.json["id"].is_string());
    let b = app
        .post(
            "/api/v1/duty-log",
            &chief,
            json!({"text": "fence N-3 maintenance"}),
        )
        .await;
    assert!(b.json["seq"].as_u64() > a.json["seq"].as_u64());
    let list = app.get("/api/v1/duty-log", &chief).await;
    assert_eq!(list.status, StatusCode::OK);
    let texts: Vec<&str> = list
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["fence N-3 maintenance", "K3 arrived 09:12, 212 passengers"]
    );
    assert_eq!(list.json[0]["author"], "chief");
    let page = app
        .get(
            &format!("/api/v1/duty-log?before={}", b.json["seq"]),
            &chief,
        )
        .await;
    assert_eq!(page.json.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_input_gets_the_error_envelope() {
    let app = TestApp::new().await;
    let chief = app.user("chief", Role::DutyChief).await;
    let empty = app
        .post("/api/v1/duty-log", &chief, json!({"text": "   "}))
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        empty.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("text")
    );
    let wrong_type = app
        .post("/api/v1/duty-log", &chief, json!({"text": 5}))
        .await;
    assert_eq!(wrong_type.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong_type.json["error"]["code"], "invalid_body");
    let unknown_field = app
        .post("/api/v1/duty-log", &chief, json!({"text": "x", "extra": 1}))
        .await;
    assert_eq!(unknown_field.status, StatusCode::UNPROCESSABLE_ENTITY);

    let raw = |body: Body, ct: Option<&str>| {
        let mut r = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/duty-log")
            .header(header::AUTHORIZATION, format!("Bearer {chief}"));
        if let Some(ct) = ct {
            r = r.header(header::CONTENT_TYPE, ct);
        }
        r.body(body).unwrap()
    };
    let malformed = app
        .send(raw(Body::from("{\"text\": "), Some("application/json")))
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.json["error"]["code"], "malformed_json");
    let no_ct = app.send(raw(Body::from("{\"text\":\"x\"}"), None)).await;
    assert_eq!(no_ct.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(no_ct.json["error"]["code"], "expected_json");
    let huge = format!("{{\"text\": \"{}\"}}", "a".repeat(2 * 1024 * 1024));
    let too_big = app
        .send(raw(Body::from(huge), Some("application/json")))
        .await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(too_big.json["error"]["code"], "body_too_large");

    let missing = app.get("/api/v1/nothing-here", &chief).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json["error"]["code"], "not_found");
    let wrong_method = app
        .request(Method::DELETE, "/api/v1/duty-log", Some(&chief), None)
        .await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.json["error"]["code"], "method_not_allowed");
    let bad_query = app.get("/api/v1/duty-log?limit=many", &chief).await;
    assert_eq!(bad_query.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_query.json["error"]["code"], "invalid_query");
}

#[tokio::test]
async fn unknown_and_revoked_tokens_are_refused() {
    let app = TestApp::new().await;
    let admin = app.user("admin", Role::Admin).await;
    let bogus = app.get("/api/v1/me", "gmn_not-a-real-token").await;
    assert_eq!(bogus.status, StatusCode::UNAUTHORIZED);
    let created = app
        .post(
            "/api/v1/users",
            &admin,
            json!({"name": "gate-07", "role": "device"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let device = created.json["token"].as_str().unwrap().to_owned();
    let uid = created.json["user"]["id"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/v1/me", &device).await.json["role"], "device");
    let issued = app
        .post(
            &format!("/api/v1/users/{uid}/tokens"),
            &admin,
            json!({"label": "spare"}),
        )
        .await;
    assert_eq!(issued.status, StatusCode::CREATED);
    let spare = issued.json["token"].as_str().unwrap().to_owned();
    let tid = issued.json["id"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/v1/me", &spare).await.status, StatusCode::OK);
    let revoked = app
        .request(
            Method::DELETE,
            &format!("/api/v1/tokens/{tid}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/me", &spare).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.get("/api/v1/me", &device).await.status, StatusCode::OK);
    let dup = app
        .post(
            "/api/v1/users",
            &admin,
            json!({"name": "gate-07", "role": "device"}),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
}

fn login_request(body: &str, form: bool) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri("/auth/login")
        .header(
            header::CONTENT_TYPE,
            if form {
                "application/x-www-form-urlencoded"
            } else {
                "application/json"
            },
        )
        .body(Body::from(body.to_owned()))
        .unwrap()
}

#[tokio::test]
async fn login_sets_a_secure_session_and_failures_are_journaled_and_slowed() {
    let app = TestApp::new().await;
    let admin = app.user("admin", Role::Admin).await;
    app.user("insp", Role::Inspector).await;
    let ok = app
        .send(login_request("username=insp&password=password-insp", true))
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(ok.json["home"], "/counter");
    let cookie = ok.headers[header::SET_COOKIE].to_str().unwrap().to_owned();
    for attr in ["HttpOnly", "Secure", "SameSite=Strict"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    let session = cookie.split(';').next().unwrap().to_owned();
    let me = app
        .send(
            Request::builder()
                .uri("/api/v1/me")
                .header(header::COOKIE, &session)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(me.json["name"], "insp");

    for _ in 0..3 {
        let bad = app
            .send(login_request(
                r#"{"username":"insp","password":"nope-nope"}"#,
                false,
            ))
            .await;
        assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    }
    let slowed = app
        .send(login_request(
            r#"{"username":"insp","password":"password-insp"}"#,
            false,
        ))
        .await;
    assert_eq!(slowed.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(slowed.headers.contains_key(header::RETRY_AFTER));

    let journal = app.get("/api/v1/journal?limit=1000", &admin).await;
    let kinds: Vec<&str> = journal.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"auth.login_succeeded"));
    // Journaled per user and minute: the first at once, the rest of the minute summed.
    assert!(kinds.contains(&"auth.login_failed"));
    app.state.station.flush_failed_logins(true).await.unwrap();
    let journal = app.get("/api/v1/journal?limit=1000", &admin).await;
    let failed: Vec<&serde_json::Value> = journal.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "auth.login_failed")
        .collect();
    assert!(failed.len() <= 3, "{failed:?}");
    let attempts: u64 = failed
        .iter()
        .map(|e| e["payload"]["attempts"].as_u64().unwrap())
        .sum();
    // Three wrong passwords and the throttled fourth attempt.
    assert_eq!(attempts, 4);

    let logout = app
        .send(
            Request::builder()
                .method(Method::POST)
                .uri("/auth/logout")
                .header(header::COOKIE, &session)
                .header("sec-fetch-site", "same-origin")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    let after = app
        .send(
            Request::builder()
                .uri("/api/v1/me")
                .header(header::COOKIE, &session)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn role_changes_are_journaled_and_personal_data_is_redacted_for_analysts() {
    let app = TestApp::new().await;
    let admin = app.user("admin", Role::Admin).await;
    let analyst = app.user("analyst", Role::Analyst).await;
    let created = app
        .post(
            "/api/v1/users",
            &admin,
            json!({"name": "li.wei", "role": "inspector", "password": "long-enough-pw"}),
        )
        .await;
    let uid = created.json["user"]["id"].as_str().unwrap().to_owned();
    let changed = app
        .request(
            Method::PUT,
            &format!("/api/v1/users/{uid}/role"),
            Some(&admin),
            Some(json!({"role": "duty_chief"})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_eq!(changed.json["role"], "duty_chief");

    let as_admin = app.get("/api/v1/journal?limit=1000", &admin).await;
    let ev = as_admin.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "user.role_changed")
        .unwrap()
        .clone();
    assert_eq!(ev["payload"]["from"], "inspector");
    assert_eq!(ev["payload"]["to"], "duty_chief");
    assert_eq!(ev["payload"]["name"], "li.wei");
    assert_eq!(ev["actor"], "user:admin");
    let as_analyst = app.get("/api/v1/journal?limit=1000", &analyst).await;
    let ev = as_analyst.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "user.role_changed")
        .unwrap()
        .clone();
    // Accounts are the administrator's business: the analyst's journal keeps the chain
    // fields of the row and no payload at all.
    assert!(ev["payload"].is_null(), "{ev}");
    assert!(ev["hash"].is_string());
    // The journal never carries secrets.
    assert!(!as_admin.text.contains("argon2"));
    let page = app.get("/api/v1/journal?after=1&limit=2", &admin).await;
    assert_eq!(page.json["events"][0]["seq"], 2);
    assert_eq!(page.json["next_after"], 3);
}

#[tokio::test]
async fn probes_and_metrics_answer_without_credentials() {
    let app = TestApp::new().await;
    let h = app.request(Method::GET, "/healthz", None, None).await;
    assert_eq!(h.status, StatusCode::OK);
    let r = app.request(Method::GET, "/readyz", None, None).await;
    assert_eq!(r.json["store"], "sqlite");
    let chief = app.user("chief", Role::DutyChief).await;
    app.post("/api/v1/duty-log", &chief, json!({"text": "x"}))
        .await;
    let m = app.request(Method::GET, "/metrics", None, None).await;
    assert!(m.text.contains("guomen_http_requests_total{route=\"/api/v1/duty-log\",method=\"POST\",status=\"201\"} 1"), "{}", m.text);
    assert!(m.text.contains("guomen_journal_append_seconds_count"));
    let port = app.get("/api/v1/port", &chief).await;
    for key in [
        "sites",
        "duty_points",
        "lanes",
        "zones",
        "border_line",
        "boundary_markers",
        "sensors",
        "units",
        "links",
    ] {
        assert!(
            !port.json[key].is_null(),
            "port JSON lacks {key}: {}",
            port.text
        );
    }
}

#[tokio::test]
async fn a_body_that_never_finishes_times_out_with_the_envelope() {
    let app =
        TestApp::configured(|c| c.request_timeout = std::time::Duration::from_millis(300)).await;
    let chief = app.user("chief", Role::DutyChief).await;
    let trickle = futures::stream::once(async {
        Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"{\"text\": \"sl"))
    })
    .chain(futures::stream::pending());
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/duty-log")
        .header(header::AUTHORIZATION, format!("Bearer {chief}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(trickle))
        .unwrap();
    let resp = app.send(req).await;
    assert_eq!(resp.status, StatusCode::REQUEST_TIMEOUT);
    assert_eq!(resp.json["error"]["code"], "timeout");
    // Nothing half-written was acknowledged or stored.
    assert!(
        app.get("/api/v1/duty-log", &chief)
            .await
            .json
            .as_array()
            .unwrap()
            .is_empty()
    );
}

/// The command centre listens for exactly the stream kinds the signed-in role may receive,
/// as the registry lists them: the page carries the list, the script names no kind.
#[tokio::test]
async fn the_command_page_carries_the_registrys_stream_kinds_for_the_role() {
    let app = TestApp::new().await;
    for role in [Role::Admin, Role::DutyChief, Role::Analyst] {
        let name = format!("k-{}", role.as_str().replace('_', "-"));
        app.user(&name, role).await;
        let ok = app
            .send(login_request(
                &format!("username={name}&password=password-{name}"),
                true,
            ))
            .await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
        let session = ok.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let page = app
            .send(
                Request::builder()
                    .uri("/command")
                    .header(header::COOKIE, &session)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{role}");
        let attr = "data-stream-kinds=\"";
        let start = page.text.find(attr).expect("the page lists its kinds") + attr.len();
        let end = start + page.text[start..].find('"').unwrap();
        let raw = page.text[start..end].replace("&quot;", "\"");
        let listed: Vec<String> = serde_json::from_str(&raw).unwrap();
        let expected: Vec<String> = guomen_station::event::kinds_seen_by(role.into())
            .into_iter()
            .map(|k| k.as_str().to_owned())
            .collect();
        assert!(!expected.is_empty());
        assert_eq!(listed, expected, "{role}");
    }
}
