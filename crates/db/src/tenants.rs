//! The live tenant table in the public schema: sync from the registry, provisioning, suspension,
//! domains and host lookups. Every change is announced on [`crate::TENANT_CHANNEL`].

use pestor_core::{BrandingOverrides, Gmina, GminaKind, Registry, Slug, TenantStatus, Teryt};
use sqlx::{PgConnection, PgPool};

use crate::migrate::{self, MigrationReport, TenantMigration};
use crate::{Database, DbError, Result, TENANT_CHANNEL};

/// A gmina as the running platform sees it. Only the registry makes one (its fields are private and
/// it has no public constructor), so holding a `Tenant` proves the gmina was resolved from the
/// `tenants` table; [`crate::Database::tenant`] turns it into the handle to the gmina's schema.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Tenant {
    gmina: Gmina,
    status: TenantStatus,
    status_reason: String,
    schema_version: Option<i64>,
    branding: BrandingOverrides,
}

impl Tenant {
    /// Registry facts as synced into the public schema.
    pub fn gmina(&self) -> &Gmina {
        &self.gmina
    }

    pub fn status(&self) -> TenantStatus {
        self.status
    }

    /// The last tenant migration applied to the gmina's schema.
    /// Why the gmina is suspended (empty otherwise, or when no reason was given).
    pub fn status_reason(&self) -> &str {
        &self.status_reason
    }

    pub fn schema_version(&self) -> Option<i64> {
        self.schema_version
    }

    /// Branding edits made in the admin panel (layered over the files in `tenants/`).
    pub fn branding(&self) -> &BrandingOverrides {
        &self.branding
    }

    pub fn teryt(&self) -> &Teryt {
        &self.gmina.teryt
    }

    /// The same gmina with `overrides` as its branding edits, for a letter or page made inside
    /// the transaction that stores them (before [`TenantStore::find`] could read them back).
    pub fn with_branding(mut self, overrides: BrandingOverrides) -> Self {
        self.branding = overrides;
        self
    }

    pub fn slug(&self) -> &Slug {
        &self.gmina.slug
    }
}

const TENANT_COLUMNS: &str = "t.teryt, t.slug, t.name, t.kind, t.powiat_teryt, p.name AS powiat_name, t.seat, \
     t.lat, t.lon, t.status, t.status_reason, t.schema_version, t.branding";

#[derive(sqlx::FromRow)]
struct TenantRow {
    teryt: String,
    slug: String,
    name: String,
    kind: String,
    powiat_teryt: String,
    powiat_name: String,
    seat: String,
    lat: Option<f64>,
    lon: Option<f64>,
    status: String,
    status_reason: String,
    schema_version: Option<i64>,
    branding: sqlx::types::Json<serde_json::Value>,
}

impl TryFrom<TenantRow> for Tenant {
    type Error = DbError;
    fn try_from(r: TenantRow) -> Result<Self> {
        let corrupt = |what: &str| {
            DbError::Sqlx(sqlx::Error::Decode(
                format!("tenants.{what}: {}", r.teryt).into(),
            ))
        };
        Ok(Tenant {
            status: TenantStatus::parse(&r.status).ok_or_else(|| corrupt("status"))?,
            // A malformed edit must not take the gmina down: fall back to the files' branding.
            branding: serde_json::from_value(r.branding.0.clone()).unwrap_or_default(),
            schema_version: r.schema_version,
            status_reason: r.status_reason,
            gmina: Gmina {
                teryt: Teryt::parse(&r.teryt)?,
                slug: Slug::parse(&r.slug)?,
                kind: GminaKind::parse(&r.kind).ok_or_else(|| corrupt("kind"))?,
                location: r.lat.zip(r.lon),
                name: r.name,
                powiat_teryt: r.powiat_teryt,
                powiat_name: r.powiat_name,
                seat: r.seat,
            },
        })
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub added: usize,
    pub updated: usize,
    /// (old slug, new slug)
    pub renamed: Vec<(String, String)>,
}

/// Where a host's first label leads.
#[derive(Debug, Clone)]
pub enum SlugLookup {
    Tenant(Box<Tenant>),
    /// A former slug: redirect to the gmina's current one.
    MovedTo(Slug),
    Unknown,
}

/// The registry columns of a tenant row: slug, name, kind, seat, lat, lon.
type RegistryFacts = (String, String, String, String, Option<f64>, Option<f64>);

/// The store; its clones share the list it keeps (see [`TenantStore::list`]).
#[derive(Clone)]
pub struct TenantStore {
    db: Database,
    listed: std::sync::Arc<std::sync::Mutex<Listed>>,
}

/// The list of every gmina as last read, and how many times it was forgotten: a read that started
/// before a change keeps its result to itself rather than store a list older than the change.
#[derive(Default)]
struct Listed {
    generation: u64,
    list: Option<(std::time::Instant, std::sync::Arc<Vec<Tenant>>)>,
}

/// How long [`TenantStore::list`] keeps its list if no change is announced (a backstop: every
/// change forgets it at once, in this process directly and in the others through NOTIFY).
const LIST_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(60);

impl TenantStore {
    pub fn new(db: Database) -> Self {
        Self {
            db,
            listed: Default::default(),
        }
    }

