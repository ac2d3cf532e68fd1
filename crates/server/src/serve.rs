//! Running a station: open the store, load the port, serve until asked to stop, then finish
//! in-flight writes before the store closes.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use guomen_station::{Clock, Station, SystemClock};
use guomen_store::Store;

use crate::config::{ServeConfig, open_store};
use crate::state::AppState;

pub fn load_port(cfg: &ServeConfig) -> anyhow::Result<guomen_port::Port> {
    match &cfg.port_config {
        None => Ok(guomen_port::erenhot()),
        Some(path) => guomen_port::load_file(path).map_err(|errors| {
            let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            anyhow::anyhow!(
                "port file {} is invalid:\n  {}",
                path.display(),
                list.join("\n  ")
            )
        }),
    }
}

/// A started station: its address and a handle to wait for it to stop.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    pub task: tokio::task::JoinHandle<anyhow::Result<()>>,
    /// Where the protocol edges (JT/T 808, NMEA, embedded MQTT) listen.
    pub edges: crate::edges::EdgeAddrs,
}

/// Binds the listener and serves in the background until `shutdown` completes.
pub async fn start(
    cfg: ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<Running> {
    start_on(cfg, Arc::new(SystemClock), shutdown).await
}

/// [`start`] on a given station clock (`guomen demo` runs on a simulated one).
pub async fn start_on(
    cfg: ServeConfig,
    clock: Arc<dyn Clock>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<Running> {
    cfg.check_transport()?;
    let tls = match &cfg.tls {
        Some(t) => Some(crate::tls::acceptor(&t.cert, &t.key)?),
        None => None,
    };
    let port = load_port(&cfg)?;
    Station::check_port(&port)
        .map_err(|e| anyhow::anyhow!("the port's zones cannot be indexed: {e}"))?;
    let store: Arc<dyn Store> = open_store(&cfg.store)
        .await
        .with_context(|| format!("cannot open the store at {}", cfg.store))?;
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.listen))?;
    let addr = listener.local_addr()?;
    let station = Station::new(store, port, clock);
    station
        .record_start(&addr.to_string())
        .await
        .context("cannot write to the journal")?;
    station
        .start()
        .await
        .context("cannot load the watchlists and rebuild the command state from the journal")?;
    let anchors = match &cfg.anchors {
        Some(a) => Some((
            guomen_station::anchor::load_or_create_key(&a.key)?,
            a.dir.clone(),
            a.every,
        )),
        None => None,
    };
    let state = AppState::new(station, cfg);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    if let Some((key, dir, every)) = anchors {
        tokio::spawn(write_anchors(
            state.station.clone(),
            key,
            dir,
            every,
            stop_rx.clone(),
        ));
    }
    if let Some(replicate) = state.config.replicate.clone() {
        tokio::spawn(guomen_replicate::run(
            state.station.clone(),
            replicate,
            stop_rx.clone(),
        ));
    }
    let edges = crate::edges::start(&state, stop_rx.clone()).await?;
    let st = state.clone();
    tokio::spawn(async move {
        shutdown.await;
        // Streams first, so the connections carrying them can close; then the listeners.
        st.begin_stop();
        let _ = stop_tx.send(true);
    });
    let app = crate::app::router(state.clone());
    let opts = crate::http::HttpOptions {
        limiter: crate::limits::ConnLimiter::new(
            "http",
            state.config.max_connections,
            state.config.max_connections_per_ip,
        ),
        header_read_timeout: state.config.header_read_timeout,
        tls,
        drain: std::time::Duration::from_secs(crate::config::SHUTDOWN_DRAIN_S),
        metrics: Some(state.station.clone()),
    };
    let st = state.clone();
    let task = tokio::spawn(async move {
        crate::http::serve(listener, app, opts, stop_rx).await;
        // In-flight requests have finished (or were given up on after the drain): record
        // the stop, then let queued writes drain.
        st.station.stop().await;
        Ok(())
    });
    Ok(Running {
        addr,
        state,
        task,
        edges,
    })
}

/// Signs the journal head into `dir` at start, every `every`, and once more at shutdown, so
/// the last anchor is never older than the period. Anchors are on wall time: they attest
/// moments, not the port's day.
async fn write_anchors(
    station: Station,
    key: ed25519_dalek::SigningKey,
    dir: std::path::PathBuf,
    every: std::time::Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(every);
    loop {
        let stopping = tokio::select! {
            _ = tick.tick() => false,
            _ = stop.wait_for(|s| *s) => true,
        };
        match station.anchor(&key).await {
            Ok(Some(a)) => match guomen_station::anchor::write_to_dir(&dir, &a) {
                Ok(path) => tracing::info!(seq = a.seq, path = %path.display(), "journal anchored"),
                Err(e) => tracing::warn!(error = %e, "cannot write the journal anchor"),
            },
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "cannot anchor the journal"),
        }
        if stopping {
            return;
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
