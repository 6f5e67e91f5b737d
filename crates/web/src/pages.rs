//! Pages shared by every site: the regional portal, a gmina's home page, branding assets, error pages.

use std::collections::BTreeMap;

use axum::Extension;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::value::Serde;
use pestor_core::{TenantStatus, polish_sort_key};
use serde::Serialize;
use serde_json::json;

use crate::auth::{CsrfToken, Viewer};
use crate::error::{AppError, AppResult, ErrorPage};
use crate::site::{Site, TenantSite};
use crate::state::AppState;

/// The highest page number a list serves; a higher one shows that page: past the last page, an
/// empty page with the true total. Keeps `(page - 1) × page size` far from overflowing.
pub const MAX_PAGE: i64 = 100_000;

/// A `strona=` value: digits only (any number of them), at least 1; `None` for anything else.
pub fn parse_page(raw: &str) -> Option<i64> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = raw.parse::<i64>().unwrap_or(MAX_PAGE);
    (n >= 1).then_some(n.min(MAX_PAGE))
}

/// The page a list shows for `strona=`: anything but a positive number is the first.
pub fn page_number(raw: &str) -> i64 {
    parse_page(raw).unwrap_or(1)
}

/// `?komunikat=…` after a redirect: which confirmation the page shows (each page maps its own
/// codes to text, so nothing from the URL is printed).
#[derive(serde::Deserialize, Default)]
pub struct Notice {
    #[serde(default)]
    pub komunikat: String,
}

#[derive(Serialize)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// Modules of a gmina site, in menu order. A module adds its entry here when its routes land, so the
/// menu never links to a page that does not exist.
const TENANT_MODULES: &[(&str, &str)] = &[
    ("/", "Strona główna"),
    ("/podmioty", "Baza PES"),
    ("/mapa", "Mapa PES"),
    ("/oferty", "Giełda ofert"),
];
const PORTAL_MODULES: &[(&str, &str)] = &[("/", "Gminy regionu")];

pub fn nav(site: &Site, current: &str) -> Vec<NavItem> {
    let modules = match site {
        Site::Portal => PORTAL_MODULES,
        Site::Tenant(_) => TENANT_MODULES,
    };
    modules
        .iter()
        .map(|(href, label)| NavItem {
            href,
            label,
            current: *href == current,
        })
        .collect()
}

/// What every page needs from its request: the site, who is looking, the CSRF token for its forms.
#[derive(Clone)]
pub struct Page {
    pub site: Site,
    pub viewer: Viewer,
    pub csrf: String,
    pub path: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Page {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        Ok(Page {
            site: parts
                .extensions
                .get::<Site>()
                .cloned()
                .ok_or(AppError::UnknownHost)?,
            viewer: parts
                .extensions
                .get::<Viewer>()
                .cloned()
                .unwrap_or_default(),
            csrf: parts
                .extensions
                .get::<CsrfToken>()
                .map(|t| t.0.clone())
                .unwrap_or_default(),
            path: parts.uri.path().to_owned(),
        })
    }
}

impl Page {
    /// The signed-in account; routes whose rule requires one can rely on it.
    pub fn account(&self) -> AppResult<&crate::auth::Account> {
        self.viewer.0.as_ref().ok_or(AppError::SignInRequired)
    }

    /// [`Page::render`] answered with `status` (a form re-shown with its errors, say).
    pub fn respond(
        &self,
        state: &AppState,
        template: &str,
        extra: serde_json::Value,
        status: StatusCode,
    ) -> AppResult<Response> {
        Ok((status, self.render(state, template, extra)?).into_response())
    }

    /// Renders `template` with the variables every page has (site, branding, menu, viewer) plus `extra`.
    pub fn render(
        &self,
        state: &AppState,
        template: &str,
        extra: serde_json::Value,
    ) -> AppResult<Html<String>> {
        let mut extra = extra;
        if let serde_json::Value::Object(map) = &mut extra {
            map.insert("csrf".into(), json!(self.csrf));
            map.insert("viewer".into(), json!(self.viewer.0));
        }
        Ok(Html(render(
            state, &self.site, template, &self.path, extra,
        )?))
    }
}

