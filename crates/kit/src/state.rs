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
    /// Recent results of [`crate::figures::count_figures`] (the regional pages), see
    /// [`AppState::figures`].
    pub figures: Cache<String, Arc<FigureValues>>,
    /// The time rules about days go by (a test sets it).
    pub clock: crate::clock::Clock,
    /// Permits for regional computations (`database.regional_concurrency`): how many sessions
    /// of their own they may have open at once.
    pub regional: Arc<tokio::sync::Semaphore>,
}

/// Each gmina's figure values, by TERYT.
pub type FigureValues = std::collections::BTreeMap<String, Vec<i64>>;

/// How long the regional pages reuse a computation of every gmina's figures. Counting 144
/// schemas in one statement costs about a third of a second (most of it planning), so it runs at
/// most once a minute and concurrent requests wait for the one computation.
pub const FIGURES_MAX_AGE: Duration = Duration::from_secs(60);

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
            figures: Cache::builder()
                .max_capacity(64)
                .time_to_live(FIGURES_MAX_AGE)
                .build(),
            clock: crate::clock::Clock::default(),
            regional: Arc::new(tokio::sync::Semaphore::new(permits)),
        }
    }

    /// [`crate::figures::count_figures`] for these figures and gminas, reused for up to
    /// [`FIGURES_MAX_AGE`]; concurrent callers share one computation. A computation needs one of
    /// the regional permits (waiting up to `database.acquire_timeout_secs`) and ends at
    /// `database.regional_statement_timeout_secs`: either limit answers [`crate::AppError::Busy`].
    pub async fn figures(
        &self,
        figures: &[crate::catalogue::Figure],
        tenants: &[&pestor_db::Tenant],
    ) -> Result<Arc<FigureValues>, crate::AppError> {
        let key = format!(
            "{}|{}",
            figures.iter().map(|f| f.key).collect::<Vec<_>>().join(","),
            tenants
                .iter()
                .map(|t| t.teryt().as_str())
                .collect::<Vec<_>>()
                .join(",")
        );
        if let Some(known) = self.figures.get(&key).await {
            return Ok(known);
        }
        let db = &self.settings.database;
        let _permit = tokio::time::timeout(
            Duration::from_secs(db.acquire_timeout_secs),
            self.regional.acquire(),
        )
        .await
        .map_err(|_| crate::AppError::Busy)?
        .map_err(|_| crate::AppError::Busy)?;
        let limit = Duration::from_secs(db.regional_statement_timeout_secs);
        self.figures
            .try_get_with(key, async {
                crate::figures::count_figures(&self.db, figures, tenants, self.clock.today(), limit)
                    .await
                    .map(Arc::new)
            })
            .await
            .map_err(|e: Arc<sqlx::Error>| {
                // The statement timeout (57014, query_canceled) is regional work too slow now.
                if let sqlx::Error::Database(d) = e.as_ref()
                    && d.code().as_deref() == Some("57014")
                {
                    return crate::AppError::Busy;
                }
                // The one caller that ran the computation owns its error; others get its text.
                Arc::try_unwrap(e)
                    .unwrap_or_else(|e| sqlx::Error::Protocol(e.to_string()))
                    .into()
            })
    }

    /// Forgets every cached host, so the next request reads the tenant table again.
    pub fn invalidate_tenants(&self) {
        self.hosts.invalidate_all();
    }
}
