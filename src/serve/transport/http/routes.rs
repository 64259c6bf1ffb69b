//! The routes: which part answers which request, the bodies read (bounded, in time), and the
//! answers written (in slices of one shared buffer).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};

use super::Server;
use crate::events::{RETRY_NUM_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::serve::answer::Answer;
use crate::serve::inbox::{EventRequest, Via};
use crate::serve::metrics::EventOutcome;

/// The largest body the Events URL reads.
const EVENTS_BODY_LIMIT: usize = 1024 * 1024;
/// The largest body `POST /onboard` reads: pictures come inline as `data:` URLs, and a picture
/// at its 16 MiB limit is 21.3 MiB of base64.
const ONBOARD_BODY_LIMIT: usize = 32 * 1024 * 1024;
/// A client must send a body within this.
const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// The answer when every slot for slow pages is taken.
const BUSY: &str = "busy: try again in a few seconds";

/// Runs `work` (a store read, a Slack call) on the runtime's bounded pool of blocking threads,
/// holding one of `permits`; with none free, the answer is 503 at once (Retry-After: 2). No
/// request starts a thread of its own.
async fn off_runtime(
    permits: &Arc<tokio::sync::Semaphore>,
    busy: &'static str,
    work: impl FnOnce() -> Answer + Send + 'static,
) -> Answer {
    let Ok(permit) = permits.clone().try_acquire_owned() else {
        return Answer {
            retry_after: Some(2),
            ..Answer::text(503, busy)
        };
    };
    let answer = tokio::task::spawn_blocking(move || {
        let answer = work();
        drop(permit);
        answer
    })
    .await;
    answer.unwrap_or_else(|_| Answer::text(500, "the request stopped unexpectedly"))
}

pub(super) async fn handle(
    server: &Arc<Server>,
    request: Request<Incoming>,
    peer: std::net::IpAddr,
) -> Result<Response<Chunks>, Infallible> {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let answer = match (&parts.method, parts.uri.path()) {
        (&Method::POST, "/slack/events") => {
            match read_body(body, &parts.headers, EVENTS_BODY_LIMIT).await {
                Ok(bytes) => {
                    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
                    server.inbox.event(
                        EventRequest {
                            content_type: header("content-type"),
                            timestamp: header(TIMESTAMP_HEADER),
                            signature: header(SIGNATURE_HEADER),
                            retry: parts.headers.contains_key(RETRY_NUM_HEADER),
                            body: &bytes,
                        },
                        crate::clock::unix_now(),
                        started,
                    )
                }
                Err(answer) => {
                    if answer.status == 413 {
                        server
                            .inbox
                            .record(Via::RequestUrl, EventOutcome::TooLarge, started);
                    }
                    answer
                }
            }
        }
        (&Method::GET, "/healthz") => server.reports.health(),
        (&Method::GET, "/slack/install") => {
            let query = parts.uri.query().unwrap_or_default();
            server.app.install_page(query, crate::clock::unix_now())
        }
        (&Method::GET, "/slack/oauth_redirect") => {
            // The code exchange is an app job; the answer is a page that waits for it.
            let query = parts.uri.query().unwrap_or_default();
            let cookie = cookie(&parts.headers);
            let forwarded = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok());
            let client = super::client::address(peer, forwarded, &server.trusted_proxies);
            server
                .app
                .oauth_redirect(query, cookie, crate::clock::unix_now(), client)
        }
        (&Method::GET, "/slack/connecting") => {
            let query = parts.uri.query().unwrap_or_default().to_owned();
            let cookie = cookie(&parts.headers).map(str::to_owned);
            let now = crate::clock::unix_now();
            match server
                .app
                .connecting_page(&query, cookie.as_deref(), now, false)
            {
                Some(answer) => answer,
                // The redirect went to another replica: how it ended is in the store.
                None => {
                    let app = server.app.clone();
                    off_runtime(&server.page_work, BUSY, move || {
                        app.connecting_page(&query, cookie.as_deref(), now, true)
                            .expect("the store may be read")
                    })
                    .await
                }
            }
        }
        // HEAD as GET: hyper sends the head alone, with the body's length.
        (&Method::GET | &Method::HEAD, path)
            if path.starts_with(crate::serve::app::pictures::PREFIX) =>
        {
            let path = path.to_owned();
            // A store read (unless the picture is in memory already).
            let app = server.app.clone();
            off_runtime(&server.page_work, BUSY, move || app.picture(&path)).await
        }
        (&Method::GET, "/metrics") => Answer {
            content_type: "application/openmetrics-text; version=1.0.0; charset=utf-8",
            body: server.reports.metrics_text().into_bytes().into(),
            ..Answer::empty(200)
        },
        (&Method::POST, "/onboard") => {
            let authorization = parts
                .headers
                .get(hyper::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let query = parts.uri.query().unwrap_or_default().to_owned();
            // Refuse before reading a large body when the token is wrong, and take one
            // onboard at a time: bodies are large and pictures are decoded in memory.
            if let Some(refusal) = server.app.onboard_refusal(authorization.as_deref()) {
                refusal
            } else if let Ok(permit) = server.onboarding.clone().try_acquire_owned() {
                match read_body(body, &parts.headers, ONBOARD_BODY_LIMIT).await {
                    Ok(bytes) => {
                        // Downloads and store writes block: they run off the runtime.
                        let app = server.app.clone();
                        let answer = tokio::task::spawn_blocking(move || {
                            let answer = app.onboard(authorization.as_deref(), &query, bytes);
                            drop(permit);
                            answer
                        })
                        .await;
                        answer.unwrap_or_else(|_| {
                            Answer::text(500, "onboarding stopped unexpectedly")
                        })
                    }
                    Err(answer) => answer,
                }
            } else {
                Answer {
                    retry_after: Some(5),
                    ..Answer::json(
                        429,
                        &serde_json::json!({"ok": false, "error": "another POST /onboard is \
                            being worked: send this one again in a few seconds"}),
                    )
                }
            }
        }
        (_, "/slack/events" | "/onboard") => method_not_allowed("POST"),
        (
            _,
            "/healthz"
            | "/metrics"
            | "/slack/install"
            | "/slack/oauth_redirect"
            | "/slack/connecting",
        ) => method_not_allowed("GET"),
        _ => Answer::text(
            404,
            "not found: statusinator serves POST /slack/events, GET /healthz, GET /metrics, \
             GET /slack/install, GET /slack/oauth_redirect, GET /slack/connecting, GET \
             /pictures/… and POST /onboard",
        ),
    };
    Ok(respond(answer))
}

/// The `Cookie` header, when it is text.
fn cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(hyper::header::COOKIE)
        .and_then(|v| v.to_str().ok())
}