    /// Forgets the kept list: the next [`Self::list`] reads the table again. Called after every
    /// change this store makes, and by the servers' listener for changes announced by others.
    pub fn forget(&self) {
        let mut listed = self.listed.lock().unwrap_or_else(|e| e.into_inner());
        listed.generation += 1;
        listed.list = None;
    }

    fn pool(&self) -> &PgPool {
        &self.db.pool
    }

    /// Loads the registry into the public schema. Idempotent: a second run changes nothing.
    /// A changed slug keeps the gmina's data (it is keyed by TERYT) and its old host redirects.
    pub async fn sync(&self, registry: &Registry) -> Result<SyncReport> {
        let mut tx = crate::begin(self.pool()).await?;
        for p in &registry.powiats {
            sqlx::query(
                "INSERT INTO powiats (teryt, name, seat) VALUES ($1, $2, $3) \
                 ON CONFLICT (teryt) DO UPDATE SET name = EXCLUDED.name, seat = EXCLUDED.seat",
            )
            .bind(&p.teryt)
            .bind(&p.name)
            .bind(&p.seat)
            .execute(&mut *tx)
            .await?;
        }
        let mut report = SyncReport::default();
        for g in &registry.gminas {
            let old: Option<RegistryFacts> = sqlx::query_as(
                "SELECT slug, name, kind, seat, lat, lon FROM tenants WHERE teryt = $1 FOR UPDATE",
            )
            .bind(g.teryt.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            let (lat, lon) = (g.location.map(|l| l.0), g.location.map(|l| l.1));
            let new = (
                g.slug.to_string(),
                g.name.clone(),
                g.kind.as_str().to_owned(),
                g.seat.clone(),
                lat,
                lon,
            );
            match &old {
                None => report.added += 1,
                Some(o) if *o == new => continue,
                Some(o) => {
                    report.updated += 1;
                    if o.0 != new.0 {
                        report.renamed.push((o.0.clone(), new.0.clone()));
                        sqlx::query(
                            "INSERT INTO tenant_slug_history (slug, teryt) VALUES ($1, $2) \
                             ON CONFLICT (slug) DO UPDATE SET teryt = EXCLUDED.teryt, retired_at = now()",
                        )
                        .bind(&o.0)
                        .bind(g.teryt.as_str())
                        .execute(&mut *tx)
                        .await?;
                    }
                }
            }
            sqlx::query(
                "INSERT INTO tenants (teryt, slug, name, kind, powiat_teryt, seat, lat, lon) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (teryt) DO UPDATE SET slug = EXCLUDED.slug, name = EXCLUDED.name, kind = EXCLUDED.kind, \
                 powiat_teryt = EXCLUDED.powiat_teryt, seat = EXCLUDED.seat, lat = EXCLUDED.lat, lon = EXCLUDED.lon, \
                 updated_at = now()",
            )
            .bind(g.teryt.as_str())
            .bind(g.slug.as_str())
            .bind(&g.name)
            .bind(g.kind.as_str())
            .bind(&g.powiat_teryt)
            .bind(&g.seat)
            .bind(lat)
            .bind(lon)
            .execute(&mut *tx)
            .await?;
            // A slug in use again is no longer a redirect.
            sqlx::query("DELETE FROM tenant_slug_history WHERE slug = $1")
                .bind(g.slug.as_str())
                .execute(&mut *tx)
                .await?;
            let action = if old.is_none() { "register" } else { "update" };
            log_event(&mut tx, &g.teryt, action, &format!("adres {}", g.slug)).await?;
        }
        if report != SyncReport::default() {
            notify(&mut tx, "*").await?;
        }
        tx.commit().await?;
        self.forget();
        Ok(report)
    }

    /// Every gmina, in TERYT order. Regional pages read it on every request, and at 2,477 gminas
    /// reading and decoding the table costs more than the rest of a page, so the list is kept
    /// until a change (see [`Self::forget`]) or [`LIST_MAX_AGE`].
    pub async fn list(&self) -> Result<std::sync::Arc<Vec<Tenant>>> {
        let generation = {
            let listed = self.listed.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((read_at, list)) = &listed.list
                && read_at.elapsed() < LIST_MAX_AGE
            {
                return Ok(list.clone());
            }
            listed.generation
        };
        let rows: Vec<TenantRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {TENANT_COLUMNS} FROM tenants t JOIN powiats p ON p.teryt = t.powiat_teryt ORDER BY t.teryt"
        )))
        .fetch_all(self.pool())
        .await?;
        let list = std::sync::Arc::new(
            rows.into_iter()
                .map(Tenant::try_from)
                .collect::<Result<Vec<_>>>()?,
        );
        let mut listed = self.listed.lock().unwrap_or_else(|e| e.into_inner());
        if listed.generation == generation {
            listed.list = Some((std::time::Instant::now(), list.clone()));
        }
        Ok(list)
    }

    /// Finds a gmina by slug or TERYT code.
    pub async fn find(&self, key: &str) -> Result<Tenant> {
        let row: Option<TenantRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {TENANT_COLUMNS} FROM tenants t JOIN powiats p ON p.teryt = t.powiat_teryt \
             WHERE t.slug = $1 OR t.teryt = $1"
        )))
        .bind(key)
        .fetch_optional(self.pool())
        .await?;
        row.ok_or_else(|| DbError::UnknownTenant(key.to_owned()))?
            .try_into()
    }

    /// Resolves the first label of a platform host.
    pub async fn lookup_slug(&self, slug: &str) -> Result<SlugLookup> {
        match self.find_by("t.slug = $1", slug).await? {
            Some(t) => Ok(SlugLookup::Tenant(Box::new(t))),
            None => {
                let moved: Option<String> = sqlx::query_scalar(
                    "SELECT t.slug FROM tenant_slug_history h JOIN tenants t ON t.teryt = h.teryt WHERE h.slug = $1",
                )
                .bind(slug)
                .fetch_optional(self.pool())
                .await?;
                Ok(match moved {
                    Some(s) => SlugLookup::MovedTo(Slug::parse(&s)?),
                    None => SlugLookup::Unknown,
                })
            }
        }
    }

    /// Resolves a custom domain.
    pub async fn lookup_domain(&self, domain: &str) -> Result<Option<Tenant>> {
        self.find_by(
            "t.teryt = (SELECT teryt FROM tenant_domains WHERE domain = $1)",
            domain,
        )
        .await
    }

    async fn find_by(&self, condition: &'static str, value: &str) -> Result<Option<Tenant>> {
        let row: Option<TenantRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {TENANT_COLUMNS} FROM tenants t JOIN powiats p ON p.teryt = t.powiat_teryt WHERE {condition}"
        )))
        .bind(value)
        .fetch_optional(self.pool())
        .await?;
        row.map(Tenant::try_from).transpose()
    }

    /// Creates and migrates the gmina's schema and makes it active. Idempotent; a suspended gmina is
    /// migrated but stays suspended.
    pub async fn provision(&self, key: &str) -> Result<Tenant> {
        let tenant = self.find(key).await?;
        self.provision_teryt(tenant.teryt()).await?;
        self.forget();
        self.find(tenant.teryt().as_str()).await
    }

    async fn provision_teryt(&self, teryt: &Teryt) -> Result<()> {
        let (status, version) = self.build_schema(teryt).await?;
        let mut tx = crate::begin(self.pool()).await?;
        Self::record_provisioned(&mut tx, teryt, status, version).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates (or brings up to date) the gmina's schema, without changing its status; returns
    /// the status it had and the schema's version. When a gmina that has not joined fails here,
    /// its schema is dropped again, so a retry starts from nothing.
    pub async fn build_schema(&self, teryt: &Teryt) -> Result<(TenantStatus, i64)> {
        let status: String = sqlx::query_scalar("SELECT status FROM tenants WHERE teryt = $1")
            .bind(teryt.as_str())
            .fetch_one(self.pool())
            .await?;
        let status = TenantStatus::parse(&status).unwrap_or(TenantStatus::Archived);
        if status == TenantStatus::Archived {
            return Err(DbError::WrongStatus {
                slug: teryt.to_string(),
                status: TenantStatus::Archived,
                action: "udostępnienie",
            });
        }
        match self.migrate_schema(teryt).await {
            Ok(version) => Ok((status, version)),
            Err(e) => {
                if status == TenantStatus::Registered {
                    // Nothing of a gmina that has not joined can be lost: only what this run made.
                    let drop = format!("DROP SCHEMA IF EXISTS {} CASCADE", teryt.schema().quoted());
                    if let Err(cleanup) = sqlx::query(sqlx::AssertSqlSafe(drop))
                        .execute(self.pool())
                        .await
                    {
                        tracing::error!(%teryt, error = %cleanup, "could not drop a half-made schema");
                    }
                }
                Err(e)
            }
        }
    }

    async fn migrate_schema(&self, teryt: &Teryt) -> Result<i64> {
        let version = migrate::migrate_tenant_schema(&self.db, &teryt.schema()).await?;
        let mut data = crate::begin(self.pool()).await?;
        sqlx::query("SELECT set_config('search_path', $1, true)")
            .bind(format!("{}, public", teryt.schema().quoted()))
            .execute(&mut *data)
            .await?;
        sqlx::query(
            "INSERT INTO tenant_info (teryt) VALUES ($1) ON CONFLICT (singleton) DO NOTHING",
        )
        .bind(teryt.as_str())
        .execute(&mut *data)
        .await?;
        data.commit().await?;
        Ok(version)
    }

    /// Records a built schema in `conn`'s transaction: its version and, for a gmina that had not
    /// joined (`was`), the status active — its subdomain answers on every server at commit.
    pub async fn record_provisioned(
        conn: &mut PgConnection,
        teryt: &Teryt,
        was: TenantStatus,
        version: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE tenants SET schema_version = $2, provisioned_at = coalesce(provisioned_at, now()), \
             status = CASE WHEN status = 'registered' THEN 'active' ELSE status END, \
             status_changed_at = CASE WHEN status = 'registered' THEN now() ELSE status_changed_at END, \
             updated_at = now() \
             WHERE teryt = $1",
        )
        .bind(teryt.as_str())
        .bind(version)
        .execute(&mut *conn)
        .await?;
        if was == TenantStatus::Registered {
            log_event(
                &mut *conn,
                teryt,
                "provision",
                &format!("wersja schematu {version}"),
            )
            .await?;
        }
        notify(conn, teryt.as_str()).await
    }

    /// Provisions every registered gmina and migrates every provisioned one, `concurrency` at a time.
    pub async fn provision_all(
        &self,
        concurrency: usize,
        progress: impl FnMut(&TenantMigration),
    ) -> Result<MigrationReport> {
        self.provision_each(
            &["registered", "active", "suspended"],
            concurrency,
            progress,
        )
        .await
    }

    /// Applies pending tenant migrations to every provisioned gmina (active or suspended).
    pub async fn migrate_all(
        &self,
        concurrency: usize,
        progress: impl FnMut(&TenantMigration),
    ) -> Result<MigrationReport> {
        self.provision_each(&["active", "suspended"], concurrency, progress)
            .await
    }

    /// Provisions (creates if missing, then migrates) every gmina in one of `statuses`.
    async fn provision_each(
        &self,
        statuses: &[&str],
        concurrency: usize,
        mut progress: impl FnMut(&TenantMigration),
    ) -> Result<MigrationReport> {
        let started = std::time::Instant::now();
        let targets = self.tenants_with_status(statuses).await?;
        // Schemas already at this binary's migrations need no connection of their own: they are
        // counted as done and their recorded version set in one statement.
        let schemas: Vec<_> = targets.iter().map(|(t, _)| t.schema()).collect();
        let current = migrate::current_schemas(&self.db, &schemas).await?;
        let (done, todo): (Vec<_>, Vec<_>) = targets
            .into_iter()
            .partition(|(t, _)| current.contains(t.schema().as_str()));
        let done_teryts: Vec<&str> = done.iter().map(|(t, _)| t.as_str()).collect();
        sqlx::query(
            "UPDATE tenants SET schema_version = $2, updated_at = now()
             WHERE teryt = ANY ($1) AND schema_version IS DISTINCT FROM $2",
        )
        .bind(&done_teryts)
        .bind(migrate::latest_tenant_version())
        .execute(self.pool())
        .await?;
        let total = done.len() + todo.len();
        for (i, (teryt, slug)) in done.iter().enumerate() {
            progress(&TenantMigration {
                teryt: teryt.clone(),
                slug: slug.clone(),
                done: i + 1,
                total,
                error: None,
            });
        }
        let skipped = done.len();
        let mut report = migrate::for_each_tenant(
            todo,
            concurrency,
            |t| async move { self.provision_teryt(&t).await },
            |p| {
                progress(&TenantMigration {
                    done: p.done + skipped,
                    total,
                    ..p.clone()
                })
            },
        )
        .await;
        report.migrated += skipped;
        report.seconds = started.elapsed().as_secs_f64();
        self.forget();
        Ok(report)
    }

    async fn tenants_with_status(&self, statuses: &[&str]) -> Result<Vec<(Teryt, String)>> {
        let statuses: Vec<String> = statuses.iter().map(|s| s.to_string()).collect();
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT teryt, slug FROM tenants WHERE status = ANY($1) ORDER BY teryt")
                .bind(&statuses)
                .fetch_all(self.pool())
                .await?;
        rows.into_iter()
            .map(|(t, s)| Ok((Teryt::parse(&t)?, s)))
            .collect()
    }

    pub async fn suspend(&self, key: &str, reason: &str) -> Result<Tenant> {
        let tenant = self.find(key).await?;
        let mut tx = crate::begin(self.pool()).await?;
        Self::change_status(&mut tx, &tenant, TenantStatus::Suspended, reason).await?;
        tx.commit().await?;
        self.forget();
        self.find(key).await
    }

    pub async fn resume(&self, key: &str) -> Result<Tenant> {
        let tenant = self.find(key).await?;
        let mut tx = crate::begin(self.pool()).await?;
        Self::change_status(&mut tx, &tenant, TenantStatus::Active, "").await?;
        tx.commit().await?;
        self.forget();
        self.find(key).await
    }

    /// Suspends an active gmina (`to` suspended, with `reason` shown on its site) or resumes a
    /// suspended one (`to` active), in `conn`'s transaction; announced at commit. Returns whether
    /// anything changed (the gmina may be there already). The update names the status it expects,
    /// so of two coordinators acting at once one changes it and the other is told.
    pub async fn change_status(
        conn: &mut PgConnection,
        tenant: &Tenant,
        to: TenantStatus,
        reason: &str,
    ) -> Result<bool> {
        let (from, action) = match to {
            TenantStatus::Suspended => (TenantStatus::Active, "zawieszenie"),
            TenantStatus::Active => (TenantStatus::Suspended, "wznowienie"),
            _ => unreachable!("only suspension and resumption change a status here"),
        };
        let current: String =
            sqlx::query_scalar("SELECT status FROM tenants WHERE teryt = $1 FOR UPDATE")
                .bind(tenant.teryt().as_str())
                .fetch_one(&mut *conn)
                .await?;
        let current = TenantStatus::parse(&current).unwrap_or(TenantStatus::Archived);
        if current == to {
            return Ok(false);
        }
        if current != from {
            return Err(DbError::WrongStatus {
                slug: tenant.slug().to_string(),
                status: current,
                action,
            });
        }
        sqlx::query(
            "UPDATE tenants SET status = $2, status_reason = $3, status_changed_at = now(), updated_at = now() \
             WHERE teryt = $1",
        )
        .bind(tenant.teryt().as_str())
        .bind(to.as_str())
        .bind(reason)
        .execute(&mut *conn)
        .await?;
        log_event(&mut *conn, tenant.teryt(), to.as_str(), reason).await?;
        notify(conn, tenant.teryt().as_str()).await?;
        Ok(true)
    }

    /// Adds a custom domain. `base_domain` hosts are refused: they route by slug already.
    pub async fn add_domain(&self, key: &str, domain: &str, base_domain: &str) -> Result<()> {
        let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
        let valid = domain.contains('.')
            && domain.len() <= 253
            && domain.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !valid || domain == base_domain || domain.ends_with(&format!(".{base_domain}")) {
            return Err(DbError::BadDomain(domain));
        }
        let tenant = self.find(key).await?;
        let mut tx = crate::begin(self.pool()).await?;
        sqlx::query("INSERT INTO tenant_domains (domain, teryt) VALUES ($1, $2) ON CONFLICT (domain) DO UPDATE SET teryt = EXCLUDED.teryt")
            .bind(&domain)
            .bind(tenant.teryt().as_str())
            .execute(&mut *tx)
            .await?;
        log_event(&mut tx, tenant.teryt(), "domain-add", &domain).await?;
        notify(&mut tx, tenant.teryt().as_str()).await?;
        tx.commit().await?;
        self.forget();
        Ok(())
    }

    /// Stores the branding edits of a gmina (already validated by the caller) inside `conn`'s
    /// transaction, and announces them so every server shows them at once.
    pub async fn set_branding(
        conn: &mut PgConnection,
        teryt: &Teryt,
        overrides: &pestor_core::BrandingOverrides,
    ) -> Result<()> {
        sqlx::query("UPDATE tenants SET branding = $2, updated_at = now() WHERE teryt = $1")
            .bind(teryt.as_str())
            .bind(sqlx::types::Json(overrides))
            .execute(&mut *conn)
            .await?;
        notify(conn, teryt.as_str()).await
    }

    /// Counts of tenants by status, for `/metrics`.
    pub async fn count_by_status(&self) -> Result<Vec<(String, i64)>> {
        Ok(
            sqlx::query_as("SELECT status, count(*) FROM tenants GROUP BY status ORDER BY status")
                .fetch_all(self.pool())
                .await?,
        )
    }
}

async fn log_event(
    conn: &mut PgConnection,
    teryt: &Teryt,
    action: &str,
    detail: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO tenant_events (teryt, action, detail) VALUES ($1, $2, $3)")
        .bind(teryt.as_str())
        .bind(action)
        .bind(detail)
        .execute(conn)
        .await?;
    Ok(())
}

/// Delivered at commit, so listeners never see a change that was rolled back.
async fn notify(conn: &mut PgConnection, payload: &str) -> Result<()> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(TENANT_CHANNEL)
        .bind(payload)
        .execute(conn)
        .await?;
    Ok(())
}
