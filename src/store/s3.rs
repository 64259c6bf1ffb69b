//! The S3 store (AWS S3 or any S3-compatible server: MinIO, Ceph, moto). Read-modify-writes read
//! the object with its ETag and write it back with `If-Match` (or `If-None-Match: *` when it does
//! not exist yet); a 412 or 409 means someone wrote in between, so it reads and decides again.

use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use s3::creds::Credentials;
use s3::error::S3Error;
use s3::{Bucket, Region};

use super::{check_key, Change, Listed, Store};
use crate::exit::UsageError;

/// How often a conditional write is tried before giving up.
const MAX_ATTEMPTS: u32 = 40;

/// Per-request timeout, so a silent endpoint cannot hang a command.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// S3 settings from the standard `AWS_*` variables.
#[derive(Clone)]
pub struct S3Settings {
    pub region: String,
    /// A custom endpoint (`AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`): path-style addressing.
    pub endpoint: Option<String>,
    credentials: Credentials,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("credentials", &"(redacted)")
            .finish()
    }
}

impl S3Settings {
    pub fn from_env() -> Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let region = var("AWS_REGION")
            .or_else(|| var("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|| "us-east-1".to_owned());
        let endpoint = var("AWS_ENDPOINT_URL_S3").or_else(|| var("AWS_ENDPOINT_URL"));
        if let Some(url) = &endpoint {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(UsageError::new(format!(
                    "AWS_ENDPOINT_URL {url:?} is not an http:// or https:// URL"
                ))
                .into());
            }
        }
        let credentials = Credentials::default().map_err(|_| {
            UsageError::new(
                "no AWS credentials for the S3 store: set AWS_ACCESS_KEY_ID and \
                 AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials), or \
                 configure a profile",
            )
        })?;
        Ok(S3Settings {
            region,
            endpoint,
            credentials,
        })
    }
}

/// A store in an S3 bucket, under an optional prefix.
#[derive(Debug)]
pub struct S3Store {
    bucket: Box<Bucket>,
    name: String,
    prefix: String,
    /// The endpoint, for messages.
    endpoint: String,
}

impl S3Store {
    pub fn new(bucket: &str, prefix: &str, settings: &S3Settings) -> Result<Self> {
        let region = match &settings.endpoint {
            Some(endpoint) => Region::Custom {
                region: settings.region.clone(),
                endpoint: endpoint.trim_end_matches('/').to_owned(),
            },
            None => settings.region.parse().map_err(|_| {
                UsageError::new(format!(
                    "AWS_REGION {:?} is not an AWS region",
                    settings.region
                ))
            })?,
        };
        let mut handle = Bucket::new(bucket, region, settings.credentials.clone())
            .map_err(|e| anyhow!("opening bucket {bucket}: {e}"))?;
        if settings.endpoint.is_some() {
            handle = handle.with_path_style();
        }
        handle.set_request_timeout(Some(REQUEST_TIMEOUT));
        let endpoint = match &settings.endpoint {
            Some(url) => url.clone(),
            None => format!("S3 in {}", settings.region),
        };
        Ok(S3Store {
            bucket: handle,
            name: bucket.to_owned(),
            prefix: prefix.to_owned(),
            endpoint,
        })
    }

    fn object(&self, key: &str) -> Result<String> {
        check_key(key)?;
        Ok(if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}/{key}", self.prefix)
        })
    }

    fn fail(&self, action: &str, key: &str, err: S3Error) -> anyhow::Error {
        anyhow!(
            "{action} {}: {}",
            self.location(key),
            describe(err, &self.endpoint)
        )
    }

    /// The object's bytes and ETag, or `None` when it does not exist.
    fn get_with_etag(&self, key: &str) -> Result<Option<(Vec<u8>, Option<String>)>> {
        let object = self.object(key)?;
        match self.bucket.get_object(&object) {
            Ok(response) => {
                let etag = response
                    .headers()
                    .into_iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case("etag"))
                    .map(|(_, value)| value);
                Ok(Some((response.bytes().to_vec(), etag)))
            }
            Err(S3Error::HttpFailWithBody(404, _)) => Ok(None),
            Err(err) => Err(self.fail("reading", key, err)),
        }
    }
}