fn method_not_allowed(allowed: &'static str) -> Answer {
    Answer::text(405, format!("use {allowed}"))
}

/// A body sent in slices of [`CHUNK`] bytes of one shared buffer: the next slice is taken only
/// once the last is written, so a client that reads slowly (or never) holds a slice of memory,
/// not a copy of the whole (a 15 MiB picture served to 100 clients is one 15 MiB buffer).
pub struct Chunks {
    bytes: Bytes,
}

/// The largest slice of a body written at once.
const CHUNK: usize = 64 * 1024;

impl hyper::body::Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Infallible>>> {
        if self.bytes.is_empty() {
            return std::task::Poll::Ready(None);
        }
        let take = self.bytes.len().min(CHUNK);
        let chunk = self.bytes.split_to(take);
        std::task::Poll::Ready(Some(Ok(hyper::body::Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.bytes.is_empty()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        hyper::body::SizeHint::with_exact(self.bytes.len() as u64)
    }
}

fn respond(answer: Answer) -> Response<Chunks> {
    let mut response = Response::new(Chunks { bytes: answer.body });
    *response.status_mut() =
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(answer.content_type));
    if answer.no_retry {
        headers.insert("x-slack-no-retry", HeaderValue::from_static("1"));
    }
    // Nothing statusinator answers is for a cache (install pages carry a fresh state), but
    // a picture, whose key is its content.
    headers.insert(
        hyper::header::CACHE_CONTROL,
        HeaderValue::from_static(if answer.immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-store"
        }),
    );
    if let Some(cookie) = answer.set_cookie.as_deref() {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            headers.insert(hyper::header::SET_COOKIE, value);
        }
    }
    if let Some(seconds) = answer.retry_after {
        headers.insert(hyper::header::RETRY_AFTER, HeaderValue::from(seconds));
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
