//! The Giełda for programs: `/api/v1/oferty` (JSON, paginated, the list's filters) and an Atom
//! feed of new offers per gmina (`/oferty.atom`, filters apply), both from the list's query.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use pestor_core::offer::format_price;
use pestor_kit::input::{ApiQuery, Query, open_data_headers};
use pestor_photos::Variant;
use serde_json::json;
use time::format_description::well_known::Rfc3339;

use super::list::{Filters, find, page_number, query_string};
use pestor_kit::atom::{Entry, Feed};
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::openapi::{
    Document, bad_request, enumerated, json_answer, nullable, page_of, paging, param, pattern,
    text_search,
};
use pestor_kit::page::Gmina;
use pestor_kit::state::AppState;

const MAX_PER_PAGE: i64 = 100;
/// The feed carries the newest offers only.
const FEED_ENTRIES: i64 = 50;

pub async fn api(
    State(state): State<AppState>,
    gmina: Gmina,
    Query(q): Query<ApiQuery<Filters>>,
) -> AppResult<Response> {
    let t = &*gmina.site;
    q.filters.check()?;
    let per_page = q.per_page(20, MAX_PER_PAGE)?;
    let number = page_number(&q.filters);
    let mut tx = gmina.begin().await?;
    let found = find(&mut tx, &q.filters, per_page, (number - 1) * per_page).await?;
    let ids: Vec<i64> = found.items.iter().map(|i| i.id).collect();
    let mut photos = super::store::photos_of(&mut tx, &ids).await?;
    tx.commit().await?;
    if found.bad_price {
        return Err(AppError::BadRequest(
            "Niepoprawny parametr: cena_od / cena_do (kwota w złotych, np. 19,90).".into(),
        ));
    }
    let base = state
        .settings
        .host_url(Some(t.tenant.gmina().slug.as_str()));
    let pages = pestor_kit::page::page_count(found.total, per_page);
    let link = |n: i64| {
        format!(
            "/api/v1/oferty?{}&strona={n}&na_strone={per_page}",
            query_string(&q.filters, found.sort)
        )
    };
    let items: Vec<_> = found
        .items
        .iter()
        .map(|i| {
            let photos = photos.remove(&i.id).unwrap_or_default();
            json!({
                "id": i.id, "url": format!("{base}/oferty/{}", i.id), "name": i.name, "description": i.description,
                "category": { "code": i.category, "name": i.category_name },
                "price_grosze": i.price_grosze, "price": i.price_grosze.map(format_price), "price_note": i.price_note,
                "target_groups": i.target_groups,
                "organisation": { "id": i.organisation_id, "name": i.organisation_name, "url": format!("{base}/podmioty/{}", i.organisation_id) },
                "photos": photos.iter().map(|p| json!({
                    "alt": p.alt, "width": p.width, "height": p.height,
                    "thumbnail": format!("{base}/zdjecia/{}/{}", p.object, Variant::Thumbnail.name()),
                    "display": format!("{base}/zdjecia/{}/{}", p.object, Variant::Display.name()),
                })).collect::<Vec<_>>(),
                "created_at": i.created_at.format(&Rfc3339).unwrap_or_default(),
            })
        })
        .collect();
    let body = json!({
        "gmina": { "teryt": t.tenant.gmina().teryt.as_str(), "name": t.branding.display_name },
        "total": found.total, "text_match": if found.near { "near" } else { "exact" }, "page": number, "per_page": per_page, "pages": pages,
        "next": (number < pages).then(|| link(number + 1)), "prev": (number > 1).then(|| link(number - 1)),
        "items": items,
        // On the first page: offers other gminas' PES make available here, by the same filters.
        "other_gminas": if number == 1 {
            super::elsewhere::find(&gmina.db, &q.filters.elsewhere(), found.sort, super::elsewhere::LIMIT)
                .await?
                .iter()
                .map(|e| e.to_json(&state))
                .collect::<Vec<_>>()
        } else {
            Vec::new()
        },
    });
    Ok((open_data_headers("application/json"), body.to_string()).into_response())
}

pub async fn atom(
    State(state): State<AppState>,
    gmina: Gmina,
    Query(mut f): Query<Filters>,
) -> AppResult<Response> {
    let t = &*gmina.site;
    // A feed is the newest offers, whatever sort was asked for.
    f.sort = "najnowsze".into();
    f.strona = String::new();
    let mut tx = gmina.begin().await?;
    let found = find(&mut tx, &f, FEED_ENTRIES, 0).await?;
    tx.commit().await?;
    let base = state
        .settings
        .host_url(Some(t.tenant.gmina().slug.as_str()));
    let query = query_string(&f, "");
    let self_url = if query.is_empty() {
        format!("{base}/oferty.atom")
    } else {
        format!("{base}/oferty.atom?{query}")
    };
    let price = |p: Option<i64>| {
        p.map(format_price)
            .unwrap_or_else(|| "cena do uzgodnienia".into())
    };
    // This gmina's offers and those other gminas' PES make available here, newest first.
    let mut entries: Vec<Entry> = found
        .items
        .iter()
        .map(|i| Entry {
            title: i.name.clone(),
            url: format!("{base}/oferty/{}", i.id),
            published: i.created_at,
            author: i.organisation_name.clone(),
            category: (i.category.clone(), i.category_name.clone()),
            summary: format!("{}. {}", price(i.price_grosze), i.description),
        })
        .collect();
    for e in super::elsewhere::find(&gmina.db, &f.elsewhere(), "najnowsze", FEED_ENTRIES).await? {
        entries.push(Entry {
            title: e.name.clone(),
            url: e.url(&state),
            published: e.created_at,
            author: format!("{} (PES z gminy {})", e.organisation_name, e.gmina_name),
            category: (e.category.clone(), e.category_name.clone()),
            summary: format!("{}. {}", price(e.price_grosze), e.description),
        });
    }
    entries.sort_by_key(|e| std::cmp::Reverse(e.published));
    entries.truncate(FEED_ENTRIES as usize);
    let feed = Feed {
        title: &format!("Giełda ofert — {}", t.branding.display_name),
        self_url: &self_url,
        page_url: &format!("{base}/oferty"),
    };
    Ok(feed.respond(&entries))
}

