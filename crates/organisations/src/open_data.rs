//! Open data of a gmina's registry: `/api/v1/podmioty` (JSON, paginated), `.geojson` (the map's
//! markers), `.csv` (opens in Polish Excel: semicolons, UTF-8 with BOM) and the OpenAPI document.
//! Only verified cards are exposed — the same query, filters and sorts as the list page.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use pestor_kit::input::{ApiQuery, Query, open_data_headers};
use serde_json::{Value, json};

use super::directory::{self, Entry, Filters, SORTS, Window};
use pestor_kit::error::AppResult;
use pestor_kit::openapi::{
    Document, bad_request, enumerated, json_answer, nullable, page_of, paging, param, pattern,
    text_search,
};
use pestor_kit::page::Gmina;
use pestor_kit::site::TenantSite;
use pestor_kit::state::AppState;

const DEFAULT_PER_PAGE: i64 = 20;
const MAX_PER_PAGE: i64 = 100;

fn card_url(state: &AppState, t: &TenantSite, e: &Entry) -> String {
    let here = t.tenant.gmina().teryt.as_str();
    let href = e.href(here, |slug| state.settings.host_url(Some(slug)));
    if href.starts_with('/') {
        format!(
            "{}{href}",
            state
                .settings
                .host_url(Some(t.tenant.gmina().slug.as_str()))
        )
    } else {
        href
    }
}

pub async fn list(
    State(state): State<AppState>,
    gmina: Gmina,
    Query(q): Query<ApiQuery<Filters>>,
) -> AppResult<Response> {
    let t = &*gmina.site;
    q.filters.check()?;
    let per_page = q.per_page(DEFAULT_PER_PAGE, MAX_PER_PAGE)?;
    let number = q.filters.page();
    let found = directory::search(
        state.db.platform(),
        t.tenant.gmina().teryt.as_str(),
        &q.filters,
        Window::Page {
            n: number,
            size: per_page,
        },
        false,
    )
    .await?;
    let pages = pestor_kit::page::page_count(found.total, per_page);
    let link = |n: i64| {
        let filters = q.filters.query(Some(q.filters.sort_key()));
        format!("/api/v1/podmioty?{filters}&strona={n}&na_strone={per_page}")
    };
    let body = json!({
        "gmina": { "teryt": t.tenant.gmina().teryt.as_str(), "name": t.branding.display_name },
        "total": found.total, "page": number, "per_page": per_page, "pages": pages,
        "next": (number < pages).then(|| link(number + 1)),
        "prev": (number > 1).then(|| link(number - 1)),
        "items": found.entries.iter().map(|e| e.to_json(&card_url(&state, t, e))).collect::<Vec<_>>(),
    });
    Ok((open_data_headers("application/json"), body.to_string()).into_response())
}

/// Every card that `f` selects (no pages), for the downloads; `located_only` keeps those on the map.
async fn everything_matching(
    state: &AppState,
    gmina: &Gmina,
    f: &Filters,
    located_only: bool,
) -> AppResult<directory::Found> {
    f.check()?;
    Ok(directory::search(
        state.db.platform(),
        gmina.teryt(),
        f,
        Window::All,
        located_only,
    )
    .await?)
}

pub async fn geojson(
    State(state): State<AppState>,
    gmina: Gmina,
    Query(f): Query<Filters>,
) -> AppResult<Response> {
    let t = &*gmina.site;
    let found = everything_matching(&state, &gmina, &f, true).await?;
    let features: Vec<Value> = found
        .entries
        .iter()
        .filter_map(|e| {
            let (lat, lon) = e.lat.zip(e.lon)?;
            // What a marker's popup and filter need; the full record is in the JSON API.
            let properties = json!({
                "id": e.organisation_id, "url": card_url(&state, t, e), "name": e.name,
                "legal_form": { "code": e.legal_form, "name": e.form_name() },
                "areas": e.areas, "address_text": e.address(),
            });
            // GeoJSON orders coordinates longitude first (RFC 7946).
            Some(json!({
                "type": "Feature",
                "geometry": { "type": "Point", "coordinates": [lon, lat] },
                "properties": properties,
            }))
        })
        .collect();
    let body = json!({ "type": "FeatureCollection", "features": features });
    Ok((open_data_headers("application/geo+json"), body.to_string()).into_response())
}

/// The CSV's columns: header, then how each is read from an entry.
const CSV_COLUMNS: &[&str] = &[
    "Nazwa",
    "Forma prawna",
    "KRS",
    "NIP",
    "REGON",
    "Rok założenia",
    "Sfery działalności",
    "Opis",
    "Kod pocztowy",
    "Miejscowość",
    "Ulica i numer",
    "Gmina siedziby",
    "Powiat",
    "Telefon",
    "E-mail",
    "Strona internetowa",
    "Szerokość geograficzna",
    "Długość geograficzna",
    "Działa także w",
    "Ostatnia weryfikacja",
    "Karta w serwisie",
];

