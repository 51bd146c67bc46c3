//! The public catalog's response cache: `/categories`, `/services`, `/experts` (lists and single
//! items, with their filters) and today's `/offers`, as the exact bytes the handlers produced, with
//! a weak `ETag` so the app can revalidate with `If-None-Match` and get a body-less 304.
//!
//! Why it is never stale: the database keeps a catalog version (`cache_versions`), which triggers
//! on every catalog table raise *in the writing transaction* (migration
//! `m20261202_000013_catalog_version`). A version therefore becomes visible exactly when its data
//! does, to every instance and to every writer, including the CLI or a hand-written `UPDATE`.
//! Each cached request first reads the version; an entry filled under an older version is never
//! served. The read goes through a [`Coalescer`], so it is always made after the request arrived
//! (a write whose answer a client has seen is always visible to that client's next read, on any
//! instance), yet a busy instance makes one version query per batch rather than per request.
//!
//! No Redis is needed for this: the version commits with the data it describes, so there is no
//! window between a write and its invalidation, and no invalidation lost when an instance dies
//! between the two. Each instance keeps its own bytes; a miss costs one ordinary catalog read.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
};

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use futures_util::future::BoxFuture;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use sha2::{Digest, Sha256};

use crate::server::{coalesce::Coalescer, error::AppError, state::AppState};

/// The version row every catalog write raises.
const VERSION_SQL: &str = "SELECT version FROM cache_versions WHERE name = 'catalog'";

/// Catalog answers are small; a larger one is served but not kept.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// One cached answer.
struct Stored {
    body: Bytes,
    content_type: Option<HeaderValue>,
    etag: HeaderValue,
}

struct Entries {
    /// The catalog version every entry was filled under.
    version: i64,
    map: HashMap<String, Arc<Stored>>,
    /// The business's time zone under that version (the offers of "today" depend on it).
    timezone: Option<chrono_tz::Tz>,
}

/// Hits and misses since start, for the benchmark and the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    pub hits: u64,
    pub misses: u64,
}

#[derive(Clone)]
pub struct CatalogCache {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    version: Coalescer<(), Result<i64, String>>,
    entries: Mutex<Entries>,
    capacity: usize,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl CatalogCache {
    /// `enabled: false` serves every request from the database (for measuring the uncached path).
    pub fn new(db: DatabaseConnection, enabled: bool, capacity: usize) -> Self {
        if !enabled {
            return Self { inner: None };
        }
        let version = Coalescer::new(move |batch: Vec<()>| {
            let db = db.clone();
            Box::pin(async move {
                let version = read_version(&db).await.map_err(|e| e.to_string());
                vec![version; batch.len()]
            }) as BoxFuture<'static, Vec<Result<i64, String>>>
        });
        Self {
            inner: Some(Arc::new(Inner {
                version,
                entries: Mutex::new(Entries {
                    version: i64::MIN,
                    map: HashMap::new(),
                    timezone: None,
                }),
                capacity,
                hits: AtomicU64::new(0),
                misses: AtomicU64::new(0),
            })),
        }
    }

    pub fn stats(&self) -> Stats {
        self.inner.as_ref().map_or_else(Stats::default, |i| Stats {
            hits: i.hits.load(Ordering::Relaxed),
            misses: i.misses.load(Ordering::Relaxed),
        })
    }
}

async fn read_version(db: &DatabaseConnection) -> Result<i64, sea_orm::DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), VERSION_SQL))
        .await?
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound("the catalog version row".into()))?;
    row.try_get::<i64>("", "version")
}

