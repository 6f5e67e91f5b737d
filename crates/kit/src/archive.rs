//! The archive of one gmina: one `.tar.gz` with every row of its schema and its rows of public
//! tables ([`pestor_db::archive`]), the accounts they name (who they are, never a password or a
//! regional role), its objects in the store (photos, logo), and a manifest with the size and
//! SHA-256 of each part. What belongs to a gmina is what the modules declare
//! (`Module::gmina_data`), so a new module's data is in every archive from its first release.
//!
//! Layout (format 2): `manifest.json` first, then `manifest.sig` (its HMAC-SHA256 under the
//! deployment's archive key, [`Seal`]), then `gmina/<table>.copy`, `public/<table>.copy`,
//! `accounts.copy` (PostgreSQL `COPY` text) and `objects/<key below gmina/<TERYT>/>`. The
//! manifest comes first so that a reader knows, before it decompresses anything else, that the
//! file is this deployment's, what every part is and how large: an undeclared part, a part
//! larger than declared or an archive larger than `tenants.max_archive_bytes` is refused as soon
//! as it shows, and the decompressed stream itself stops at the limit (a "zip bomb" costs
//! nothing). An import reads the file twice: first it checks every part and changes nothing if
//! any differs; then it writes the objects (one at a time) and the rows.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use pestor_core::Teryt;
use pestor_db::Database;
use pestor_db::archive::{ImportError, TableDump};
use pestor_photos::Store;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::module::GminaData;

const FORMAT: u32 = 2;
const MANIFEST: &str = "manifest.json";
const SIGNATURE: &str = "manifest.sig";
/// A manifest takes a few hundred bytes per part; more than this is not one of ours.
const MAX_MANIFEST_BYTES: u64 = 16 * 1024 * 1024;
/// Room for the tar headers and padding around the declared parts: 1 MiB and a sixteenth of the
/// limit (a header and its padding take at most 1 KiB a part).
fn framing(max_bytes: u64) -> u64 {
    (1 << 20) + max_bytes / 16
}

/// Why an export or an import did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("plik archiwum: {0}")]
    File(#[from] std::io::Error),
    #[error("archiwum jest uszkodzone albo niekompletne: {0}")]
    Corrupt(String),
    #[error(
        "archiwum nie ma ważnego podpisu tej instalacji ({0}) — przywrócić można tylko archiwum wyeksportowane tutaj (albo w instalacji o tym samym kluczu archiwów)"
    )]
    Signature(&'static str),
    #[error(
        "archiwum jest za duże: po rozpakowaniu ponad {limit_mb} MB (limit tenants.max_archive_bytes)"
    )]
    TooLarge { limit_mb: u64 },
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

/// How this deployment signs and bounds archives: its archive key (`tenants.archive_secret`, or
/// one generated for its database) and the largest archive it restores.
#[derive(Clone)]
pub struct Seal {
    key: Vec<u8>,
    max_bytes: u64,
}

impl Seal {
    pub fn new(key: Vec<u8>, max_bytes: u64) -> Self {
        Self { key, max_bytes }
    }

    /// The deployment's seal, from its settings and its database.
    pub async fn of(
        db: &Database,
        settings: &pestor_config::Settings,
    ) -> Result<Self, ArchiveError> {
        let secret = &settings.tenants.archive_secret;
        let key = if secret.is_empty() {
            crate::auth::secret::named(db.platform(), "archive").await?
        } else {
            secret.expose().as_bytes().to_vec()
        };
        Ok(Self::new(key, settings.tenants.max_archive_bytes))
    }

    fn sign(&self, manifest: &str) -> String {
        crate::auth::tokens::sign(&self.key, &[manifest])
    }

    fn verifies(&self, manifest: &str, signature: &str) -> bool {
        crate::auth::tokens::verify(&self.key, &[manifest], signature)
    }
}

