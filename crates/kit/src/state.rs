//! Shared application state, cloned into every handler.

use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache;
use pestor_config::Settings;
use pestor_core::Registry;
use pestor_db::{Database, TenantStore};

use crate::catalogue::Catalogue;
use crate::metrics::Metrics;
use crate::site::Resolution;

#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub tenants: TenantStore,
    pub settings: Arc<Settings>,
    /// Host → resolution. Bounded, with a TTL as a backstop to LISTEN/NOTIFY invalidation.
    pub hosts: Cache<String, Resolution>,
    /// Templates of the regional portal (gmina templates live in their `TenantSite`).
    pub portal_env: Arc<minijinja::Environment<'static>>,
    pub metrics: Arc<Metrics>,
    /// Signs CSRF tokens; see [`crate::auth::secret::load_or_create`].
    pub secret: Arc<Vec<u8>>,
    /// The region's 144 gminas and 23 powiats (for forms that pick a gmina).
    pub registry: Arc<Registry>,
    /// Where photos and logos are kept (S3 or a local folder).
    pub photos: pestor_photos::Store,
    /// The templates, static files, menu and labels the modules registered.
    pub catalogue: Arc<Catalogue>,
    /// Values read from the figures' store, shared by concurrent regional pages for up to
    /// [`FIGURES_MAX_AGE`] (`pestor_kit::figures::read`); this server's figures job clears it
    /// whenever it counted a gmina.
    pub figure_values: Cache<String, Arc<std::collections::BTreeMap<String, Vec<i64>>>>,
    /// The time rules about days go by (a test sets it).
    pub clock: crate::clock::Clock,
    /// Permits for regional work (`database.regional_concurrency`): how many statements over
    /// many gminas may run at once, see [`AppState::regional`].
    pub regional: Arc<tokio::sync::Semaphore>,
}

/// How long the regional pages reuse values read from the figures' store (another server's job
/// may have counted since; this server's own job clears them at once).
pub const FIGURES_MAX_AGE: Duration = Duration::from_secs(5);

impl AppState {
    /// Builds the state, loading (or creating, on first start) the platform's signing secret.
    /// Also reads the region's registry from `tenants.dir`.
    pub async fn load(
        db: Database,
        settings: Settings,
        catalogue: Arc<Catalogue>,
    ) -> Result<Self, crate::AppError> {
        let secret = crate::auth::secret::load_or_create(db.platform()).await?;
        let registry = Registry::load(&settings.tenants.dir).map_err(pestor_db::DbError::from)?;
        let photos = pestor_photos::Store::from_settings(&settings.storage)?;
        Ok(Self::new(db, settings, secret, registry, photos, catalogue))
    }

    pub fn new(
        db: Database,
        settings: Settings,
        secret: Vec<u8>,
        registry: Registry,
        photos: pestor_photos::Store,
        catalogue: Arc<Catalogue>,
    ) -> Self {
        // At least one (the settings' check refuses 0).
        let permits = usize::try_from(settings.database.regional_concurrency.max(1)).unwrap_or(1);
        let hosts = Cache::builder()
            .max_capacity(10_000)
            .time_to_live(Duration::from_secs(settings.tenants.cache_ttl_secs.max(1)))
            .build();
        Self {
            tenants: TenantStore::new(db.clone()),
            db,
            settings: Arc::new(settings),
            hosts,
            portal_env: Arc::new(crate::site::environment(catalogue.clone(), None)),
            metrics: Arc::new(Metrics::default()),
            secret: Arc::new(secret),
            registry: Arc::new(registry),
            photos,
            catalogue,
            figure_values: Cache::builder()
                .max_capacity(32)
                .time_to_live(FIGURES_MAX_AGE)
                .build(),
            clock: crate::clock::Clock::default(),
            regional: Arc::new(tokio::sync::Semaphore::new(permits)),
        }
    }

    /// Runs regional work (a statement over many gminas' rows) on a pooled connection in a
    /// transaction of its own, once one of the regional permits is free (waiting up to
    /// `database.acquire_timeout_secs`) and with `database.regional_statement_timeout_secs` for
    /// its statements: either limit answers [`crate::AppError::Busy`], so slow regional work
    /// neither holds the pool nor answers 500.
    pub async fn regional<T>(
        &self,
        work: impl AsyncFnOnce(&mut sqlx::PgConnection) -> sqlx::Result<T>,
    ) -> Result<T, crate::AppError> {
        let db = &self.settings.database;
        let _permit = tokio::time::timeout(
            Duration::from_secs(db.acquire_timeout_secs),
            self.regional.acquire(),
        )
        .await
        .map_err(|_| crate::AppError::Busy)?
        .map_err(|_| crate::AppError::Busy)?;
        let done: sqlx::Result<T> = async {
            let mut tx = pestor_db::begin(self.db.platform()).await?;
            // A number of milliseconds from the settings: safe inside the statement.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SET LOCAL statement_timeout = {}",
                db.regional_statement_timeout_secs.saturating_mul(1000)
            )))
            .execute(&mut *tx)
            .await?;
            let out = work(&mut tx).await?;
            tx.commit().await?;
            Ok(out)
        }
        .await;
        done.map_err(|e| {
            // The statement timeout (57014, query_canceled) is regional work too slow now.
            if let sqlx::Error::Database(d) = &e
                && d.code().as_deref() == Some("57014")
            {
                return crate::AppError::Busy;
            }
            e.into()
        })
    }

    /// Forgets every cached host and the kept list of gminas, so the next request reads the tenant
    /// table again.
    pub fn invalidate_tenants(&self) {
        self.hosts.invalidate_all();
        self.tenants.forget();
    }
}
