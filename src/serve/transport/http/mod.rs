//! The HTTP side: hyper on a small tokio runtime. Every request is answered from memory; slow or
//! silent clients are cut off by timeouts and never hold a thread, and no address can hold every
//! connection (see [`super::connections`]): a fresh client, Slack included, always gets in.
//!
//! The server owns the connections (written by the runtime's threads: the accept loop admits
//! and sheds, each connection's task marks itself busy or idle) and the slots for pages that
//! read the store or call Slack. Slack's requests go to the inbox; the pages to the app (see
//! `routes`).

mod client;
mod routes;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio_io_timeout::TimeoutStream;

use super::connections::Registry;
use super::connections::{Connection, SHED_GRACE};
use crate::serve::answer::Answer;
use crate::serve::app::App;
use crate::serve::inbox::Inbox;
use crate::signals::Stop;

/// A client must send a request's head within this, including between keep-alive requests.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// A client must take each part of an answer within this (one that never reads is cut off).
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// What one connection buffers at most, reading or writing.
const MAX_BUF: usize = 128 * 1024;
/// Blocking threads the HTTP runtime may use at most (pages that read the store or call Slack,
/// `POST /onboard`).
const BLOCKING_THREADS: usize = 16;
/// How often idle connections are looked at under pressure.
const SHED_EVERY: Duration = Duration::from_millis(250);
/// Connections waiting to be accepted, in the kernel.
const BACKLOG: i32 = 4096;
/// Pages that read the store or call Slack worked at once; more wait their turn as a 503.
const PAGE_WORK: usize = 8;

/// What the server shows of the service at `/healthz` and `/metrics` (serve's health part).
pub trait Reports: Send + Sync + std::fmt::Debug {
    fn health(&self) -> Answer;
    fn metrics_text(&self) -> String;
}

/// The HTTP server: its routes, its connections and its bounded slots for slow pages.
#[derive(Debug)]
pub struct Server {
    pub(super) inbox: Arc<Inbox>,
    pub(super) app: Arc<App>,
    pub(super) reports: Arc<dyn Reports>,
    /// Every open connection, by peer (shared with `/healthz`).
    pub(super) connections: Arc<Registry>,
    /// `POST /onboard` is worked one at a time.
    pub(super) onboarding: Arc<tokio::sync::Semaphore>,
    /// Slots for the pages that read the store or call Slack (install, redirect, pictures):
    /// bounded, so a flood of them cannot take every thread.
    pub(super) page_work: Arc<tokio::sync::Semaphore>,
    /// The TLS proxies whose `X-Forwarded-For` names the client.
    pub(super) trusted_proxies: Vec<ipnet::IpNet>,
}

/// Binds the listening socket, with room in the kernel's backlog for a burst of connections.
pub fn bind(address: std::net::SocketAddr) -> std::io::Result<std::net::TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(
        Domain::for_address(address),
        Type::STREAM,
        Some(Protocol::TCP),
    )?;
    socket.set_reuse_address(true)?;
    socket.bind(&address.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

impl Server {
    pub fn new(
        inbox: Arc<Inbox>,
        app: Arc<App>,
        reports: Arc<dyn Reports>,
        connections: Arc<Registry>,
        trusted_proxies: Vec<ipnet::IpNet>,
    ) -> Arc<Server> {
        Arc::new(Server {
            inbox,
            app,
            reports,
            connections,
            trusted_proxies,
            onboarding: Arc::new(tokio::sync::Semaphore::new(1)),
            page_work: Arc::new(tokio::sync::Semaphore::new(PAGE_WORK)),
        })
    }

    /// Serves until `stop` is raised, then stops accepting and returns.
    pub fn serve(self: Arc<Self>, listener: std::net::TcpListener, stop: &Stop) -> Result<()> {
        serve(self, listener, stop)
    }
}

fn serve(server: Arc<Server>, listener: std::net::TcpListener, stop: &Stop) -> Result<()> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 8);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .max_blocking_threads(BLOCKING_THREADS)
        .thread_name("http")
        .enable_all()
        .build()
        .context("starting the HTTP runtime")?;
    listener
        .set_nonblocking(true)
        .context("setting up the listener")?;
    let stop = stop.clone();
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let mut tick = tokio::time::interval(SHED_EVERY);
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(accepted) => accepted,
                        Err(err) => {
                            // Out of file descriptors, most likely: shed what is idle.
                            log::warn!("accepting a connection failed: {err}");
                            server.connections.shed_idle();
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    // Room is made for it, or (every slot busy answering) it is closed.
                    let Some(connection) = server.connections.admit(peer.ip()) else {
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(serve_connection(server.clone(), stream, connection));
                }
                _ = tick.tick() => {
                    if stop.requested() {
                        break;
                    }
                    server.connections.shed_idle();
                }
            }
        }
        anyhow::Ok(())
    })?;
    // Requests being answered finish; idle keep-alive connections are closed.
    runtime.shutdown_timeout(Duration::from_secs(1));
    Ok(())
}

/// Serves one connection until it closes, is shed, or breaks a timeout.
async fn serve_connection(
    server: Arc<Server>,
    stream: tokio::net::TcpStream,
    connection: Arc<Connection>,
) {
    let mut io = TimeoutStream::new(stream);
    io.set_write_timeout(Some(WRITE_TIMEOUT));
    let state = connection.clone();
    let answering = server.clone();
    let http = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        // Bounds what one connection buffers, either way (a request head; an answer's slices).
        .max_buf_size(MAX_BUF)
        .keep_alive(true)
        .serve_connection(
            TokioIo::new(Box::pin(io)),
            hyper::service::service_fn(move |request| {
                let (state, server) = (state.clone(), answering.clone());
                async move {
                    state.begin();
                    let answer = routes::handle(&server, request, state.peer()).await;
                    state.end(server.connections.now_ms());
                    answer
                }
            }),
        );
    tokio::pin!(http);
    tokio::select! {
        result = http.as_mut() => {
            if let Err(err) = result {
                log::trace!("a connection ended: {err}");
            }
        }
        _ = connection.shed.notified() => {
            // Close once the answer being written is out; a client that does not read it
            // is not waited for.
            http.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(SHED_GRACE, http.as_mut()).await;
        }
    }
    server.connections.closed(&connection);
}