/// Whether an import needs this deployment's signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// Signed by this deployment's key: the only kind a browser restores.
    Signed,
    /// The operator's explicit choice on the command line for an archive from elsewhere. Every
    /// part is still checked against the manifest and bounded, and still nothing in it grants a
    /// role beyond the gmina or sets a password.
    Unsigned,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TableEntry {
    pub part: String,
    pub table: String,
    pub columns: Vec<String>,
    pub rows: usize,
    pub bytes: usize,
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

fn table_path(part: &str, table: &str) -> String {
    match part {
        "accounts" => "accounts.copy".to_owned(),
        part => format!("{part}/{table}.copy"),
    }
}

/// Every part of every module, in module order: the schema's tables, the archived public
/// tables, the object prefixes, and the public tables whose gmina rows are dropped, not kept.
struct Parts {
    tenant: Vec<&'static str>,
    public: Vec<(&'static str, &'static str)>,
    prefixes: Vec<&'static str>,
    transient: Vec<(&'static str, &'static str)>,
    accounts: Vec<(&'static str, &'static str)>,
}

impl Parts {
    fn tables(&self) -> pestor_db::archive::GminaTables<'_> {
        pestor_db::archive::GminaTables {
            tenant: &self.tenant,
            public: &self.public,
            accounts: &self.accounts,
        }
    }
}

fn all_parts(parts: &[GminaData]) -> Parts {
    let mut all = Parts {
        tenant: Vec::new(),
        public: Vec::new(),
        prefixes: Vec::new(),
        transient: Vec::new(),
        accounts: Vec::new(),
    };
    for p in parts {
        all.tenant.extend_from_slice(p.tenant_tables);
        all.public.extend_from_slice(p.public_tables);
        all.prefixes.extend_from_slice(p.object_prefixes);
        all.transient.extend_from_slice(p.transient_tables);
        all.accounts.extend_from_slice(p.account_columns);
    }
    all
}

fn header(size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_cksum();
    header
}

fn append(tar: &mut tar::Builder<impl Write>, path: &str, data: &[u8]) -> std::io::Result<()> {
    tar.append_data(&mut header(data.len() as u64), path, data)
}

/// Writes the archive of the gmina with `teryt` (active or suspended) to `file`, signed with
/// `seal`.
pub async fn export(
    db: &Database,
    store: &Store,
    tenants: &pestor_db::TenantStore,
    teryt: &Teryt,
    parts: &[GminaData],
    seal: &Seal,
    file: &Path,
) -> Result<Manifest, ArchiveError> {
    let tenant = tenants.find(teryt.as_str()).await?;
    let Some(version) = tenant.schema_version() else {
        return Err(ArchiveError::NoSchema(tenant.slug().to_string()));
    };
    let parts = all_parts(parts);
    let dumps = pestor_db::archive::export(db, teryt, parts.tables()).await?;
    let tables: Vec<TableEntry> = dumps
        .iter()
        .map(|d| TableEntry {
            part: d.part.clone(),
            table: d.table.clone(),
            columns: d.columns.clone(),
            rows: d.rows(),
            bytes: d.data.len(),
            sha256: sha256(&d.data),
        })
        .collect();
    // The manifest goes first, so the objects are counted before the archive is written: each
    // is staged in a folder beside the file, one at a time in memory.
    let staging = tempfile::tempdir_in(file.parent().unwrap_or(Path::new(".")))?;
    let base = format!("gmina/{teryt}/");
    let mut objects = Vec::new();
    for prefix in &parts.prefixes {
        for key in store.list(&format!("{base}{prefix}")).await? {
            let Some(bytes) = store.get(&key).await? else {
                continue; // removed since it was listed
            };
            std::fs::write(staging.path().join(objects.len().to_string()), &bytes)?;
            objects.push(ObjectEntry {
                key: key[base.len()..].to_owned(),
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
    let json = serde_json::to_string_pretty(&manifest)
        .map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
    let out = std::fs::File::create(file)?;
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        out,
        flate2::Compression::default(),
    ));
    append(&mut tar, MANIFEST, json.as_bytes())?;
    append(&mut tar, SIGNATURE, seal.sign(&json).as_bytes())?;
    for d in &dumps {
        append(&mut tar, &table_path(&d.part, &d.table), &d.data)?;
    }
    for (i, o) in manifest.objects.iter().enumerate() {
        let staged = std::fs::File::open(staging.path().join(i.to_string()))?;
        tar.append_data(
            &mut header(o.bytes as u64),
            format!("objects/{}", o.key),
            staged,
        )?;
    }
    tar.into_inner()?.finish()?.sync_all()?;
    Ok(manifest)
}

/// The decompressed stream, which ends in an error past `left` bytes whatever the archive's
/// headers claim.
struct Bounded<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                "archiwum przekracza limit",
            ));
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// An I/O error of the reading, named for what it was.
fn reading(e: std::io::Error, seal: &Seal) -> ArchiveError {
    if e.kind() == std::io::ErrorKind::FileTooLarge {
        ArchiveError::TooLarge {
            limit_mb: seal.max_bytes / (1024 * 1024),
        }
    } else {
        ArchiveError::Corrupt(e.to_string())
    }
}