/// Renders `template` with the variables every page has (site name, branding, menu) plus `extra`.
fn render(
    state: &AppState,
    site: &Site,
    template: &str,
    path: &str,
    extra: serde_json::Value,
) -> AppResult<String> {
    let mut ctx = json!({
        "portal_url": state.settings.host_url(None),
        "nav": nav(site, path),
        "csrf": "",
        "viewer": null,
        "path": path,
    });
    match site {
        Site::Portal => {
            ctx["tenant"] = json!(null);
            ctx["site_name"] = json!("Portal gmin województwa kujawsko-pomorskiego");
            ctx["logo_alt"] = json!("Województwo kujawsko-pomorskie");
        }
        Site::Tenant(t) => {
            ctx["tenant"] = json!(t.tenant.gmina.slug);
            ctx["site_name"] = json!(t.branding.display_name);
            ctx["logo_alt"] = json!(t.branding.logo_alt);
            ctx["branding"] = json!(t.branding);
            ctx["gmina"] = json!(t.tenant.gmina);
        }
    }
    if let (Some(ctx), serde_json::Value::Object(extra)) = (ctx.as_object_mut(), extra) {
        ctx.extend(extra);
    }
    Ok(site
        .env(&state.portal_env)
        .get_template(template)?
        .render(Serde(&ctx))?)
}

pub fn render_error(state: &AppState, site: &Site, page: &ErrorPage) -> AppResult<String> {
    render(state, site, "error.html", "", json!({ "error": page }))
}

pub async fn home(State(state): State<AppState>, page: Page) -> AppResult<Html<String>> {
    match &page.site {
        Site::Portal => portal(&state, &page).await,
        Site::Tenant(t) => tenant_home(&state, &page, t).await,
    }
}

#[derive(Serialize)]
struct PortalGmina {
    name: String,
    kind: &'static str,
    url: Option<String>,
    note: Option<&'static str>,
}

#[derive(Serialize)]
struct PortalPowiat {
    teryt: String,
    label: String,
    gminas: Vec<PortalGmina>,
}

async fn portal(state: &AppState, page: &Page) -> AppResult<Html<String>> {
    let tenants = state.tenants.list().await?;
    let mut powiats: BTreeMap<String, PortalPowiat> = BTreeMap::new();
    let active = tenants
        .iter()
        .filter(|t| t.status == TenantStatus::Active)
        .count();
    for t in &tenants {
        let g = &t.gmina;
        let entry = powiats
            .entry(g.powiat_teryt.clone())
            .or_insert_with(|| PortalPowiat {
                teryt: g.powiat_teryt.clone(),
                // Cities with powiat rights carry their own name instead of "powiat …".
                label: if g.powiat_name.starts_with("powiat ") {
                    g.powiat_name.clone()
                } else {
                    format!("{} (miasto na prawach powiatu)", g.powiat_name)
                },
                gminas: Vec::new(),
            });
        entry.gminas.push(PortalGmina {
            name: g.name.clone(),
            kind: g.kind.as_str(),
            url: (t.status == TenantStatus::Active)
                .then(|| format!("{}/", state.settings.host_url(Some(g.slug.as_str())))),
            note: match t.status {
                TenantStatus::Active => None,
                TenantStatus::Suspended => Some("serwis zawieszony"),
                TenantStatus::Registered | TenantStatus::Archived => Some("serwis nieaktywny"),
            },
        });
    }
    let mut powiats: Vec<PortalPowiat> = powiats.into_values().collect();
    powiats.sort_by_cached_key(|p| polish_sort_key(p.label.trim_start_matches("powiat ")));
    for p in &mut powiats {
        p.gminas.sort_by_cached_key(|g| polish_sort_key(&g.name));
    }
    page.render(
        state,
        "portal.html",
        json!({ "powiats": powiats, "active_count": active, "total_count": tenants.len() }),
    )
}

const MONTHS: [&str; 12] = [
    "stycznia",
    "lutego",
    "marca",
    "kwietnia",
    "maja",
    "czerwca",
    "lipca",
    "sierpnia",
    "września",
    "października",
    "listopada",
    "grudnia",
];

/// "29 listopada 2026".
pub fn polish_date(d: time::Date) -> String {
    format!(
        "{} {} {}",
        d.day(),
        MONTHS[usize::from(u8::from(d.month())) - 1],
        d.year()
    )
}

async fn tenant_home(state: &AppState, page: &Page, t: &TenantSite) -> AppResult<Html<String>> {
    // Read through the tenant handle: this is the gmina's own schema.
    let mut tx = t.tenant.db(&state.db.pool).begin().await?;
    let (teryt, since): (String, time::OffsetDateTime) =
        sqlx::query_as("SELECT teryt, provisioned_at FROM tenant_info")
            .fetch_one(&mut *tx)
            .await?;
    tx.commit().await?;
    let info = json!({ "teryt": teryt, "since": polish_date(since.date()) });
    page.render(state, "tenant_home.html", json!({ "info": info }))
}