impl Store for S3Store {
    fn location(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}/{key}", self.name)
        } else {
            format!("s3://{}/{}/{key}", self.name, self.prefix)
        }
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.get_with_etag(key)?.map(|(bytes, _)| bytes))
    }

    fn reader(&self, key: &str) -> Result<Option<Box<dyn std::io::Read + Send>>> {
        if !self.exists(key)? {
            return Ok(None);
        }
        // The body streams through a pipe from a thread that downloads it: neither side holds
        // more than the pipe's buffer.
        let (reader, mut writer) = std::io::pipe().context("opening a pipe")?;
        let bucket = self.bucket.clone();
        let object = self.object(key)?;
        let location = self.location(key);
        let endpoint = self.endpoint.clone();
        std::thread::Builder::new()
            .name("s3-read".into())
            .spawn(
                move || match bucket.get_object_to_writer(&object, &mut writer) {
                    Ok(200..=299) => {}
                    Ok(status) => log::error!("reading {location}: S3 answered {status}"),
                    // The reader sees the pipe close early and fails its parse; the cause is here.
                    Err(err) => log::error!("reading {location}: {}", describe(err, &endpoint)),
                },
            )
            .context("starting a download")?;
        Ok(Some(Box::new(std::io::BufReader::with_capacity(
            1 << 20,
            reader,
        ))))
    }

    fn get_versioned(&self, key: &str) -> Result<Option<(Vec<u8>, String)>> {
        match self.get_with_etag(key)? {
            None => Ok(None),
            Some((bytes, Some(etag))) => Ok(Some((bytes, plain_etag(&etag)))),
            Some((_, None)) => anyhow::bail!(
                "{} came back without an ETag: the S3 server must support ETags",
                self.location(key)
            ),
        }
    }

    fn list(&self, prefix: &str) -> Result<Vec<Listed>> {
        let full = if self.prefix.is_empty() {
            prefix.to_owned()
        } else {
            format!("{}/{prefix}", self.prefix)
        };
        let strip = if self.prefix.is_empty() {
            0
        } else {
            self.prefix.len() + 1
        };
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let (page, _) = self
                .bucket
                .list_page(full.clone(), None, token, None, Some(1000))
                .map_err(|err| self.fail("listing", prefix, err))?;
            for object in page.contents {
                if object.key.len() > strip {
                    out.push(Listed {
                        key: object.key[strip..].to_owned(),
                        version: plain_etag(object.e_tag.as_deref().unwrap_or_default()),
                    });
                }
            }
            match page.next_continuation_token.filter(|_| page.is_truncated) {
                Some(next) => token = Some(next),
                None => return Ok(out),
            }
        }
    }

    fn delete(&self, key: &str) -> Result<()> {
        let object = self.object(key)?;
        match self.bucket.delete_object(&object) {
            Ok(_) | Err(S3Error::HttpFailWithBody(404, _)) => Ok(()),
            Err(err) => Err(self.fail("removing", key, err)),
        }
    }

    fn exists(&self, key: &str) -> Result<bool> {
        let object = self.object(key)?;
        match self.bucket.head_object(&object) {
            Ok((_, status)) => Ok((200..300).contains(&status)),
            Err(S3Error::HttpFailWithBody(404, _)) => Ok(false),
            Err(err) => Err(self.fail("checking", key, err)),
        }
    }

    fn version(&self, key: &str) -> Result<Option<String>> {
        let object = self.object(key)?;
        match self.bucket.head_object(&object) {
            Ok((head, status)) if (200..300).contains(&status) => {
                Ok(Some(plain_etag(&head.e_tag.unwrap_or_default())))
            }
            Ok(_) | Err(S3Error::HttpFailWithBody(404, _)) => Ok(None),
            Err(err) => Err(self.fail("checking", key, err)),
        }
    }

    fn check(&self) -> Result<()> {
        // One listing of at most one key under the prefix: it needs only s3:ListBucket, and a
        // missing bucket answers NoSuchBucket (a HEAD of a key could not tell it from a missing
        // key).
        let prefix = if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.prefix)
        };
        let store = self.location("").trim_end_matches('/').to_owned();
        match self.bucket.list_page(prefix, None, None, None, Some(1)) {
            Ok(_) => Ok(()),
            Err(S3Error::HttpFailWithBody(status, body)) => {
                let what = describe(
                    S3Error::HttpFailWithBody(status, body.clone()),
                    &self.endpoint,
                );
                let message = if body.contains("NoSuchBucket") {
                    format!(
                        "the store {store} does not exist: there is no bucket {} at {}; check \
                         --store (STATUSINATOR_STORE), or create the bucket",
                        self.name, self.endpoint
                    )
                } else {
                    format!("cannot open the store {store}: {what}")
                };
                Err(UsageError::new(message).into())
            }
            Err(err) => Err(anyhow!(
                "opening the store {store}: {}",
                describe(err, &self.endpoint)
            )),
        }
    }

    fn put(&self, key: &str, bytes: &[u8], content_type: &str) -> Result<()> {
        let object = self.object(key)?;
        self.bucket
            .put_object_with_content_type(&object, bytes, content_type)
            .map_err(|err| self.fail("writing", key, err))?;
        Ok(())
    }

    fn update(&self, key: &str, content_type: &str, change: &mut Change<'_>) -> Result<bool> {
        let object = self.object(key)?;
        for attempt in 0..MAX_ATTEMPTS {
            let current = self.get_with_etag(key)?;
            let (bytes, etag) = match &current {
                Some((bytes, etag)) => (Some(bytes.as_slice()), etag.clone()),
                None => (None, None),
            };
            let Some(new) = change(bytes)? else {
                return Ok(false);
            };
            let mut headers = http::HeaderMap::new();
            match (&current, etag) {
                (Some(_), Some(etag)) => {
                    headers.insert(http::header::IF_MATCH, etag.parse()?);
                }
                (Some(_), None) => {
                    anyhow::bail!(
                        "{} came back without an ETag, so it cannot be updated safely: the S3 \
                         server must support ETags and conditional writes",
                        self.location(key)
                    )
                }
                (None, _) => {
                    headers.insert(http::header::IF_NONE_MATCH, "*".parse()?);
                }
            }
            match self.bucket.put_object_with_content_type_and_headers(
                &object,
                &new,
                content_type,
                Some(headers),
            ) {
                Ok(_) => return Ok(true),
                Err(S3Error::HttpFailWithBody(412 | 409, _)) => {
                    log::debug!(
                        "{} changed while it was being updated (attempt {}); reading it again",
                        self.location(key),
                        attempt + 1
                    );
                    let ceiling = 20u64 << attempt.min(5);
                    std::thread::sleep(Duration::from_millis(fastrand::u64(5..=ceiling)));
                }
                Err(err) => return Err(self.fail("writing", key, err)),
            }
        }
        Err(anyhow!(
            "{}: gave up after {MAX_ATTEMPTS} attempts because other writers kept changing it; \
             try again",
            self.location(key)
        ))
    }
}

