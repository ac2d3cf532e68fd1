//! `TestApp`: the whole application driven in-process, without a socket, over a store in a
//! temporary directory (or any store a test hands in). Used by this crate's tests and the
//! binary's.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use guomen_domain::Role;
use guomen_store::Store;
use serde_json::Value;
use tower::ServiceExt as _;

use crate::config::ServeConfig;
use crate::state::AppState;

/// A station clock a test moves by hand.
#[derive(Debug)]
pub struct HandClock(std::sync::Mutex<chrono::DateTime<chrono::Utc>>);

impl HandClock {
    pub fn new(t: chrono::DateTime<chrono::Utc>) -> HandClock {
        HandClock(std::sync::Mutex::new(t))
    }

    pub fn set(&self, t: chrono::DateTime<chrono::Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = t;
    }
}

impl guomen_station::Clock for HandClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn speed(&self) -> f64 {
        1.0
    }
}

pub struct TestApp {
    pub state: AppState,
    /// The store under the station, for tests that check what was journaled.
    pub store: Arc<dyn Store>,
    router: Router,
    _dir: Option<tempfile::TempDir>,
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    /// The body as JSON, `Null` when it is not JSON.
    pub json: Value,
}

impl TestApp {
    /// A station over SQLite in a fresh temporary directory, with the built-in port.
    pub async fn new() -> TestApp {
        let dir = tempfile::tempdir().expect("temporary directory");
        let cfg = ServeConfig::for_dir(dir.path());
        let store = crate::config::open_store(&cfg.store)
            .await
            .expect("store opens in a fresh directory");
        let mut app = TestApp::with_store(store, cfg);
        app._dir = Some(dir);
        app
    }

    /// Like [`TestApp::new`], with the configuration adjusted first (timeouts, limits).
    pub async fn configured(adjust: impl FnOnce(&mut ServeConfig)) -> TestApp {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut cfg = ServeConfig::for_dir(dir.path());
        adjust(&mut cfg);
        let store = crate::config::open_store(&cfg.store)
            .await
            .expect("store opens in a fresh directory");
        let mut app = TestApp::with_store(store, cfg);
        app._dir = Some(dir);
        app
    }

    pub fn with_store(store: Arc<dyn Store>, cfg: ServeConfig) -> TestApp {
        Self::with_store_on(store, cfg, Arc::new(guomen_station::SystemClock))
    }

    /// Like [`TestApp::with_store`], on a given station clock.
    pub fn with_store_on(
        store: Arc<dyn Store>,
        cfg: ServeConfig,
        clock: Arc<dyn guomen_station::Clock>,
    ) -> TestApp {
        let station = guomen_station::Station::new(store.clone(), guomen_port::erenhot(), clock);
        // Handlers wait for the replay and the watchlist load.
        station.start_in_background();
        let state = AppState::new(station, cfg);
        let router = crate::app::router(state.clone());
        TestApp {
            state,
            store,
            router,
            _dir: None,
        }
    }

    /// Creates a user with password `password-NAME` and returns their API token. A partner
    /// belongs to the military border unit, a carrier to the organisation `test carrier`,
    /// and a device speaks for everything (`*`); see [`TestApp::device`] for a narrower one.
    pub async fn user(&self, name: &str, role: Role) -> String {
        let scopes = if role == Role::Device { "*" } else { "" };
        self.user_with(name, role, scopes).await
    }

    /// Creates a device user whose scopes are `scopes` (`sensor:F-07,unit:rrt-1`, `*`...).
    pub async fn device(&self, name: &str, scopes: &str) -> String {
        self.user_with(name, Role::Device, scopes).await
    }

    async fn user_with(&self, name: &str, role: Role, scopes: &str) -> String {
        let new = guomen_station::users::NewUser {
            name: name.to_owned(),
            role,
            password: Some(format!("password-{name}")),
            agency: (role == Role::Partner).then(|| "military border unit".to_owned()),
            organisation: (role == Role::Carrier).then(|| "test carrier".to_owned()),
            scopes: scopes.parse().expect("test scopes are valid"),
            grade: None,
        };
        let (_, token) = self
            .state
            .station
            .create_user(new, "system")
            .await
            .expect("test user is created");
        token
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> TestResponse {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let body = match body {
            Some(v) => {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        self.send(req.body(body).expect("valid request")).await
    }

    /// The raw response, body unread (for streams).
    pub async fn send_raw(&self, req: Request<Body>) -> axum::response::Response {
        self.router
            .clone()
            .oneshot(req)
            .await
            .unwrap_or_else(|e| match e {})
    }

    pub async fn send(&self, req: Request<Body>) -> TestResponse {
        let resp = self.send_raw(req).await;
        let status = resp.status();
        let headers = resp.headers().clone();
        let is_stream = headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
        let bytes = if is_stream {
            // An event stream never ends: keep what arrives in a moment.
            let mut body = resp.into_body().into_data_stream();
            let mut buf = Vec::new();
            let deadline = tokio::time::Instant::now() + std::time::Duration::from_millis(100);
            while let Ok(Some(Ok(chunk))) =
                tokio::time::timeout_at(deadline, futures::StreamExt::next(&mut body)).await
            {
                buf.extend_from_slice(&chunk);
            }
            axum::body::Bytes::from(buf)
        } else {
            axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .unwrap_or_default()
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        TestResponse {
            status,
            headers,
            text,
            json,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> TestResponse {
        self.request(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> TestResponse {
        self.request(Method::POST, path, Some(token), Some(body))
            .await
    }
}
