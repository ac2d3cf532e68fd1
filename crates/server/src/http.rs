//! The HTTP(S) accept loop. `axum::serve` has no connection caps, no header-read timeout and
//! no TLS, so the station runs its own loop on hyper-util: every connection takes a slot
//! from [`ConnLimiter`] (refused past the global or the per-address cap), optionally goes
//! through a rustls handshake (bounded by the same timeout), and is served by hyper's HTTP/1
//! with a header-read timeout, so an idle or slow-header connection cannot hold its slot.
//! Shutdown stops accepting, asks every connection to finish, and gives up after `drain`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt as _;

use crate::limits::ConnLimiter;

/// What the loop needs besides the router.
#[derive(Clone)]
pub struct HttpOptions {
    pub limiter: Arc<ConnLimiter>,
    pub header_read_timeout: Duration,
    pub tls: Option<TlsAcceptor>,
    /// How long shutdown waits for open connections before dropping them.
    pub drain: Duration,
    pub metrics: Option<guomen_station::Station>,
}

/// Serves `app` on `listener` until `stop` turns true, then drains.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    opts: HttpOptions,
    mut stop: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = stopped(&mut stop) => break,
        };
        let (tcp, peer) = match accepted {
            Ok(x) => x,
            Err(e) => {
                // Out of descriptors or a reset before accept: wait a little rather than
                // spin, and keep serving the connections already open.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let slot = match opts.limiter.try_acquire(peer.ip()) {
            Ok(s) => s,
            Err(why) => {
                if let Some(st) = &opts.metrics {
                    st.metrics().count("connections_refused", why.label());
                }
                tracing::debug!(%peer, reason = why.label(), "connection refused");
                drop(tcp);
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let watcher = graceful.watcher();
        let app = app.clone();
        let opts2 = opts.clone();
        tokio::spawn(async move {
            match &opts2.tls {
                None => serve_conn(tcp, peer, app, &opts2, watcher).await,
                Some(acceptor) => {
                    match tokio::time::timeout(opts2.header_read_timeout, acceptor.accept(tcp))
                        .await
                    {
                        Ok(Ok(tls)) => serve_conn(tls, peer, app, &opts2, watcher).await,
                        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                }
            }
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(opts.drain) => {
            tracing::warn!("connections still open after {:?}; closing them", opts.drain);
        }
    }
}

async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

async fn serve_conn<I>(
    io: I,
    peer: SocketAddr,
    app: Router,
    opts: &HttpOptions,
    watcher: hyper_util::server::graceful::Watcher,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let svc = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        let app = app.clone();
        async move { Ok::<_, Infallible>(app.oneshot(req).await.unwrap_or_else(|e| match e {})) }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(opts.header_read_timeout)
        // Bounds what one connection may buffer for a request head.
        .max_buf_size(64 * 1024);
    // No upgrades: the station speaks no WebSocket; streams are Server-Sent Events.
    let conn = builder.serve_connection(TokioIo::new(io), svc);
    if let Err(e) = watcher.watch(conn).await {
        tracing::debug!(%peer, error = %e, "connection ended with an error");
    }
}
