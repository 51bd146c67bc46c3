//! Images: uploads checked and re-encoded (`process`), stored through `object_store` on the local
//! disk (`data/uploads`, the embedded default) or any S3-compatible store, under content-addressed
//! names, and cleaned up once nothing refers to them.

pub mod form;
pub mod gallery;
pub mod process;

use std::sync::Arc;

use bytes::Bytes;
use chrono::{Duration, Utc};
use object_store::{
    aws::AmazonS3Builder, local::LocalFileSystem, path::Path as StorePath, Attribute, Attributes,
    ObjectStore, ObjectStoreExt, PutOptions, PutPayload,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use super::{
    config::Config,
    entities::images,
    error::{AppError, AppResult},
    identity::accounts::Principal,
    state::AppState,
};

/// Where uploads go, and the base of their public URLs.
#[derive(Clone)]
pub struct Media {
    store: Arc<dyn ObjectStore>,
    /// On the local disk: this server serves them itself (`/api/v1/uploads/…`).
    pub local: bool,
    base_url: String,
    /// Decoding a large image takes tens of megabytes: at most two at once.
    decoding: Arc<Semaphore>,
}

pub use crate::shared::media::{Folder, UploadedImage as Uploaded};

impl Media {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let (store, local, base_url): (Arc<dyn ObjectStore>, bool, String) = match &config.media_s3_bucket {
            Some(bucket) => {
                // The usual AWS_* variables (and instance roles) work, and MEDIA_S3_* override them.
                let mut b = AmazonS3Builder::from_env().with_bucket_name(bucket);
                if let Some(region) = &config.media_s3_region {
                    b = b.with_region(region);
                }
                if let Some(endpoint) = &config.media_s3_endpoint {
                    b = b
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"));
                }
                if let (Some(id), Some(secret)) =
                    (&config.media_s3_access_key_id, &config.media_s3_secret_access_key)
                {
                    b = b.with_access_key_id(id).with_secret_access_key(secret.expose());
                }
                // The region the client will use, `AWS_REGION` included: the public URL names it.
                let region = b
                    .get_config_value(&object_store::aws::AmazonS3ConfigKey::Region)
                    .unwrap_or_else(|| "us-east-1".into());
                let base = config
                    .media_base_url
                    .clone()
                    .unwrap_or_else(|| match &config.media_s3_endpoint {
                        Some(endpoint) => format!("{}/{bucket}", endpoint.trim_end_matches('/')),
                        None => format!("https://{bucket}.s3.{region}.amazonaws.com"),
                    });
                (Arc::new(b.build()?), false, base)
            }
            None => {
                std::fs::create_dir_all(&config.media_dir)
                    .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", config.media_dir.display()))?;
                let store = LocalFileSystem::new_with_prefix(&config.media_dir)?.with_automatic_cleanup(true);
                let base = config
                    .media_base_url
                    .clone()
                    .unwrap_or_else(|| format!("{}/api/v1/uploads", config.public_url.trim_end_matches('/')));
                (Arc::new(store), true, base)
            }
        };
        Ok(Self {
            store,
            local,
            base_url: base_url.trim_end_matches('/').to_owned(),
            decoding: Arc::new(Semaphore::new(2)),
        })
    }

    fn url(&self, key: &str) -> String {
        format!("{}/{key}", self.base_url)
    }

    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> AppResult<()> {
        let mut opts = PutOptions::default();
        // The local store keeps no attributes (it serves the type from the file's extension).
        if !self.local {
            let mut attrs = Attributes::new();
            attrs.insert(Attribute::ContentType, content_type.to_owned().into());
            attrs.insert(
                Attribute::CacheControl,
                "public, max-age=31536000, immutable".to_owned().into(),
            );
            opts.attributes = attrs;
        }
        self.store
            .put_opts(&StorePath::from(key), PutPayload::from(bytes), opts)
            .await
            .map_err(storage_error)?;
        Ok(())
    }

    /// The bytes of a stored object (the local store's own serving).
    pub async fn get(&self, key: &str) -> AppResult<Option<Bytes>> {
        match self.store.get(&StorePath::from(key)).await {
            Ok(found) => Ok(Some(found.bytes().await.map_err(storage_error)?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(storage_error(e)),
        }
    }

    async fn exists(&self, key: &str) -> AppResult<bool> {
        match self.store.head(&StorePath::from(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(storage_error(e)),
        }
    }

    async fn delete(&self, key: &str) -> AppResult<()> {
        match self.store.delete(&StorePath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(storage_error(e)),
        }
    }
}

fn storage_error(e: object_store::Error) -> AppError {
    AppError::Internal(anyhow::anyhow!("image storage: {e}"))
}

/// Stores an upload for `who` in `folder`: checked, re-encoded at two sizes, named by its content
/// (an identical upload is stored once), and recorded for the orphan sweep.
pub async fn upload(state: &AppState, who: &Principal, folder: &str, bytes: Vec<u8>) -> AppResult<Uploaded> {
    let folder = Folder::parse(folder).map_err(|e| AppError::Validation(vec![e]))?;
    if let Some(permission) = folder.permission() {
        who.require(permission)?;
    }
    let media = &state.media;
    let digest = format!("{:x}", Sha256::digest(&bytes));
    let prepared = {
        let _turn = media
            .decoding
            .acquire()
            .await
            .map_err(|_| AppError::Internal(anyhow::anyhow!("image decoding closed")))?;
        tokio::task::spawn_blocking(move || process::prepare(&bytes))
            .await
            .map_err(|e| AppError::Internal(e.into()))?
            .map_err(|refusal| AppError::field("image", &refusal.to_string()))?
    };
    let name = &digest[..32];
    let key = format!("{}/{name}.{}", folder.as_str(), prepared.extension);
    let thumb_key = format!("{}/{name}-thumb.{}", folder.as_str(), prepared.extension);
    images::Entity::insert(images::ActiveModel {
        key: Set(key.clone()),
        folder: Set(folder.as_str().to_owned()),
        content_type: Set(prepared.content_type.to_owned()),
        width: Set(prepared.display.width as i32),
        height: Set(prepared.display.height as i32),
        uploaded_by: Set(Some(who.user.id)),
        created_at: Set(Utc::now()),
    })
    // The same picture again starts its day of grace again: the save that uses it may follow.
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(images::Column::Key)
            .update_column(images::Column::CreatedAt)
            .to_owned(),
    )
    .exec(&state.db)
    .await?;
    // The row first: from then on the sweep leaves the picture alone for a day.
    if !media.exists(&key).await? {
        media
            .put(&thumb_key, prepared.thumb.bytes, prepared.content_type)
            .await?;
        media
            .put(&key, prepared.display.bytes, prepared.content_type)
            .await?;
    }
    Ok(Uploaded {
        image_url: media.url(&key),
        thumbnail_url: media.url(&thumb_key),
        width: prepared.display.width,
        height: prepared.display.height,
    })
}

/// The columns that may hold an uploaded image's URL.
const REFERENCES: &[(&str, &str)] = &[
    ("users", "profile_image_url"),
    ("services", "image_url"),
    ("service_categories", "image_url"),
    ("experts", "image_url"),
    ("gallery_images", "image_url"),
];

/// The folders whose pictures can only be used by the columns in `REFERENCES`. Others (offers,
/// courses, blogs) belong to features that keep their own references; they are never swept until
/// those are listed here.
const SWEPT_FOLDERS: &[Folder] = &[
    Folder::Profiles,
    Folder::Services,
    Folder::Categories,
    Folder::Experts,
    Folder::Gallery,
];

/// Deletes uploads that nothing has referred to for a day (replaced pictures, deleted owners, an
/// upload never used). The day leaves time between an upload and the save that uses it.
pub async fn sweep(state: &AppState) -> AppResult<u64> {
    let cutoff = Utc::now() - Duration::days(1);
    let folders: Vec<&str> = SWEPT_FOLDERS.iter().map(|f| f.as_str()).collect();
    let candidates = images::Entity::find()
        .filter(images::Column::CreatedAt.lt(cutoff))
        .filter(images::Column::Folder.is_in(folders))
        .all(&state.db)
        .await?;
    let mut removed = 0;
    for image in candidates {
        if referenced(&state.db, &image.key).await? {
            continue;
        }
        // Claimed by deleting its row while it is still past its day: the same picture uploaded
        // since restarted the day, and keeps its files.
        let claimed = images::Entity::delete_many()
            .filter(images::Column::Key.eq(image.key.as_str()))
            .filter(images::Column::CreatedAt.lt(cutoff))
            .exec(&state.db)
            .await?
            .rows_affected;
        if claimed == 0 {
            continue;
        }
        state.media.delete(&image.key).await?;
        state.media.delete(&thumb_key(&image.key)).await?;
        removed += 1;
    }
    Ok(removed)
}

fn thumb_key(key: &str) -> String {
    match key.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}-thumb.{ext}"),
        None => format!("{key}-thumb"),
    }
}

