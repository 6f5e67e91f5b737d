//! The pages of every site that belong to no product area: the regional portal's list of gminas, a
//! gmina's home page, and the gmina's colours and logo.

use std::collections::BTreeMap;

use axum::Extension;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use pestor_core::branding::Theme;
use pestor_core::{TenantStatus, polish_sort_key};
use pestor_kit::assets;
use pestor_kit::auth::{Access, Hosts, Routes};
use pestor_kit::catalogue::{Asset, NavEntry};
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::module::Module;
use pestor_kit::page::{Page, polish_date};
use pestor_kit::site::{Site, TenantSite};
use pestor_kit::state::AppState;
use pestor_kit::templates;
use serde::Serialize;
use serde_json::json;

/// The home pages as a module of the app.
pub struct Home;

impl Module for Home {
    fn name(&self) -> &'static str {
        "home"
    }

    fn routes(&self, r: Routes) -> Routes {
        r.add("/", &["GET"], Hosts::Both, Access::Anyone, get(home))
            .add(
                "/branding/theme.css",
                &["GET"],
                Hosts::Both,
                Access::Anyone,
                get(theme_css),
            )
            .add(
                "/branding/logo",
                &["GET"],
                Hosts::Gmina,
                Access::Anyone,
                get(logo),
            )
    }

    fn templates(&self) -> &'static [Asset] {
        templates!["portal.html", "tenant_home.html"]
    }

    fn nav(&self) -> &'static [NavEntry] {
        &[
            NavEntry {
                href: "/",
                label: "Gminy regionu",
                hosts: Hosts::Portal,
            },
            NavEntry {
                href: "/",
                label: "Strona główna",
                hosts: Hosts::Gmina,
            },
        ]
    }
}

async fn home(State(state): State<AppState>, page: Page) -> AppResult<Html<String>> {
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
        .filter(|t| t.status() == TenantStatus::Active)
        .count();
    for t in &tenants {
        let g = &t.gmina();
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
            url: (t.status() == TenantStatus::Active)
                .then(|| format!("{}/", state.settings.host_url(Some(g.slug.as_str())))),
            note: match t.status() {
                TenantStatus::Active => None,
                TenantStatus::Suspended => Some("serwis zawieszony"),
                TenantStatus::Registered => Some("jeszcze nie dołączyła"),
                TenantStatus::Archived => Some("serwis zamknięty"),
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

async fn tenant_home(state: &AppState, page: &Page, t: &TenantSite) -> AppResult<Html<String>> {
    // Read through the tenant handle: this is the gmina's own schema.
    let mut tx = state.db.tenant(&t.tenant).begin().await?;
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
async fn theme_css(Extension(site): Extension<Site>) -> AppResult<Response> {
    // The portal wears the region's neutral theme.
    let css = site
        .tenant()
        .map_or_else(Theme::region, |t| t.branding.theme())
        .css();
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
async fn logo(
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
        return assets::asset(&state, "emblem.svg");
    };
    let content_type = assets::content_type(file).ok_or(AppError::NotFound)?;
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