fn path_of(entry: &tar::Entry<'_, impl Read>, seal: &Seal) -> Result<String, ArchiveError> {
    Ok(entry
        .path()
        .map_err(|e| reading(e, seal))?
        .to_string_lossy()
        .into_owned())
}

/// One member of the archive, read whole if it is a plain file of at most `max` bytes.
fn member(
    entry: std::io::Result<tar::Entry<'_, impl Read>>,
    max: u64,
    seal: &Seal,
) -> Result<(String, Vec<u8>), ArchiveError> {
    let entry = entry.map_err(|e| reading(e, seal))?;
    let path = path_of(&entry, seal)?;
    if entry.header().entry_type() != tar::EntryType::Regular {
        return Err(ArchiveError::Corrupt(format!(
            "{path} nie jest zwykłym plikiem"
        )));
    }
    if entry.size() > max {
        return Err(ArchiveError::Corrupt(format!(
            "{path} nie zgadza się z manifestem (za duży)"
        )));
    }
    let mut data = Vec::new();
    entry
        .take(max + 1)
        .read_to_end(&mut data)
        .map_err(|e| reading(e, seal))?;
    Ok((path, data))
}

/// What a declared part is, as the reader meets it.
enum Part {
    Table(usize),
    Object(String),
}

/// The archive's decompressed stream, cut at the seal's limit plus framing.
type Stream = Bounded<flate2::read::GzDecoder<std::fs::File>>;

fn open(file: &Path, seal: &Seal) -> Result<tar::Archive<Stream>, ArchiveError> {
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(file)?);
    Ok(tar::Archive::new(Bounded {
        inner: gz,
        left: seal.max_bytes.saturating_add(framing(seal.max_bytes)),
    }))
}

/// The first two members: the manifest and its signature, checked against `seal` (unless
/// `trust` is unsigned), the format and the gmina.
fn signed_manifest(
    entries: &mut tar::Entries<'_, Stream>,
    seal: &Seal,
    trust: Trust,
) -> Result<Manifest, ArchiveError> {
    let mut next = |name: &str, max: u64| -> Result<Vec<u8>, ArchiveError> {
        let Some(entry) = entries.next() else {
            return Err(ArchiveError::Corrupt(format!("brak {name}")));
        };
        let (path, data) = member(entry, max, seal)?;
        if path != name {
            return Err(ArchiveError::Corrupt(format!(
                "na początku archiwum powinien być {name}, a jest {path} (archiwum z innej wersji platformy?)"
            )));
        }
        Ok(data)
    };
    let json = String::from_utf8(next(MANIFEST, MAX_MANIFEST_BYTES)?)
        .map_err(|_| ArchiveError::Corrupt(format!("{MANIFEST}: nie jest tekstem UTF-8")))?;
    let signature = String::from_utf8(next(SIGNATURE, 256)?).unwrap_or_default();
    if trust == Trust::Signed && !seal.verifies(&json, signature.trim()) {
        return Err(ArchiveError::Signature("podpis nie pasuje"));
    }
    let manifest: Manifest = serde_json::from_str(&json)
        .map_err(|e| ArchiveError::Corrupt(format!("{MANIFEST}: {e}")))?;
    if manifest.format != FORMAT {
        return Err(ArchiveError::Corrupt(format!(
            "nieznany format {}",
            manifest.format
        )));
    }
    Teryt::parse(&manifest.teryt).map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
    Ok(manifest)
}

/// The manifest of an archive, its signature checked, without reading the parts (which
/// [`import`] checks before writing anything).
pub fn manifest(file: &Path, seal: &Seal, trust: Trust) -> Result<Manifest, ArchiveError> {
    let mut tar = open(file, seal)?;
    let mut entries = tar.entries()?;
    signed_manifest(&mut entries, seal, trust)
}

