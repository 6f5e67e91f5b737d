//! `/oferty`: the gmina's active offers of verified organisations — text search without
//! diacritics and tolerant of typos, filters by organisation, category, target group and price
//! range, sorts (name in Polish order, price with offers without one last, category, newest),
//! 20 per page, every choice in the URL.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use pestor_core::offer::{TARGET_GROUPS, format_price, parse_price};
use pestor_photos::Variant;
use serde_json::json;
use uuid::Uuid;

use super::categories;
use crate::auth::access::urlencode;
use crate::error::AppResult;
use crate::pages::Page;
use crate::panel::gmina;
use crate::state::AppState;

const PAGE_SIZE: i64 = 20;

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct Filters {
    q: String,
    organizacja: String,
    kategoria: String,
    grupa: String,
    cena_od: String,
    cena_do: String,
    sort: String,
    strona: String,
}

/// Sort keys, labels and ORDER BY clauses: fixed text, never built from input.
const SORTS: &[(&str, &str, &str)] = &[
    ("nazwa", "nazwa", "f.name_key, f.id"),
    (
        "cena",
        "cena (od najniższej)",
        "f.price_grosze ASC NULLS LAST, f.name_key, f.id",
    ),
    (
        "kategoria",
        "kategoria",
        "c.position, c.code, f.name_key, f.id",
    ),
    ("najnowsze", "najnowsze", "f.created_at DESC, f.id DESC"),
];

/// id, name, price, price note, category, organisation id and name, first photo, total.
type Row = (
    i64,
    String,
    Option<i64>,
    String,
    String,
    i64,
    String,
    Option<Uuid>,
    Option<String>,
    i64,
);

pub async fn list(
    State(state): State<AppState>,
    page: Page,
    Query(f): Query<Filters>,
) -> AppResult<Response> {
    let t = gmina(&page)?;
    let (sort, _, order) = SORTS.iter().find(|s| s.0 == f.sort).unwrap_or(&SORTS[0]);
    let number = f
        .strona
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 1)
        .unwrap_or(1);
    let organisation = f.organizacja.parse::<i64>().ok();
    // A price that cannot be read is left out of the query and named on the page.
    let price = |raw: &str| {
        (!raw.trim().is_empty())
            .then(|| parse_price(raw))
            .map(|p| p.ok_or(()))
    };
    let (from, to) = (price(&f.cena_od), price(&f.cena_do));
    let bad_price = matches!(from, Some(Err(()))) || matches!(to, Some(Err(())));
    let (from, to) = (from.and_then(Result::ok), to.and_then(Result::ok));
    let q = f.q.trim();
    let sql = format!(
        "WITH page AS (
           SELECT f.id, count(*) OVER () AS total
           FROM offers f JOIN organisations o ON o.id = f.organisation_id
                JOIN offer_categories c ON c.code = f.category
           WHERE f.status = 'active' AND o.status = 'verified'
             AND ($1 = '' OR f.search_text LIKE '%' || replace(replace(public.fold($1), '%', '\\%'), '_', '\\_') || '%'
                          OR public.word_similarity(public.fold($1), f.search_text) >= 0.5)
             AND ($2::bigint IS NULL OR f.organisation_id = $2)
             AND ($3 = '' OR f.category = $3)
             AND ($4 = '' OR $4 = ANY (f.target_groups))
             AND ($5::bigint IS NULL OR f.price_grosze >= $5)
             AND ($6::bigint IS NULL OR f.price_grosze <= $6)
           ORDER BY {order} LIMIT $7 OFFSET $8)
         SELECT f.id, f.name, f.price_grosze, f.price_note, c.name, o.id, o.name,
                (SELECT p.object FROM offer_photos p WHERE p.offer_id = f.id ORDER BY p.position, p.id LIMIT 1),
                (SELECT p.alt FROM offer_photos p WHERE p.offer_id = f.id ORDER BY p.position, p.id LIMIT 1),
                page.total
         FROM page JOIN offers f USING (id) JOIN organisations o ON o.id = f.organisation_id
              JOIN offer_categories c ON c.code = f.category
         ORDER BY {order}"
    );
    let mut tx = t.tenant.db(&state.db.pool).begin().await?;
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(q)
        .bind(organisation)
        .bind(&f.kategoria)
        .bind(&f.grupa)
        .bind(from)
        .bind(to)
        .bind(PAGE_SIZE)
        .bind((number - 1) * PAGE_SIZE)
        .fetch_all(&mut *tx)
        .await?;
    let categories = categories(&mut tx).await?;
    let organisations: Vec<(i64, String)> = sqlx::query_as(
        "SELECT o.id, o.name FROM organisations o
         WHERE o.status = 'verified'
           AND EXISTS (SELECT 1 FROM offers f WHERE f.organisation_id = o.id AND f.status = 'active')
         ORDER BY public.polish_key(o.name)",
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let total = rows.first().map_or(0, |r| r.9);
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let items: Vec<_> = rows
        .into_iter()
        .map(|(id, name, price, note, category, org, org_name, photo, alt, _)| {
            json!({
                "id": id, "name": name, "price": price.map(format_price), "price_note": note, "category": category,
                "organisation": { "id": org, "name": org_name },
                "photo": photo.map(|p| format!("/zdjecia/{p}/{}", Variant::Thumbnail.name())), "alt": alt,
            })
        })
        .collect();
    let query = [
        ("q", q),
        ("organizacja", f.organizacja.as_str()),
        ("kategoria", f.kategoria.as_str()),
        ("grupa", f.grupa.as_str()),
        ("cena_od", f.cena_od.trim()),
        ("cena_do", f.cena_do.trim()),
        ("sort", sort),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| format!("{k}={}", urlencode(v)))
    .collect::<Vec<_>>()
    .join("&");
    Ok(page
        .render(
            &state,
            "offers/list.html",
            json!({
                "items": items, "total": total, "page": number, "pages": pages, "query": query,
                "bad_price": bad_price,
                "filters": {
                    "q": q, "organizacja": f.organizacja, "kategoria": f.kategoria, "grupa": f.grupa,
                    "cena_od": f.cena_od.trim(), "cena_do": f.cena_do.trim(), "sort": sort,
                },
                "sorts": SORTS.iter().map(|(k, l, _)| json!({ "key": k, "label": l })).collect::<Vec<_>>(),
                "categories": categories.iter().map(|(c, n)| json!({ "code": c, "name": n })).collect::<Vec<_>>(),
                "groups": TARGET_GROUPS.iter().map(|(c, l)| json!({ "code": c, "label": l })).collect::<Vec<_>>(),
                "organisations": organisations.iter().map(|(id, n)| json!({ "id": id.to_string(), "name": n })).collect::<Vec<_>>(),
                "can_add": !super::my_organisations(&state, &page).await?.is_empty(),
            }),
        )?
        .into_response())
}