impl Inner {
    /// The version now, read after the caller arrived; `None` if the database cannot say.
    async fn current_version(&self) -> Option<i64> {
        match self.version.run(()).await {
            Some(Ok(v)) => Some(v),
            Some(Err(e)) => {
                tracing::warn!(error = %e, "catalog version unavailable; serving uncached");
                None
            }
            None => None,
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An entry filled under `version` or a later one (later is fresher still).
    fn lookup(&self, version: i64, key: &str) -> Option<Arc<Stored>> {
        let entries = self.entries();
        if entries.version >= version {
            entries.map.get(key).cloned()
        } else {
            None
        }
    }

    fn store(&self, version: i64, key: String, stored: Arc<Stored>) {
        let mut entries = self.entries();
        if entries.version < version {
            entries.version = version;
            entries.map.clear();
            entries.timezone = None;
        }
        if entries.version == version && entries.map.len() < self.capacity {
            entries.map.insert(key, stored);
        }
    }

    /// Today in the business's time zone, as of `version`'s settings.
    async fn today(&self, state: &AppState, version: i64) -> Result<chrono::NaiveDate, AppError> {
        let known = {
            let entries = self.entries();
            (entries.version == version).then_some(entries.timezone).flatten()
        };
        let tz = match known {
            Some(tz) => tz,
            None => {
                let tz = crate::server::booking::rules(state).await?.settings.tz();
                let mut entries = self.entries();
                if entries.version == version {
                    entries.timezone = Some(tz);
                }
                tz
            }
        };
        Ok(chrono::Utc::now().with_timezone(&tz).date_naive())
    }
}

/// The middleware on the cacheable catalog routes. Only `GET`/`HEAD` answers of 200 are kept;
/// everything else passes through untouched.
pub async fn serve(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(cache) = state.catalog.inner.clone() else {
        return next.run(req).await;
    };
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return next.run(req).await;
    }
    let Some(version) = cache.current_version().await else {
        return next.run(req).await;
    };
    let mut key = req.uri().path().to_owned();
    if let Some(query) = req.uri().query() {
        key.push('?');
        key.push_str(query);
    }
    // Which offers run depends on the business's day, so a new day is a new entry.
    if req.uri().path().starts_with("/offers") {
        match cache.today(&state, version).await {
            Ok(today) => {
                key.push('#');
                key.push_str(&today.to_string());
            }
            Err(_) => return next.run(req).await,
        }
    }
    let revalidating = req.headers().get(header::IF_NONE_MATCH).cloned();
    if let Some(stored) = cache.lookup(version, &key) {
        cache.hits.fetch_add(1, Ordering::Relaxed);
        return respond(&stored, revalidating.as_ref(), "hit");
    }
    cache.misses.fetch_add(1, Ordering::Relaxed);
    let response = next.run(req).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (parts, body) = response.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(body) => body,
        Err(e) => {
            return super::super::api::response::ApiError(AppError::Internal(anyhow::anyhow!(
                "reading a catalog answer: {e}"
            )))
            .into_response()
        }
    };
    let stored = Arc::new(Stored {
        etag: etag_of(&body),
        content_type: parts.headers.get(header::CONTENT_TYPE).cloned(),
        body,
    });
    cache.store(version, key, stored.clone());
    respond(&stored, revalidating.as_ref(), "miss")
}

fn respond(stored: &Stored, if_none_match: Option<&HeaderValue>, outcome: &'static str) -> Response {
    let mut headers = HeaderMap::with_capacity(4);
    headers.insert(header::ETAG, stored.etag.clone());
    // Clients may keep the answer but must ask again (with its ETag) before using it.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("x-cache", HeaderValue::from_static(outcome));
    if if_none_match.is_some_and(|v| etag_matches(v, &stored.etag)) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    if let Some(ct) = &stored.content_type {
        headers.insert(header::CONTENT_TYPE, ct.clone());
    }
    (StatusCode::OK, headers, Body::from(stored.body.clone())).into_response()
}

/// A weak validator from the bytes: the same answer on every instance has the same tag, and
/// compression does not change what it names.
fn etag_of(body: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(body);
    let hex: String = digest[..10].iter().map(|b| format!("{b:02x}")).collect();
    HeaderValue::from_str(&format!("W/\"{hex}\"")).unwrap_or_else(|_| HeaderValue::from_static("W/\"0\""))
}

/// `If-None-Match` uses the weak comparison (RFC 9110 §13.1.2): `*`, or any listed tag whose
/// opaque part equals ours.
fn etag_matches(if_none_match: &HeaderValue, etag: &HeaderValue) -> bool {
    let Ok(list) = if_none_match.to_str() else {
        return false;
    };
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let ours = etag.to_str().map(opaque).unwrap_or_default();
    list.split(',').any(|t| t.trim() == "*" || opaque(t) == ours)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly_and_reads_lists() {
        let ours = etag_of(b"{\"success\":true}");
        let text = ours.to_str().unwrap().to_owned();
        assert!(text.starts_with("W/\"") && text.len() == 24, "{text}");
        let strong = text.trim_start_matches("W/").to_owned();
        for header in [text.clone(), strong, format!("\"nope\", {text}"), "*".into()] {
            assert!(
                etag_matches(&HeaderValue::from_str(&header).unwrap(), &ours),
                "{header}"
            );
        }
        for header in ["\"nope\"", "W/\"0\"", ""] {
            assert!(
                !etag_matches(&HeaderValue::from_static(header), &ours),
                "{header}"
            );
        }
    }

    #[test]
    fn the_same_bytes_have_the_same_tag() {
        assert_eq!(etag_of(b"a"), etag_of(b"a"));
        assert_ne!(etag_of(b"a"), etag_of(b"b"));
    }
}
