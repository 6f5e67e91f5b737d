//! The archive of one gmina: one `.tar.gz` with every row of its schema and its rows of public
//! tables ([`pestor_db::archive`]), the accounts they name, its objects in the store (photos,
//! logo), and `manifest.json` with counts and SHA-256 checksums of each part. What belongs to a
//! gmina is what the modules declare (`Module::gmina_data`), so a new module's data is in every
//! archive from its first release.
//!
//! Layout: `gmina/<table>.copy`, `public/<table>.copy`, `accounts.copy` (PostgreSQL `COPY` text),
//! `objects/<key below gmina/<TERYT>/>`, and `manifest.json` last (written once every part is
//! counted). An import reads the file twice: first it checks every part against the manifest and
//! changes nothing if any differs; then it writes the objects and the rows.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use pestor_core::Teryt;
use pestor_db::Database;
use pestor_db::archive::{ImportError, TableDump};
use pestor_photos::Store;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::module::GminaData;

const FORMAT: u32 = 1;

/// Why an export or an import did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("plik archiwum: {0}")]
    File(#[from] std::io::Error),
    #[error("archiwum jest uszkodzone albo niekompletne: {0}")]
    Corrupt(String),
    #[error("magazyn obiektów: {0}")]
    Store(#[from] pestor_photos::StoreError),
    #[error("gmina {0} nie ma danych na platformie (nie dołączyła albo jest zarchiwizowana)")]
    NoSchema(String),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Db(#[from] pestor_db::DbError),
}

impl From<sqlx::Error> for ArchiveError {
    fn from(e: sqlx::Error) -> Self {
        ArchiveError::Db(e.into())
    }
}

impl From<ArchiveError> for crate::error::AppError {
    fn from(e: ArchiveError) -> Self {
        match e {
            ArchiveError::Db(e) => e.into(),
            ArchiveError::Store(e) => e.into(),
            other => crate::error::AppError::BadRequest(other.to_string()),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TableEntry {
    pub part: String,
    pub table: String,
    pub columns: Vec<String>,
    pub rows: usize,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ObjectEntry {
    /// Below `gmina/<TERYT>/`.
    pub key: String,
    pub bytes: usize,
    pub sha256: String,
}

/// What an archive holds, with the checksums an import verifies.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub teryt: String,
    pub slug: String,
    pub name: String,
    pub created_at: String,
    /// The gmina schema's migration version the rows are at.
    pub schema_version: i64,
    /// The gmina's branding edits (`tenants.branding`).
    pub branding: serde_json::Value,
    pub tables: Vec<TableEntry>,
    pub objects: Vec<ObjectEntry>,
}

impl Manifest {
    /// Rows of one table (`gmina`, `public` or `accounts` part).
    pub fn rows(&self, part: &str, table: &str) -> Option<usize> {
        self.tables
            .iter()
            .find(|t| t.part == part && t.table == table)
            .map(|t| t.rows)
    }
}

fn sha256(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every part of every module, in module order.
fn all_parts(
    parts: &[GminaData],
) -> (
    Vec<&'static str>,
    Vec<(&'static str, &'static str)>,
    Vec<&'static str>,
) {
    let mut tenant = Vec::new();
    let mut public = Vec::new();
    let mut prefixes = Vec::new();
    for p in parts {
        tenant.extend_from_slice(p.tenant_tables);
        public.extend_from_slice(p.public_tables);
        prefixes.extend_from_slice(p.object_prefixes);
    }
    (tenant, public, prefixes)
}

fn append(tar: &mut tar::Builder<impl Write>, path: &str, data: &[u8]) -> std::io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_cksum();
    tar.append_data(&mut header, path, data)
}

/// Writes the archive of the gmina with `teryt` (active or suspended) to `file`.
pub async fn export(
    db: &Database,
    store: &Store,
    tenants: &pestor_db::TenantStore,
    teryt: &Teryt,
    parts: &[GminaData],
    file: &Path,
) -> Result<Manifest, ArchiveError> {
    let tenant = tenants.find(teryt.as_str()).await?;
    let Some(version) = tenant.schema_version() else {
        return Err(ArchiveError::NoSchema(tenant.slug().to_string()));
    };
    let (tenant_tables, public_tables, prefixes) = all_parts(parts);
    let dumps = pestor_db::archive::export(db, teryt, &tenant_tables, &public_tables).await?;
    let out = std::fs::File::create(file)?;
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        out,
        flate2::Compression::default(),
    ));
    let mut tables = Vec::new();
    for d in &dumps {
        let path = match d.part.as_str() {
            "accounts" => "accounts.copy".to_owned(),
            part => format!("{part}/{}.copy", d.table),
        };
        append(&mut tar, &path, &d.data)?;
        tables.push(TableEntry {
            part: d.part.clone(),
            table: d.table.clone(),
            columns: d.columns.clone(),
            rows: d.rows(),
            sha256: sha256(&d.data),
        });
    }
    // Objects one at a time: a gmina's photos need not fit in memory together.
    let base = format!("gmina/{teryt}/");
    let mut objects = Vec::new();
    for prefix in prefixes {
        for key in store.list(&format!("{base}{prefix}")).await? {
            let Some(bytes) = store.get(&key).await? else {
                continue; // removed since it was listed
            };
            let rel = key[base.len()..].to_owned();
            append(&mut tar, &format!("objects/{rel}"), &bytes)?;
            objects.push(ObjectEntry {
                key: rel,
                bytes: bytes.len(),
                sha256: sha256(&bytes),
            });
        }
    }
    let manifest = Manifest {
        format: FORMAT,
        teryt: teryt.to_string(),
        slug: tenant.slug().to_string(),
        name: tenant.gmina().name.clone(),
        created_at: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        schema_version: version,
        branding: serde_json::to_value(tenant.branding()).unwrap_or_default(),
        tables,
        objects,
    };
    let json =
        serde_json::to_vec_pretty(&manifest).map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
    append(&mut tar, "manifest.json", &json)?;
    tar.into_inner()?.finish()?.sync_all()?;
    Ok(manifest)
}

/// Reads an archive's entries, handing each (path, bytes) to `each`.
fn read_entries(
    file: &Path,
    mut each: impl FnMut(&str, Vec<u8>) -> Result<(), ArchiveError>,
) -> Result<(), ArchiveError> {
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(file)?);
    let mut tar = tar::Archive::new(gz);
    for entry in tar.entries()? {
        let mut entry = entry?;
        let path = entry.path()?.to_string_lossy().into_owned();
        let mut data = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut data)?;
        each(&path, data)?;
    }
    Ok(())
}

/// Checks every part of the archive against its manifest; returns the manifest and the tables.
pub fn verify(file: &Path) -> Result<(Manifest, Vec<TableDump>), ArchiveError> {
    let mut manifest: Option<Manifest> = None;
    let mut data: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut objects: BTreeMap<String, (usize, String)> = BTreeMap::new();
    read_entries(file, |path, bytes| {
        if path == "manifest.json" {
            manifest = Some(
                serde_json::from_slice(&bytes)
                    .map_err(|e| ArchiveError::Corrupt(format!("manifest.json: {e}")))?,
            );
        } else if let Some(rel) = path.strip_prefix("objects/") {
            objects.insert(rel.to_owned(), (bytes.len(), sha256(&bytes)));
        } else {
            data.insert(path.to_owned(), bytes);
        }
        Ok(())
    })?;
    let manifest = manifest.ok_or_else(|| ArchiveError::Corrupt("brak manifest.json".into()))?;
    if manifest.format != FORMAT {
        return Err(ArchiveError::Corrupt(format!(
            "nieznany format {}",
            manifest.format
        )));
    }
    Teryt::parse(&manifest.teryt).map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
    let mut dumps = Vec::new();
    for t in &manifest.tables {
        let path = match t.part.as_str() {
            "accounts" => "accounts.copy".to_owned(),
            part => format!("{part}/{}.copy", t.table),
        };
        let bytes = data
            .remove(&path)
            .ok_or_else(|| ArchiveError::Corrupt(format!("brak {path}")))?;
        let dump = TableDump {
            part: t.part.clone(),
            table: t.table.clone(),
            columns: t.columns.clone(),
            data: bytes,
        };
        if sha256(&dump.data) != t.sha256 || dump.rows() != t.rows {
            return Err(ArchiveError::Corrupt(format!(
                "{path} nie zgadza się z manifestem"
            )));
        }
        dumps.push(dump);
    }
    if let Some(extra) = data.keys().next() {
        return Err(ArchiveError::Corrupt(format!("nieopisany plik {extra}")));
    }
    for o in &manifest.objects {
        match objects.remove(&o.key) {
            Some((bytes, sum)) if bytes == o.bytes && sum == o.sha256 => {}
            _ => {
                return Err(ArchiveError::Corrupt(format!(
                    "obiekt {} nie zgadza się z manifestem",
                    o.key
                )));
            }
        }
    }
    if let Some(extra) = objects.keys().next() {
        return Err(ArchiveError::Corrupt(format!("nieopisany obiekt {extra}")));
    }
    Ok((manifest, dumps))
}

/// The content type a stored object was put with, from its name.
fn content_type(key: &str) -> &'static str {
    match key.rsplit('.').next() {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        Some("pdf") => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// Restores an archive into this deployment, where its gmina has not joined or was archived.
/// Nothing is written unless every part checks out; if the rows cannot be loaded, the objects
/// written are removed again and the schema dropped.
pub async fn import(
    db: &Database,
    store: &Store,
    tenants: &pestor_db::TenantStore,
    parts: &[GminaData],
    file: &Path,
) -> Result<Manifest, ArchiveError> {
    let (manifest, dumps) = verify(file)?;
    let teryt = Teryt::parse(&manifest.teryt).map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
    let tenant = tenants.find(teryt.as_str()).await?;
    if !matches!(
        tenant.status(),
        pestor_core::TenantStatus::Registered | pestor_core::TenantStatus::Archived
    ) {
        return Err(ImportError::Provisioned(tenant.slug().to_string(), tenant.status()).into());
    }
    let (tenant_tables, public_tables, _) = all_parts(parts);
    let base = format!("gmina/{teryt}/");
    // The objects are read again from the file (checked above). They are held in memory
    // together while written: fine for the photos of a gmina today, a streaming reader later.
    let mut objects = Vec::new();
    read_entries(file, |path, bytes| {
        if let Some(rel) = path.strip_prefix("objects/") {
            objects.push((format!("{base}{rel}"), bytes));
        }
        Ok(())
    })?;
    let mut written = Vec::new();
    for (key, bytes) in objects {
        let kind = content_type(&key);
        if let Err(e) = store.put(&key, bytes, kind).await {
            remove(store, &written).await;
            return Err(e.into());
        }
        written.push(key);
    }
    let loaded = pestor_db::archive::import(
        db,
        &teryt,
        manifest.schema_version,
        &manifest.branding,
        &dumps,
        &tenant_tables,
        &public_tables,
    )
    .await;
    if let Err(e) = loaded {
        remove(store, &written).await;
        return Err(e.into());
    }
    // The rows are in at the archive's version; the schema now catches up with this binary.
    tenants.provision(teryt.as_str()).await?;
    Ok(manifest)
}

async fn remove(store: &Store, keys: &[String]) {
    for key in keys {
        if let Err(e) = store.delete(key).await {
            tracing::error!(key, error = %e, "could not remove an object of a failed import");
        }
    }
}

/// Archives a suspended gmina: `file` must be an export of it whose counts match the database
/// now (nothing changed since). Its rows and schema go in one transaction; its objects are queued
/// for removal (the kit's worker deletes them, retrying while the store is down).
pub async fn archive(
    db: &Database,
    store: &Store,
    tenants: &pestor_db::TenantStore,
    parts: &[GminaData],
    file: &Path,
) -> Result<Manifest, ArchiveError> {
    let (manifest, _) = verify(file)?;
    let tenant = tenants.find(&manifest.teryt).await?;
    if tenant.status() != pestor_core::TenantStatus::Suspended {
        return Err(ArchiveError::Corrupt(format!(
            "archiwizować można tylko zawieszoną gminę; {} ma status „{}”",
            tenant.slug(),
            tenant.status()
        )));
    }
    // Fresh: an export made now must count the same rows and objects.
    let (tenant_tables, public_tables, prefixes) = all_parts(parts);
    let now =
        pestor_db::archive::export(db, tenant.teryt(), &tenant_tables, &public_tables).await?;
    for d in &now {
        if manifest.rows(&d.part, &d.table) != Some(d.rows()) {
            return Err(ArchiveError::Corrupt(format!(
                "eksport jest nieaktualny: {}.{} ma teraz {} wierszy — wykonaj eksport ponownie",
                d.part,
                d.table,
                d.rows()
            )));
        }
    }
    let base = format!("gmina/{}/", tenant.teryt());
    let mut keys = Vec::new();
    for prefix in prefixes {
        keys.extend(store.list(&format!("{base}{prefix}")).await?);
    }
    if keys.len() != manifest.objects.len() {
        return Err(ArchiveError::Corrupt(
            "eksport jest nieaktualny: zmieniły się pliki gminy — wykonaj eksport ponownie".into(),
        ));
    }
    pestor_db::archive::drop_gmina(db, tenant.teryt(), &public_tables, &keys).await?;
    Ok(manifest)
}
