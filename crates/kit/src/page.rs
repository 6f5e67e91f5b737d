//! What every page has: the [`Page`] extractor (site, viewer, CSRF token), rendering with the
//! site's branding and menu, error pages, list paging and Polish dates.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};
use minijinja::value::Serde;
use serde::Serialize;
use serde_json::json;

use crate::auth::{CsrfToken, GminaRole, Viewer};
use crate::catalogue::Catalogue;
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

/// The site's menu: the entries the modules registered for this kind of host, in module order
/// (a module registers its entry with its routes, so the menu never links to a missing page).
pub fn nav(catalogue: &Catalogue, site: &Site, current: &str) -> Vec<NavItem> {
    catalogue
        .nav()
        .iter()
        .filter(|e| e.hosts.admits(site))
        .map(|e| NavItem {
            href: e.href,
            label: e.label,
            current: e.href == current,
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
    /// The gmina of this request; `NotFound` on the portal (gmina routes exist only on gmina
    /// hosts, so their handlers can rely on it).
    pub fn gmina(&self) -> AppResult<&TenantSite> {
        match &self.site {
            Site::Tenant(t) => Ok(t),
            Site::Portal => Err(AppError::NotFound),
        }
    }

    /// Staff or admin of this gmina, or an operator.
    pub fn is_staff(&self) -> bool {
        self.viewer
            .0
            .as_ref()
            .is_some_and(|a| a.is_operator() || a.has(GminaRole::Staff) || a.has(GminaRole::Admin))
    }

    /// The signed-in account; routes whose rule requires one can rely on it.
    pub fn account(&self) -> AppResult<&crate::auth::Account> {
        self.viewer.0.as_ref().ok_or(AppError::SignInRequired)
    }

    /// A page that only tells the visitor something (`message.html`): a title, paragraphs and
    /// an optional link `(href, label)` onwards.
    pub fn message<P: AsRef<str>>(
        &self,
        state: &AppState,
        title: &str,
        paragraphs: &[P],
        link: Option<(&str, &str)>,
    ) -> AppResult<Html<String>> {
        let paragraphs: Vec<&str> = paragraphs.iter().map(AsRef::as_ref).collect();
        let link = link.map(|(href, label)| json!({ "href": href, "label": label }));
        self.render(
            state,
            "message.html",
            json!({ "title": title, "paragraphs": paragraphs, "link": link }),
        )
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
        "nav": nav(&state.catalogue, site, path),
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
            ctx["tenant"] = json!(t.tenant.gmina().slug);
            ctx["site_name"] = json!(t.branding.display_name);
            ctx["logo_alt"] = json!(t.branding.logo_alt);
            ctx["branding"] = json!(t.branding);
            ctx["gmina"] = json!(t.tenant.gmina());
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

/// The number of pages a list of `total` items has at `per_page` a page (at least one, so an
/// empty list still has its page).
pub fn page_count(total: i64, per_page: i64) -> i64 {
    ((total + per_page - 1) / per_page).max(1)
}

/// A moment as the logs show it: "3 grudnia 2026 14:05".
pub fn polish_datetime(at: time::OffsetDateTime) -> String {
    let at = pestor_core::calendar::in_warsaw(at);
    format!(
        "{} {:02}:{:02}",
        polish_date(at.date()),
        at.hour(),
        at.minute()
    )
}

/// "29 listopada 2026".
pub fn polish_date(d: time::Date) -> String {
    format!(
        "{} {} {}",
        d.day(),
        MONTHS[usize::from(u8::from(d.month())) - 1],
        d.year()
    )
}

/// The gmina a request is for and the handle to its data, for handlers that work on one gmina
/// (a request to the portal is 404). It opens no connection itself: [`Gmina::begin`] does, when
/// the handler has read and checked its input, so a slow upload never holds a pooled connection.
pub struct Gmina {
    pub site: std::sync::Arc<TenantSite>,
    pub db: pestor_db::TenantDb,
}

impl Gmina {
    /// A transaction on this gmina's schema (and its rows of the gmina-scoped public tables).
    pub async fn begin(&self) -> sqlx::Result<pestor_db::TenantTx> {
        self.db.begin().await
    }

    pub fn teryt(&self) -> &str {
        self.site.tenant.teryt().as_str()
    }
}

impl FromRequestParts<AppState> for Gmina {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        match parts.extensions.get::<Site>() {
            Some(Site::Tenant(site)) => Ok(Gmina {
                db: state.db.tenant(&site.tenant),
                site: site.clone(),
            }),
            _ => Err(AppError::NotFound),
        }
    }
}