/// The gmina's colours as CSS custom properties (a stylesheet rather than inline styles, so the CSP
/// can forbid inline styles).
pub async fn theme_css(Extension(site): Extension<Site>) -> AppResult<Response> {
    let t = site.tenant().ok_or(AppError::NotFound)?;
    let b = &t.branding;
    let css = format!(
        ":root {{ --primary: {}; --on-primary: {}; --accent: {}; }}\n",
        b.primary_colour, b.on_primary_colour, b.accent_colour
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        css,
    )
        .into_response())
}

/// The gmina's coat of arms or logo, or the neutral default emblem.
pub async fn logo(
    State(state): State<AppState>,
    Extension(site): Extension<Site>,
) -> AppResult<Response> {
    let t = site.tenant().ok_or(AppError::NotFound)?;
    if let Some(key) = &t.branding.logo_object {
        let bytes = state.photos.get(key).await?.ok_or(AppError::NotFound)?;
        return Ok((
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            bytes,
        )
            .into_response());
    }
    let Some(file) = &t.branding.logo else {
        return Ok(asset("emblem.svg").unwrap_or_else(|| StatusCode::NOT_FOUND.into_response()));
    };
    let content_type = content_type(file).ok_or(AppError::NotFound)?;
    let bytes = tokio::fs::read(t.files.join(file))
        .await
        .map_err(|_| AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
            // An SVG opened directly must not run script.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            ),
        ],
        bytes,
    )
        .into_response())
}

fn content_type(file: &str) -> Option<&'static str> {
    match file.rsplit_once('.')?.1.to_ascii_lowercase().as_str() {
        "svg" => Some("image/svg+xml"),
        "png" => Some("image/png"),
        "jpg" | "jpeg" => Some("image/jpeg"),
        "webp" => Some("image/webp"),
        "css" => Some("text/css; charset=utf-8"),
        "js" => Some("text/javascript; charset=utf-8"),
        _ => None,
    }
}

/// Embeds files by path under `static/`.
macro_rules! static_files {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_bytes!(concat!("../static/", $name)))),*]
    };
}

/// Files served under `/static/`; `vendor/` is refreshed by `scripts/vendor-map.sh`.
const STATIC: &[(&str, &[u8])] = static_files![
    "pestor.css",
    "region.svg",
    "emblem.svg",
    "map.js",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet/images/layers.png",
    "vendor/leaflet/images/layers-2x.png",
    "vendor/leaflet/images/marker-icon.png",
    "vendor/leaflet/images/marker-icon-2x.png",
    "vendor/leaflet/images/marker-shadow.png",
    "vendor/markercluster/leaflet.markercluster.js",
    "vendor/markercluster/MarkerCluster.css",
    "vendor/markercluster/MarkerCluster.Default.css",
];

fn asset(name: &str) -> Option<Response> {
    let (_, bytes) = STATIC.iter().find(|(n, _)| *n == name)?;
    Some(
        (
            [
                (header::CONTENT_TYPE, content_type(name)?),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *bytes,
        )
            .into_response(),
    )
}

pub async fn static_asset(Path(name): Path<String>) -> AppResult<Response> {
    asset(&name).ok_or(AppError::NotFound)
}

#[cfg(test)]
mod tests {
    #[test]
    fn page_numbers_are_bounded() {
        use super::{MAX_PAGE, page_number, parse_page};
        assert_eq!(page_number(""), 1);
        assert_eq!(page_number("3"), 3);
        assert_eq!(page_number("abc"), 1);
        assert_eq!(page_number("-2"), 1);
        assert_eq!(page_number("0"), 1);
        assert_eq!(page_number("9223372036854775807"), MAX_PAGE);
        assert_eq!(page_number("99999999999999999999999"), MAX_PAGE);
        assert_eq!(parse_page("1e3"), None);
        assert_eq!(parse_page(" 2"), None);
    }

    use super::*;

    #[test]
    fn dates_are_written_the_polish_way() {
        let d = time::Date::from_calendar_date(2026, time::Month::November, 29).unwrap();
        assert_eq!(polish_date(d), "29 listopada 2026");
    }
}