/// An ETag without its quotes, as a version: LIST, HEAD and GET agree on it then.
fn plain_etag(etag: &str) -> String {
    etag.trim().trim_matches('"').to_owned()
}

/// An S3 error as a person can act on it: the status, S3's code and message, and a hint.
fn describe(err: S3Error, endpoint: &str) -> String {
    match err {
        S3Error::HttpFailWithBody(status, body) => {
            let tag = |name: &str| {
                let open = format!("<{name}>");
                let start = body.find(&open)? + open.len();
                let end = body[start..].find(&format!("</{name}>"))? + start;
                Some(body[start..end].to_owned())
            };
            let code = tag("Code").unwrap_or_else(|| "error".to_owned());
            let message = tag("Message").unwrap_or_default();
            let hint = match (status, code.as_str()) {
                (_, "NoSuchBucket") => "; create the bucket or fix --store",
                (403, _) | (_, "InvalidAccessKeyId") | (_, "SignatureDoesNotMatch") => {
                    "; check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the bucket's policy"
                }
                (301, _) | (_, "PermanentRedirect") => "; set AWS_REGION to the bucket's region",
                _ => "",
            };
            format!("S3 answered {status} {code} {message}{hint}")
                .replace("  ", " ")
                .trim()
                .to_owned()
        }
        S3Error::Atto(err) => unreachable(endpoint, &err),
        S3Error::Io(err) => unreachable(endpoint, &err),
        other => other.to_string(),
    }
}

fn unreachable(endpoint: &str, err: &dyn std::fmt::Display) -> String {
    format!("cannot reach {endpoint} ({err}); check AWS_ENDPOINT_URL, AWS_REGION and the network")
}