/// Whether any column holds an address of the picture or of its thumbnail. Addresses are matched
/// by their key at the end, not whole: a changed `PUBLIC_URL` or CDN base must not make every
/// stored picture look unused.
async fn referenced<C: ConnectionTrait>(db: &C, key: &str) -> AppResult<bool> {
    use sea_orm::sea_query::{Alias, Cond, Expr, ExprTrait, Query};
    let (full, thumb) = (format!("%/{key}"), format!("%/{}", thumb_key(key)));
    for (table, column) in REFERENCES {
        let col = || Expr::col(Alias::new(*column));
        let query = Query::select()
            .expr(Expr::val(1))
            .from(Alias::new(*table))
            .cond_where(
                Cond::any()
                    .add(col().like(full.as_str()))
                    .add(col().like(thumb.as_str())),
            )
            .limit(1)
            .to_owned();
        if db.query_one(&query).await?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The content type of a stored key, from its extension (the local store keeps no metadata).
pub fn content_type_of(key: &str) -> &'static str {
    match key.rsplit('.').next() {
        Some("jpg") | Some("jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        Some("gif") => "image/gif",
        _ => "application/octet-stream",
    }
}

/// A key as it may appear in `/uploads/…`: folder, then a plain file name; nothing else.
pub fn valid_key(key: &str) -> bool {
    let mut parts = key.split('/');
    let (Some(folder), Some(file), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    Folder::ALL.iter().any(|f| f.as_str() == folder)
        && !file.is_empty()
        && file.len() <= 80
        && file
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && !file.starts_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn served_keys_are_a_folder_and_a_plain_name() {
        assert!(valid_key("profiles/0123abcd.jpg"));
        assert!(valid_key("gallery/0123abcd-thumb.png"));
        for bad in [
            "../etc/passwd",
            "profiles/../x",
            "nope/a.jpg",
            "profiles/a/b.jpg",
            "profiles/.hidden",
            "profiles/",
        ] {
            assert!(!valid_key(bad), "{bad}");
        }
        assert_eq!(thumb_key("services/ab.jpg"), "services/ab-thumb.jpg");
        assert_eq!(content_type_of("a/b.png"), "image/png");
    }

    #[test]
    fn folders_are_an_allow_list() {
        assert_eq!(Folder::parse("profiles").unwrap(), Folder::Profiles);
        assert!(Folder::parse("../profiles").is_err());
        assert!(Folder::parse("secrets").is_err());
    }
}
