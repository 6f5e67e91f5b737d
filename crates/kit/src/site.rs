//! What a request is served as: the regional portal or one gmina's site, with that gmina's branding and
//! templates (the modules' own, overridden by files in `tenants/<teryt>/templates/`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use minijinja::{Environment, Value};
use pestor_core::{Branding, load_branding_file};
use pestor_db::Tenant;

use crate::catalogue::{Catalogue, Hosts};

impl Hosts {
    /// Whether a route or menu entry for these hosts exists on `site`.
    pub fn admits(self, site: &Site) -> bool {
        matches!(
            (self, site),
            (Hosts::Both, _) | (Hosts::Portal, Site::Portal) | (Hosts::Gmina, Site::Tenant(_))
        )
    }
}

/// What a host name leads to; cached per host.
#[derive(Clone)]
pub enum Resolution {
    Site(Site),
    /// A former slug, or `www`: permanent redirect to this base URL.
    Redirect(String),
    NotProvisioned(String),
    Suspended(Arc<TenantSite>),
    Unknown,
}

/// A resolved, active (or suspended) gmina with everything its pages need.
pub struct TenantSite {
    pub tenant: Tenant,
    pub branding: Branding,
    pub env: Environment<'static>,
    /// Folder with the gmina's branding files (logo), named by TERYT code.
    pub files: PathBuf,
}

#[derive(Clone)]
pub enum Site {
    Portal,
    Tenant(Arc<TenantSite>),
}

impl Site {
    pub fn tenant(&self) -> Option<&TenantSite> {
        match self {
            Site::Portal => None,
            Site::Tenant(t) => Some(t),
        }
    }

    pub fn env<'a>(&'a self, portal_env: &'a Environment<'static>) -> &'a Environment<'static> {
        match self {
            Site::Portal => portal_env,
            Site::Tenant(t) => &t.env,
        }
    }
}

impl TenantSite {
    /// Effective branding: registry defaults, then `branding.toml`, then edits stored in the database.
    /// Invalid overrides are logged and skipped so a typo cannot take a gmina offline.
    pub fn build(tenant: Tenant, tenants_dir: &Path, catalogue: &Arc<Catalogue>) -> Self {
        let from_files = load_branding_file(tenants_dir, tenant.gmina()).unwrap_or_else(|errors| {
            for e in &errors {
                tracing::warn!(tenant = %tenant.gmina().slug, error = %e, "branding file ignored");
            }
            Branding::defaults_for(tenant.gmina())
        });
        let branding = from_files.with_overrides(tenant.branding()).unwrap_or_else(|errors| {
            for e in &errors {
                tracing::warn!(tenant = %tenant.gmina().slug, error = %e, "stored branding edit ignored");
            }
            from_files.clone()
        });
        let files = tenants_dir.join(tenant.gmina().teryt.as_str());
        let env = environment(catalogue.clone(), Some(files.join("templates")));
        Self {
            tenant,
            branding,
            env,
            files,
        }
    }
}

/// A template environment over the modules' templates; with `overrides`, files there win.
pub fn environment(catalogue: Arc<Catalogue>, overrides: Option<PathBuf>) -> Environment<'static> {
    let mut env = Environment::new();
    // Semi-strict: a missing key may be tested in `{% if %}`, but printing one is an error.
    env.set_undefined_behavior(minijinja::UndefinedBehavior::SemiStrict);
    env.add_filter("plural", plural);
    env.set_loader(move |name| {
        if let Some(dir) = &overrides
            && let Some(path) = safe_join(dir, name)
        {
            match std::fs::read_to_string(&path) {
                Ok(text) => return Ok(Some(text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(minijinja::Error::new(
                        minijinja::ErrorKind::InvalidOperation,
                        "override unreadable",
                    )
                    .with_source(e));
                }
            }
        }
        let Some(template) = catalogue.template(name) else {
            return Ok(None);
        };
        let text = template.source.read().map_err(|e| {
            minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                "template unreadable",
            )
            .with_source(e)
        })?;
        String::from_utf8(text.into_owned()).map(Some).map_err(|e| {
            minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                "template is not UTF-8",
            )
            .with_source(e)
        })
    });
    env
}

/// Joins a template name onto `dir`, refusing anything that could leave it.
pub fn safe_join(dir: &Path, name: &str) -> Option<PathBuf> {
    let mut path = dir.to_owned();
    for segment in name.split('/') {
        if segment.is_empty() || segment.starts_with('.') || segment.contains('\\') {
            return None;
        }
        path.push(segment);
    }
    Some(path)
}

/// Polish plural forms: `n | plural("gmina", "gminy", "gmin")` → 1 gmina, 2 gminy, 5 gmin, 22 gminy.
pub fn plural(n: Value, one: String, few: String, many: String) -> String {
    let n = i64::try_from(n).unwrap_or(0).unsigned_abs();
    let form = if n == 1 {
        one
    } else if (2..=4).contains(&(n % 10)) && !(12..=14).contains(&(n % 100)) {
        few
    } else {
        many
    };
    form.to_string()
}
