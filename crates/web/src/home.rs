//! The pages of every site that belong to no product area: the regional portal's list of gminas, a
//! gmina's home page, and the gmina's colours and logo.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use pestor_core::branding::{DEFAULT_ATTRIBUTION, DEFAULT_TILES, Theme};
use pestor_core::{TenantStatus, polish_sort_key};
use pestor_kit::assets;
use pestor_kit::auth::{Access, Hosts, Routes};
use pestor_kit::catalogue::{Asset, NavEntry};
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::figures::Values;
use pestor_kit::module::{ApiDoc, Figure, Module};
use pestor_kit::openapi::Document;
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
                "/powiaty/{teryt}",
                &["GET"],
                Hosts::Portal,
                Access::Anyone,
                get(powiat),
            )
            .add(
                "/branding/theme.css",
                &["GET"],
                Hosts::Both,
                Access::Anyone,
                get(theme_css),
            )
            .api(
                "/api/v1/gminy.geojson",
                Hosts::Portal,
                Access::Anyone,
                get(gminas_geojson),
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
        templates!["portal.html", "portal_powiat.html", "tenant_home.html"]
    }

    fn api_doc(&self) -> Option<ApiDoc> {
        Some(ApiDoc {
            hosts: Hosts::Portal,
            describe,
        })
    }

    fn nav(&self) -> &'static [NavEntry] {
        &[
            NavEntry {
                href: "/",
                label: "Gminy regionu",
                hosts: Hosts::Portal,
                summary: "",
            },
            NavEntry {
                href: "/",
                label: "Strona główna",
                hosts: Hosts::Gmina,
                summary: "",
            },
        ]
    }
}

async fn home(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    match &page.site {
        Site::Portal => portal(&state, &page).await,
        Site::Tenant(t) => Ok(tenant_home(&state, &page, t).await?.into_response()),
    }
}

#[derive(Serialize)]
struct PortalGmina {
    teryt: String,
    name: String,
    kind: &'static str,
    url: Option<String>,
    note: Option<&'static str>,
    /// The modules' public figures of an active gmina: (label, value).
    counts: Vec<(&'static str, i64)>,
}

/// The figures the modules make public, and every gmina's values of them (from the figures'
/// store, one statement for the whole region, shared by concurrent pages).
async fn public_figures(state: &AppState) -> AppResult<(Vec<Figure>, Arc<Values>)> {
    let figures: Vec<Figure> = state
        .catalogue
        .figures()
        .iter()
        .filter(|f| f.public && f.is_column())
        .copied()
        .collect();
    let values = pestor_kit::figures::read(state, &figures).await?;
    Ok((figures, values))
}

/// A gmina's public figures, shown only while it is active.
fn public_values<'a>(t: &pestor_db::Tenant, values: &'a Values) -> Option<&'a Vec<i64>> {
    (t.status() == TenantStatus::Active)
        .then(|| values.get(t.teryt().as_str()))
        .flatten()
}

/// What the portal says of a gmina's status (in words: the map's markers look alike).
fn status_note(s: TenantStatus) -> Option<&'static str> {
    match s {
        TenantStatus::Active => None,
        TenantStatus::Suspended => Some("serwis zawieszony"),
        TenantStatus::Registered => Some("jeszcze nie dołączyła"),
        TenantStatus::Archived => Some("serwis zamknięty"),
    }
}

/// The sum of each figure over `gminas`' public values: `[{label, value}]` for the cards. Both
/// the gminas and the values are in TERYT order, so one pass over each pairs them: at 2,477
/// gminas a lookup for each cost more than the rest of the portal's home.
fn totals<'a>(
    figures: &[Figure],
    values: &Values,
    gminas: impl Iterator<Item = &'a pestor_db::Tenant>,
) -> Vec<serde_json::Value> {
    let mut sums = vec![0i64; figures.len()];
    let mut stored = values.iter().peekable();
    for t in gminas.filter(|t| t.status() == TenantStatus::Active) {
        let teryt = t.teryt().as_str();
        while stored.next_if(|(k, _)| k.as_str() < teryt).is_some() {}
        if let Some((_, v)) = stored.next_if(|(k, _)| k.as_str() == teryt) {
            for (sum, n) in sums.iter_mut().zip(v) {
                *sum += n;
            }
        }
    }
    figures
        .iter()
        .zip(sums)
        .map(|(f, value)| json!({ "label": f.label, "value": value }))
        .collect()
}

/// A powiat on the portal's home: how many of its gminas are on the platform, linked to its page.
#[derive(Serialize)]
struct PowiatLink {
    teryt: String,
    label: String,
    active: usize,
    total: usize,
}

/// The portal's home lists the powiats, not every gmina: a page that lists 2,477 gminas with their
/// figures costs tens of milliseconds to build and is too long to read; each powiat has its page.
async fn portal(state: &AppState, page: &Page) -> AppResult<Response> {
    let tenants = state.tenants.list().await?;
    let (figures, values) = public_figures(state).await?;
    // The list is in TERYT order, which starts with the powiat's code: a powiat's gminas are
    // next to each other.
    let mut powiats: Vec<PowiatLink> = tenants
        .chunk_by(|a, b| a.gmina().powiat_teryt == b.gmina().powiat_teryt)
        .map(|gminas| PowiatLink {
            teryt: gminas[0].gmina().powiat_teryt.clone(),
            label: gminas[0].gmina().powiat_label(),
            active: gminas
                .iter()
                .filter(|t| t.status() == TenantStatus::Active)
                .count(),
            total: gminas.len(),
        })
        .collect();
    powiats.sort_by_cached_key(|p| polish_sort_key(p.label.trim_start_matches("powiat ")));
    let active: usize = powiats.iter().map(|p| p.active).sum();
    let totals = totals(&figures, &values, tenants.iter());
    let html = page.render(
        state,
        "portal.html",
        json!({ "powiats": powiats, "active_count": active, "total_count": tenants.len(),
                "totals": totals, "map": portal_map() }),
    )?;
    Ok(with_map_tiles(html.into_response()))
}