/// Reads the archive once from start to end, checking as it goes (see the module's notes);
/// hands each object to `object` and returns the manifest and, if `keep_tables`, the tables.
fn read(
    file: &Path,
    seal: &Seal,
    trust: Trust,
    keep_tables: bool,
    mut object: impl FnMut(&str, Vec<u8>) -> Result<(), ArchiveError>,
) -> Result<(Manifest, Vec<TableDump>), ArchiveError> {
    let mut tar = open(file, seal)?;
    let mut entries = tar.entries()?;
    let manifest = signed_manifest(&mut entries, seal, trust)?;
    // Every part declared, with its size, before any is read; together within the limit.
    let mut expected: BTreeMap<String, (usize, String, Part)> = BTreeMap::new();
    let mut total: u64 = 0;
    for (i, t) in manifest.tables.iter().enumerate() {
        total = total.saturating_add(t.bytes as u64);
        let path = table_path(&t.part, &t.table);
        if expected
            .insert(path.clone(), (t.bytes, t.sha256.clone(), Part::Table(i)))
            .is_some()
        {
            return Err(ArchiveError::Corrupt(format!("{path} opisany dwa razy")));
        }
    }
    for o in &manifest.objects {
        total = total.saturating_add(o.bytes as u64);
        let path = format!("objects/{}", o.key);
        if expected
            .insert(
                path.clone(),
                (o.bytes, o.sha256.clone(), Part::Object(o.key.clone())),
            )
            .is_some()
        {
            return Err(ArchiveError::Corrupt(format!("{path} opisany dwa razy")));
        }
    }
    if total > seal.max_bytes {
        return Err(ArchiveError::TooLarge {
            limit_mb: seal.max_bytes / (1024 * 1024),
        });
    }
    let mut tables: Vec<Option<TableDump>> = vec![None; manifest.tables.len()];
    for entry in entries {
        // The part's size is known before it is read: an undeclared or larger one stops here.
        let entry = entry.map_err(|e| reading(e, seal))?;
        let path = path_of(&entry, seal)?;
        let Some((bytes, sum, part)) = expected.remove(&path) else {
            return Err(ArchiveError::Corrupt(format!("nieopisany plik {path}")));
        };
        let (_, data) = member(Ok(entry), bytes as u64, seal)?;
        if data.len() != bytes || sha256(&data) != sum {
            return Err(ArchiveError::Corrupt(format!(
                "{path} nie zgadza się z manifestem"
            )));
        }
        match part {
            Part::Table(i) => {
                let t = &manifest.tables[i];
                let dump = TableDump {
                    part: t.part.clone(),
                    table: t.table.clone(),
                    columns: t.columns.clone(),
                    data,
                };
                if dump.rows() != t.rows {
                    return Err(ArchiveError::Corrupt(format!(
                        "{path} nie zgadza się z manifestem"
                    )));
                }
                // A second reading (the objects') checks the tables again but need not keep them.
                if keep_tables {
                    tables[i] = Some(dump);
                }
            }
            Part::Object(key) => object(&key, data)?,
        }
    }
    if let Some(missing) = expected.keys().next() {
        return Err(ArchiveError::Corrupt(format!("brak {missing}")));
    }
    Ok((manifest, tables.into_iter().flatten().collect()))
}

/// Checks every part of the archive against its manifest and the manifest against `seal`;
/// returns the manifest and the tables. Objects are checked, not kept.
pub fn verify(
    file: &Path,
    seal: &Seal,
    trust: Trust,
) -> Result<(Manifest, Vec<TableDump>), ArchiveError> {
    read(file, seal, trust, true, |_, _| Ok(()))
}

