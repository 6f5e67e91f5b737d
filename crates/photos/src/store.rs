//! The object store behind photos: S3 (through `aws-sdk-s3`, any S3-compatible service) or a local
//! folder (the embedded default). Both keep bytes under keys; nothing else is assumed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::primitives::ByteStream;
use pestor_config::StorageSettings;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store did not answer or failed; the operation may be retried later.
    #[error("magazyn zdjęć jest niedostępny: {0}")]
    Unavailable(String),
    #[error("niepoprawny klucz obiektu: {0}")]
    BadKey(String),
    #[error("niepoprawna konfiguracja magazynu: {0}")]
    Config(String),
}

#[derive(Clone, Debug)]
pub enum Store {
    Local(PathBuf),
    S3 {
        client: aws_sdk_s3::Client,
        bucket: String,
    },
}

/// Keys are made by this crate ([`crate::photo_key`]); anything else is refused, so a key can
/// never climb out of the local folder.
fn check_key(key: &str) -> Result<(), StoreError> {
    let ok = !key.is_empty()
        && key.len() <= 512
        && key
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::BadKey(key.to_owned()))
    }
}

impl Store {
    pub fn from_settings(s: &StorageSettings) -> Result<Self, StoreError> {
        match s.backend.as_str() {
            "local" => Ok(Store::Local(s.local_dir.clone())),
            "s3" => {
                let checksums = s.s3_checksums == "always";
                let mut config = aws_sdk_s3::Config::builder()
                    .behavior_version(BehaviorVersion::latest())
                    .region(Region::new(s.s3_region.clone()))
                    .credentials_provider(Credentials::new(
                        &s.s3_access_key,
                        s.s3_secret_key.expose(),
                        None,
                        None,
                        "pestor-config",
                    ))
                    .force_path_style(s.s3_path_style)
                    .request_checksum_calculation(if checksums {
                        RequestChecksumCalculation::WhenSupported
                    } else {
                        RequestChecksumCalculation::WhenRequired
                    })
                    .response_checksum_validation(if checksums {
                        ResponseChecksumValidation::WhenSupported
                    } else {
                        ResponseChecksumValidation::WhenRequired
                    })
                    // A store that is down must fail a request quickly, not hold the user.
                    .timeout_config(
                        TimeoutConfig::builder()
                            .connect_timeout(Duration::from_secs(3))
                            .operation_timeout(Duration::from_secs(30))
                            .build(),
                    );
                if !s.s3_endpoint.is_empty() {
                    config = config.endpoint_url(&s.s3_endpoint);
                }
                Ok(Store::S3 {
                    client: aws_sdk_s3::Client::from_conf(config.build()),
                    bucket: s.s3_bucket.clone(),
                })
            }
            other => Err(StoreError::Config(format!("nieznany backend „{other}”"))),
        }
    }

    pub async fn put(
        &self,
        key: &str,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> Result<(), StoreError> {
        check_key(key)?;
        match self {
            Store::Local(root) => {
                let path = root.join(key);
                let dir = path.parent().unwrap_or(root);
                tokio::fs::create_dir_all(dir).await.map_err(unavailable)?;
                // Written aside and renamed, so a reader never sees half a file.
                let tmp = path.with_extension("part");
                tokio::fs::write(&tmp, bytes).await.map_err(unavailable)?;
                tokio::fs::rename(&tmp, &path).await.map_err(unavailable)
            }
            Store::S3 { client, bucket } => client
                .put_object()
                .bucket(bucket)
                .key(key)
                .content_type(content_type)
                .body(ByteStream::from(bytes))
                .send()
                .await
                .map(|_| ())
                .map_err(unavailable),
        }
    }

    /// The object's bytes; `None` if there is no such object.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        check_key(key)?;
        match self {
            Store::Local(root) => match tokio::fs::read(root.join(key)).await {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(unavailable(e)),
            },
            Store::S3 { client, bucket } => {
                match client.get_object().bucket(bucket).key(key).send().await {
                    Ok(o) => {
                        let body = o.body.collect().await.map_err(unavailable)?;
                        Ok(Some(body.into_bytes().to_vec()))
                    }
                    Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
                    Err(e) => Err(unavailable(e)),
                }
            }
        }
    }

    /// Removes the object; removing one that is not there is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        check_key(key)?;
        match self {
            Store::Local(root) => match tokio::fs::remove_file(root.join(key)).await {
                Ok(()) => {
                    remove_empty_parents(root, &root.join(key)).await;
                    Ok(())
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(unavailable(e)),
            },
            Store::S3 { client, bucket } => client
                .delete_object()
                .bucket(bucket)
                .key(key)
                .send()
                .await
                .map(|_| ())
                .map_err(unavailable),
        }
    }
}

impl Store {
    /// Every key that starts with `prefix` (a folder: `gmina/0463011/zdjecia/`), sorted.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        check_key(prefix.trim_end_matches('/'))?;
        let mut keys = Vec::new();
        match self {
            Store::Local(root) => {
                let mut stack = vec![root.join(prefix)];
                while let Some(dir) = stack.pop() {
                    let mut entries = match tokio::fs::read_dir(&dir).await {
                        Ok(e) => e,
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                        Err(e) => return Err(unavailable(e)),
                    };
                    while let Some(entry) = entries.next_entry().await.map_err(unavailable)? {
                        let path = entry.path();
                        if entry.file_type().await.map_err(unavailable)?.is_dir() {
                            stack.push(path);
                        } else if let Ok(rel) = path.strip_prefix(root) {
                            let key = rel.to_string_lossy().replace('\\', "/");
                            // Files half-written by `put` are not objects yet.
                            if !key.ends_with(".part") {
                                keys.push(key);
                            }
                        }
                    }
                }
            }
            Store::S3 { client, bucket } => {
                let mut pages = client
                    .list_objects_v2()
                    .bucket(bucket)
                    .prefix(prefix)
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    let page = page.map_err(unavailable)?;
                    keys.extend(
                        page.contents()
                            .iter()
                            .filter_map(|o| o.key().map(str::to_owned)),
                    );
                }
            }
        }
        keys.sort();
        Ok(keys)
    }
}

/// Keeps the local folder tidy: the per-photo folder goes with its last file.
async fn remove_empty_parents(root: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == root || tokio::fs::remove_dir(d).await.is_err() {
            break;
        }
        dir = d.parent();
    }
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_keys_are_accepted() {
        assert!(check_key("gmina/0463011/zdjecia/abc/duze.jpg").is_ok());
        for bad in [
            "",
            "../etc/passwd",
            "a//b",
            "a/./b",
            "/abs",
            "a/b c",
            "a\\b",
        ] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn the_local_folder_keeps_reads_and_forgets_objects() {
        let dir = std::env::temp_dir().join(format!("pestor-photos-{}", std::process::id()));
        let store = Store::Local(dir.clone());
        let key = "gmina/0463011/zdjecia/x/duze.jpg";
        assert_eq!(store.get(key).await.unwrap(), None);
        store.put(key, b"abc".to_vec(), "image/jpeg").await.unwrap();
        assert_eq!(store.get(key).await.unwrap().as_deref(), Some(&b"abc"[..]));
        assert_eq!(store.list("gmina/0463011/").await.unwrap(), [key]);
        assert!(store.list("gmina/0461011/").await.unwrap().is_empty());
        store.delete(key).await.unwrap();
        store.delete(key).await.unwrap();
        assert_eq!(store.get(key).await.unwrap(), None);
        assert!(
            !dir.join("gmina/0463011/zdjecia/x").exists(),
            "empty folders go too"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
