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
}

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
        }
    }

    /// Forgets every cached host, so the next request reads the tenant table again.
    pub fn invalidate_tenants(&self) {
        self.hosts.invalidate_all();
    }
}