/// The portal's map: the whole voivodeship.
fn portal_map() -> serde_json::Value {
    json!({
        "tiles": DEFAULT_TILES, "attribution": DEFAULT_ATTRIBUTION,
        "centre": "53.05,18.45", "zoom": 8,
    })
}

/// The map's tiles come from the default tile server: its images are allowed on the page.
fn with_map_tiles(mut response: Response) -> Response {
    let origin = DEFAULT_TILES.split("/{z}").next().unwrap_or_default();
    if let Ok(v) = pestor_kit::csp::csp_with_tiles(origin).parse() {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, v);
    }
    response
}

/// A powiat's page on the portal: each of its gminas with its status and public figures, and
/// their sums. An unknown code is "not found" (it only ever filters the registry's list).
async fn powiat(
    State(state): State<AppState>,
    page: Page,
    Path(teryt): Path<String>,
) -> AppResult<Response> {
    let tenants = state.tenants.list().await?;
    let here: Vec<&pestor_db::Tenant> = tenants
        .iter()
        .filter(|t| t.gmina().powiat_teryt == teryt)
        .collect();
    let Some(first) = here.first() else {
        return Err(AppError::NotFound);
    };
    let label = first.gmina().powiat_label();
    let (figures, values) = public_figures(&state).await?;
    let mut gminas: Vec<PortalGmina> = here
        .iter()
        .map(|t| {
            let g = t.gmina();
            PortalGmina {
                teryt: g.teryt.to_string(),
                name: g.name.clone(),
                kind: g.kind.as_str(),
                url: (t.status() == TenantStatus::Active)
                    .then(|| format!("{}/", state.settings.host_url(Some(g.slug.as_str())))),
                note: status_note(t.status()),
                counts: public_values(t, &values)
                    .map(|v| {
                        figures
                            .iter()
                            .map(|f| f.label)
                            .zip(v.iter().copied())
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();
    gminas.sort_by_cached_key(|g| polish_sort_key(&g.name));
    let totals = totals(&figures, &values, here.iter().copied());
    let active = here
        .iter()
        .filter(|t| t.status() == TenantStatus::Active)
        .count();
    let html = page.render(
        &state,
        "portal_powiat.html",
        json!({ "label": label, "teryt": teryt, "gminas": gminas, "totals": totals,
                "active_count": active, "total_count": here.len() }),
    )?;
    Ok(html.into_response())
}

/// The region's gminas at their seats, for the portal's map: status and public figures in words.
async fn gminas_geojson(State(state): State<AppState>) -> AppResult<Response> {
    let tenants = state.tenants.list().await?;
    let (figures, values) = public_figures(&state).await?;
    let features: Vec<_> = tenants
        .iter()
        .filter_map(|t| {
            let g = t.gmina();
            let (lat, lon) = g.location?;
            let status = status_note(t.status()).unwrap_or("serwis działa");
            let mut about = vec![format!("gmina {}, {}", g.kind.as_str(), status)];
            if let Some(v) = public_values(t, &values) {
                about.extend(
                    figures
                        .iter()
                        .zip(v)
                        .map(|(f, n)| format!("{}: {n}", f.label)),
                );
            }
            let url = match t.status() {
                TenantStatus::Active => {
                    format!("{}/", state.settings.host_url(Some(g.slug.as_str())))
                }
                _ => format!("/powiaty/{}#gmina-{}", g.powiat_teryt, g.teryt),
            };
            Some(json!({
                "type": "Feature",
                "geometry": { "type": "Point", "coordinates": [lon, lat] },
                "properties": {
                    "teryt": g.teryt, "name": format!("{} ({})", g.name, status),
                    "status": t.status().as_str(), "url": url, "address_text": about.join("; "),
                },
            }))
        })
        .collect();
    let body = json!({ "type": "FeatureCollection", "features": features });
    Ok((
        pestor_kit::input::open_data_headers("application/geo+json"),
        body.to_string(),
    )
        .into_response())
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
    // Every area the gmina has, as its module describes it, in menu order.
    let areas: Vec<_> = state
        .catalogue
        .nav()
        .iter()
        .filter(|e| e.hosts.admits(&page.site) && !e.summary.is_empty())
        .map(|e| json!({ "href": e.href, "label": e.label, "summary": e.summary }))
        .collect();
    page.render(
        state,
        "tenant_home.html",
        json!({ "info": info, "areas": areas }),
    )
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

/// The portal's map data in its open-data description (see [`pestor_kit::openapi`]).
fn describe(doc: &mut Document) {
    doc.path("/api/v1/gminy.geojson", json!({
        "summary": "Gminy regionu jako GeoJSON (RFC 7946): siedziby urzędów ze statusem na platformie",
        "parameters": [],
        "responses": { "200": { "description": "FeatureCollection punktów; właściwości: teryt, name, status (active, registered, suspended, archived), url, address_text (status i liczby gminy słowami).", "content": { "application/geo+json": { "schema": { "type": "object" } } } } },
    }));
}