fn csv_row(state: &AppState, e: &Entry, url: String) -> Vec<String> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    // Polish Excel reads decimal commas.
    let coord = |v: Option<f64>| {
        v.map(|x| x.to_string().replace('.', ","))
            .unwrap_or_default()
    };
    vec![
        e.name.clone(),
        e.form_name(),
        opt(&e.krs),
        opt(&e.nip),
        opt(&e.regon),
        e.year_founded.map(|y| y.to_string()).unwrap_or_default(),
        e.area_labels().join(" | "),
        e.description.clone(),
        opt(&e.postal_code),
        e.locality.clone(),
        e.street.clone(),
        opt(&e.gmina_name),
        opt(&e.powiat_name),
        opt(&e.phone),
        opt(&e.email),
        opt(&e.website),
        coord(e.lat),
        coord(e.lon),
        e.also_in
            .iter()
            .map(|t| state.registry.gmina_label(t))
            .collect::<Vec<_>>()
            .join(" | "),
        e.verified_at
            .map(|d| d.date().to_string())
            .unwrap_or_default(),
        url,
    ]
}

pub async fn csv(
    State(state): State<AppState>,
    gmina: Gmina,
    Query(f): Query<Filters>,
) -> AppResult<Response> {
    let t = &*gmina.site;
    let found = everything_matching(&state, &gmina, &f, false).await?;
    let out = pestor_kit::spreadsheet::excel_csv(
        CSV_COLUMNS,
        found
            .entries
            .iter()
            .map(|e| csv_row(&state, e, card_url(&state, t, e))),
    );
    let disposition = format!(
        "attachment; filename=\"podmioty-{}.csv\"",
        t.tenant.gmina().slug.as_str()
    );
    Ok((
        open_data_headers("text/csv; charset=utf-8"),
        [(header::CONTENT_DISPOSITION, disposition)],
        out,
    )
        .into_response())
}

/// This module's endpoints in the gmina's open-data description (see [`pestor_kit::openapi`]).
pub fn describe(doc: &mut Document) {
    let forms = pestor_core::pes::legal_forms()
        .iter()
        .map(|f| f.code.as_str());
    let areas = pestor_core::pes::public_benefit_areas()
        .iter()
        .map(|a| a.point.as_str());
    let filters = vec![
        text_search(
            "Szukany tekst w nazwie lub opisie; bez znaczenia są wielkość liter i polskie znaki.",
        ),
        param(
            "forma",
            "Kod formy prawnej (np. stowarzyszenie, fundacja, spoldzielnia_socjalna).",
            enumerated(forms),
        ),
        param(
            "sfera",
            "Numer sfery działalności pożytku publicznego (art. 4 ust. 1 ustawy).",
            enumerated(areas),
        ),
        param(
            "powiat",
            "Kod TERYT powiatu siedziby (4 cyfry).",
            pattern("^[0-9]{4}$"),
        ),
        param(
            "gmina",
            "Kod TERYT gminy siedziby (7 cyfr).",
            pattern("^[0-9]{7}$"),
        ),
        param("sort", "Kolejność.", enumerated(SORTS.iter().map(|s| s.0))),
    ];
    let mut paged = filters.clone();
    paged.extend(paging(DEFAULT_PER_PAGE, MAX_PER_PAGE));
    doc.path("/api/v1/podmioty", json!({
        "summary": "Lista organizacji (JSON, stronicowana)", "parameters": paged,
        "responses": { "200": json_answer("Strona listy.", "Page"), "400": bad_request() },
    }))
    .path("/api/v1/podmioty.geojson", json!({
        "summary": "Organizacje z położeniem jako GeoJSON (RFC 7946)", "parameters": filters,
        "responses": { "200": { "description": "FeatureCollection punktów; właściwości: id, url, name, legal_form {code, name}, areas (kody sfer), address_text. Pełne dane w /api/v1/podmioty.", "content": { "application/geo+json": { "schema": { "type": "object" } } } }, "400": bad_request() },
    }))
    .path("/api/v1/podmioty.csv", json!({
        "summary": "Lista organizacji jako CSV (średniki, UTF-8 z BOM — otwiera się w polskim Excelu)", "parameters": filters,
        "responses": { "200": { "description": "Plik CSV.", "content": { "text/csv": { "schema": { "type": "string" } } } }, "400": bad_request() },
    }))
    .schema("Page", page_of("Organisation", json!({})))
    .schema("Organisation", json!({ "type": "object", "required": ["id", "url", "name", "legal_form", "areas"], "properties": {
        "id": { "type": "integer" }, "url": { "type": "string", "format": "uri" }, "name": { "type": "string" },
        "legal_form": { "type": "object", "properties": { "code": { "type": "string" }, "name": { "type": "string" } } },
        "krs": nullable("string"), "nip": nullable("string"), "regon": nullable("string"), "year_founded": nullable("integer"),
        "areas": { "type": "array", "items": { "type": "object", "properties": { "code": { "type": "string" }, "label": { "type": "string" } } } },
        "description": { "type": "string" },
        "address": { "type": "object", "properties": { "street": { "type": "string" }, "postal_code": nullable("string"), "locality": { "type": "string" } } },
        "gmina": { "type": "object", "properties": { "teryt": { "type": "string" }, "name": nullable("string") } },
        "powiat": { "type": "object", "properties": { "teryt": { "type": "string" }, "name": nullable("string") } },
        "phone": nullable("string"), "email": nullable("string"), "website": nullable("string"),
        "location": { "type": "object", "nullable": true, "properties": { "lat": { "type": "number" }, "lon": { "type": "number" } } },
        "also_in": { "type": "array", "items": { "type": "string" } },
        "registry_teryt": { "type": "string", "description": "Gmina, w której rejestrze jest karta." },
        "verified_at": { "type": "string", "format": "date", "nullable": true },
        "created_at": { "type": "string", "format": "date" },
    } }));
}