/// [`verify`] off the async runtime's threads (decompressing is blocking work).
pub async fn verify_blocking(
    file: &Path,
    seal: &Seal,
    trust: Trust,
) -> Result<(Manifest, Vec<TableDump>), ArchiveError> {
    let (file, seal) = (file.to_owned(), seal.clone());
    tokio::task::spawn_blocking(move || verify(&file, &seal, trust))
        .await
        .map_err(|e| ArchiveError::Corrupt(e.to_string()))?
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
    seal: &Seal,
    trust: Trust,
    file: &Path,
) -> Result<Manifest, ArchiveError> {
    let (manifest, dumps) = verify_blocking(file, seal, trust).await?;
    let teryt = Teryt::parse(&manifest.teryt).map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
    let tenant = tenants.find(teryt.as_str()).await?;
    if !matches!(
        tenant.status(),
        pestor_core::TenantStatus::Registered | pestor_core::TenantStatus::Archived
    ) {
        return Err(ImportError::Provisioned(tenant.slug().to_string(), tenant.status()).into());
    }
    let parts = all_parts(parts);
    let written = match put_objects(store, &teryt, file, seal, trust).await {
        Ok(written) => written,
        Err((written, e)) => {
            remove(store, &written).await;
            return Err(e);
        }
    };
    let loaded = pestor_db::archive::import(
        db,
        &teryt,
        manifest.schema_version,
        &manifest.branding,
        &dumps,
        parts.tables(),
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

/// Reads the archive again (checked above) and puts its objects into the store as they come,
/// one at a time; returns the keys written, also when it stops part-way.
async fn put_objects(
    store: &Store,
    teryt: &Teryt,
    file: &Path,
    seal: &Seal,
    trust: Trust,
) -> Result<Vec<String>, (Vec<String>, ArchiveError)> {
    let (sender, mut objects) = tokio::sync::mpsc::channel::<(String, Vec<u8>)>(1);
    let (path, seal_copy): (PathBuf, Seal) = (file.to_owned(), seal.clone());
    let reader = tokio::task::spawn_blocking(move || {
        read(&path, &seal_copy, trust, false, |key, bytes| {
            sender
                .blocking_send((key.to_owned(), bytes))
                .map_err(|_| ArchiveError::Corrupt("przerwano zapis obiektów".into()))
        })
        .map(|_| ())
    });
    let base = format!("gmina/{teryt}/");
    let mut written = Vec::new();
    while let Some((rel, bytes)) = objects.recv().await {
        let key = format!("{base}{rel}");
        if let Err(e) = store.put(&key, bytes, content_type(&key)).await {
            return Err((written, e.into()));
        }
        written.push(key);
    }
    match reader.await {
        Ok(Ok(())) => Ok(written),
        Ok(Err(e)) => Err((written, e)),
        Err(e) => Err((written, ArchiveError::Corrupt(e.to_string()))),
    }
}

async fn remove(store: &Store, keys: &[String]) {
    for key in keys {
        if let Err(e) = store.delete(key).await {
            tracing::error!(key, error = %e, "could not remove an object of a failed import");
        }
    }
}

/// Archives a suspended gmina: `file` must be this deployment's export of it whose counts match
/// the database now (nothing changed since). Its rows and schema go in one transaction, with its
/// rows of transient public tables (queued e-mails); its objects are queued for removal (the
/// kit's worker deletes them, retrying while the store is down).
pub async fn archive(
    db: &Database,
    store: &Store,
    tenants: &pestor_db::TenantStore,
    parts: &[GminaData],
    seal: &Seal,
    file: &Path,
) -> Result<Manifest, ArchiveError> {
    let (manifest, _) = verify_blocking(file, seal, Trust::Signed).await?;
    let tenant = tenants.find(&manifest.teryt).await?;
    if tenant.status() != pestor_core::TenantStatus::Suspended {
        return Err(ArchiveError::Corrupt(format!(
            "archiwizować można tylko zawieszoną gminę; {} ma status „{}”",
            tenant.slug(),
            tenant.status()
        )));
    }
    // Fresh: an export made now must count the same rows and objects.
    let parts = all_parts(parts);
    let now = pestor_db::archive::export(db, tenant.teryt(), parts.tables()).await?;
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
    for prefix in &parts.prefixes {
        keys.extend(store.list(&format!("{base}{prefix}")).await?);
    }
    if keys.len() != manifest.objects.len() {
        return Err(ArchiveError::Corrupt(
            "eksport jest nieaktualny: zmieniły się pliki gminy — wykonaj eksport ponownie".into(),
        ));
    }
    let mut dropped = parts.public.clone();
    dropped.extend_from_slice(&parts.transient);
    pestor_db::archive::drop_gmina(db, tenant.teryt(), &dropped, &keys).await?;
    tenants.forget();
    Ok(manifest)
}