/// A price as `parse_price` reads it: up to 9 digits, optionally a comma or dot and 1–2 more.
const PRICE_PATTERN: &str = "^[0-9]{1,9}([.,][0-9]{1,2})?$";

/// Giełda's endpoint in the gmina's open-data description (see [`pestor_kit::openapi`]).
pub fn describe(doc: &mut Document) {
    let mut parameters = vec![
        text_search(
            "Szukany tekst w nazwie lub opisie, bez polskich znaków. Gdy nic go nie zawiera, zwracane są oferty o podobnych słowach (literówki) i text_match = near.",
        ),
        param(
            "organizacja",
            "Identyfikator organizacji.",
            pattern("^[1-9][0-9]{0,17}$"),
        ),
        param(
            "kategoria",
            "Kod kategorii gminy (np. catering).",
            pattern("^[a-z0-9-]{1,60}$"),
        ),
        param(
            "grupa",
            "Grupa odbiorców.",
            enumerated(pestor_core::offer::TARGET_GROUPS.iter().map(|g| g.0)),
        ),
        param(
            "cena_od",
            "Cena od, w złotych (np. 19,90).",
            pattern(PRICE_PATTERN),
        ),
        param("cena_do", "Cena do, w złotych.", pattern(PRICE_PATTERN)),
        param(
            "sort",
            "Kolejność.",
            enumerated(["nazwa", "cena", "kategoria", "najnowsze"]),
        ),
    ];
    parameters.extend(paging(20, MAX_PER_PAGE));
    doc.path("/api/v1/oferty", json!({
        "summary": "Giełda ofert: aktywne oferty zweryfikowanych organizacji (JSON, stronicowana)",
        "parameters": parameters,
        "responses": { "200": json_answer("Strona listy ofert.", "OfferPage"), "400": bad_request() },
    }))
    .schema("OfferPage", page_of("Offer", json!({
        "text_match": { "type": "string", "enum": ["exact", "near"], "description": "exact: oferty zawierające szukany tekst; near: żadna go nie zawiera, to oferty o podobnych słowach." },
        "other_gminas": { "type": "array", "description": "Na pierwszej stronie: oferty organizacji z innych gmin, które działają także w tej gminie i udostępniły tu ofertę (te same filtry, do 20).",
            "items": { "type": "object", "required": ["id", "url", "name", "gmina"], "properties": {
                "id": { "type": "integer" }, "url": { "type": "string", "format": "uri" }, "name": { "type": "string" },
                "description": { "type": "string" },
                "category": { "type": "object", "properties": { "code": { "type": "string" }, "name": { "type": "string" } } },
                "price_grosze": nullable("integer"), "price": nullable("string"), "price_note": { "type": "string" },
                "target_groups": { "type": "array", "items": { "type": "string" } },
                "organisation": { "type": "object", "properties": { "name": { "type": "string" } } },
                "gmina": { "type": "object", "properties": { "teryt": { "type": "string" }, "name": { "type": "string" } } },
                "created_at": { "type": "string", "format": "date-time" },
            } } },
    })))
    .schema("Offer", json!({ "type": "object", "required": ["id", "url", "name", "category", "target_groups", "organisation", "photos"], "properties": {
        "id": { "type": "integer" }, "url": { "type": "string", "format": "uri" }, "name": { "type": "string" },
        "description": { "type": "string" },
        "category": { "type": "object", "properties": { "code": { "type": "string" }, "name": { "type": "string" } } },
        "price_grosze": nullable("integer"), "price": nullable("string"), "price_note": { "type": "string" },
        "target_groups": { "type": "array", "items": { "type": "string", "enum": ["urzad", "mieszkancy", "pes", "firmy"] } },
        "organisation": { "type": "object", "properties": { "id": { "type": "integer" }, "name": { "type": "string" }, "url": { "type": "string", "format": "uri" } } },
        "photos": { "type": "array", "items": { "type": "object", "properties": {
            "alt": { "type": "string" }, "width": { "type": "integer" }, "height": { "type": "integer" },
            "thumbnail": { "type": "string", "format": "uri" }, "display": { "type": "string", "format": "uri" },
        } } },
        "created_at": { "type": "string", "format": "date-time" },
    } }));
}
