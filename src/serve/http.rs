//! The HTTP side: hyper on a small tokio runtime. Every request is answered from memory; slow or
//! silent clients are cut off by timeouts and never hold a thread.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::Semaphore;

use super::{Answer, EventRequest, Service};
use crate::events::{RETRY_NUM_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::signals::Stop;

/// The largest body the Events URL reads.
pub const EVENTS_BODY_LIMIT: usize = 1024 * 1024;
/// The largest body `POST /onboard` reads (pictures come inline as `data:` URLs).
pub const ONBOARD_BODY_LIMIT: usize = 64 * 1024 * 1024;
/// A client must send a request's head within this, including between keep-alive requests.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// A client must send a body within this.
const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections served at once; more wait in the listen backlog.
const MAX_CONNECTIONS: usize = 4096;

/// Serves until `stop` is raised, then stops accepting and returns.
pub fn serve(
    service: &'static Service,
    listener: std::net::TcpListener,
    stop: &Stop,
) -> Result<()> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 8);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
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
        let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(accepted) => accepted,
                        Err(err) => {
                            log::warn!("accepting a connection failed: {err}");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    let Ok(slot) = slots.clone().acquire_owned().await else { break };
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(async move {
                        let connection = hyper::server::conn::http1::Builder::new()
                            .timer(TokioTimer::new())
                            .header_read_timeout(HEADER_TIMEOUT)
                            .keep_alive(true)
                            .serve_connection(
                                TokioIo::new(stream),
                                hyper::service::service_fn(move |req| handle(service, req)),
                            );
                        if let Err(err) = connection.await {
                            log::debug!("connection from {peer}: {err}");
                        }
                        drop(slot);
                    });
                }
                _ = tick.tick() => {
                    if stop.requested() {
                        break;
                    }
                }
            }
        }
        anyhow::Ok(())
    })?;
    // Requests being answered finish; idle keep-alive connections are closed.
    runtime.shutdown_timeout(Duration::from_secs(1));
    Ok(())
}

async fn handle(
    service: &'static Service,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let answer = match (&parts.method, parts.uri.path()) {
        (&Method::POST, "/slack/events") => {
            match read_body(body, &parts.headers, EVENTS_BODY_LIMIT).await {
                Ok(bytes) => {
                    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
                    service.event(
                        EventRequest {
                            timestamp: header(TIMESTAMP_HEADER),
                            signature: header(SIGNATURE_HEADER),
                            retry: parts.headers.contains_key(RETRY_NUM_HEADER),
                            body: &bytes,
                        },
                        crate::unix_now(),
                    )
                }
                Err(answer) => {
                    if answer.status == 413 {
                        service.metrics.event(super::EventOutcome::TooLarge);
                    }
                    answer
                }
            }
        }
        (&Method::GET, "/healthz") => service.health(),
        (&Method::GET, "/metrics") => Answer {
            content_type: "application/openmetrics-text; version=1.0.0; charset=utf-8",
            body: service.metrics_text().into_bytes(),
            ..Answer::empty(200)
        },
        (&Method::POST, "/onboard") => {
            let authorization = parts
                .headers
                .get(hyper::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let query = parts.uri.query().unwrap_or_default().to_owned();
            // Refuse before reading a large body when the token is wrong.
            if let Some(refusal) = service.onboard_refusal(authorization.as_deref()) {
                refusal
            } else {
                match read_body(body, &parts.headers, ONBOARD_BODY_LIMIT).await {
                    Ok(bytes) => {
                        // Downloads and store writes block: they run off the runtime.
                        let (tx, rx) = tokio::sync::oneshot::channel();
                        std::thread::spawn(move || {
                            let _ =
                                tx.send(service.onboard(authorization.as_deref(), &query, &bytes));
                        });
                        rx.await.unwrap_or_else(|_| {
                            Answer::text(500, "onboarding stopped unexpectedly")
                        })
                    }
                    Err(answer) => answer,
                }
            }
        }
        (_, "/slack/events" | "/onboard") => method_not_allowed("POST"),
        (_, "/healthz" | "/metrics") => method_not_allowed("GET"),
        _ => Answer::text(
            404,
            "not found: statusinator serves POST /slack/events, GET /healthz, GET /metrics and \
             POST /onboard",
        ),
    };
    if parts.uri.path() == "/slack/events" {
        service.ack_took(started.elapsed());
    }
    Ok(respond(answer))
}

fn method_not_allowed(allowed: &'static str) -> Answer {
    Answer::text(405, format!("use {allowed}"))
}

fn respond(answer: Answer) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(answer.body)));
    *response.status_mut() =
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(answer.content_type));
    if answer.no_retry {
        headers.insert("x-slack-no-retry", HeaderValue::from_static("1"));
    }
    response
}

/// The whole body, at most `limit` bytes, within [`BODY_TIMEOUT`].
async fn read_body(body: Incoming, headers: &HeaderMap, limit: usize) -> Result<Bytes, Answer> {
    let too_large = || Answer::text(413, format!("the body is larger than {} KiB", limit / 1024));
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    match tokio::time::timeout(BODY_TIMEOUT, Limited::new(body, limit).collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(err)) if err.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Ok(Err(err)) => Err(Answer::text(400, format!("reading the body failed: {err}"))),
        Err(_) => Err(Answer::text(408, "the body did not arrive in time")),
    }
}
