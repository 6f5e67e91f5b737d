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
/// Most organisations offered in the filter's select.
const MAX_ORGANISATION_OPTIONS: i64 = 100;

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
pub struct Filters {
    pub(super) q: String,
    pub(super) organizacja: String,
    pub(super) kategoria: String,
    pub(super) grupa: String,
    pub(super) cena_od: String,
    pub(super) cena_do: String,
    pub(super) sort: String,
    pub(super) strona: String,
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

/// One offer in a list, with its first photo.
#[derive(sqlx::FromRow)]
pub(super) struct Item {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub category: String,
    pub category_name: String,
    pub price_grosze: Option<i64>,
    pub price_note: String,
    pub target_groups: Vec<String>,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub created_at: time::OffsetDateTime,
    pub photo: Option<Uuid>,
    pub alt: Option<String>,
    total: i64,
}

/// What a search found: one page of offers, how many match, and whether a price filter could
/// not be read (it is then left out).
pub(super) struct Found {
    pub items: Vec<Item>,
    pub total: i64,
    pub bad_price: bool,
    pub sort: &'static str,
}

/// The one query behind the list, the API and the feed.
pub(super) async fn find(
    tx: &mut pestor_db::TenantTx,
    f: &Filters,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Found> {
    let (sort, _, order) = SORTS.iter().find(|s| s.0 == f.sort).unwrap_or(&SORTS[0]);
    let organisation = f.organizacja.parse::<i64>().ok();
    let price = |raw: &str| {
        (!raw.trim().is_empty())
            .then(|| parse_price(raw))
            .map(|p| p.ok_or(()))
    };
    let (from, to) = (price(&f.cena_od), price(&f.cena_do));
    let bad_price = matches!(from, Some(Err(()))) || matches!(to, Some(Err(())));
    let (from, to) = (from.and_then(Result::ok), to.and_then(Result::ok));
    let sql = format!(
        "WITH page AS (
           SELECT f.id, count(*) OVER () AS total
           FROM offers f JOIN organisations o ON o.id = f.organisation_id
                JOIN offer_categories c ON c.code = f.category
           WHERE f.status = 'active' AND o.status = 'verified'
             AND ($1 = '' OR f.search_text LIKE '%' || replace(replace(public.fold($1), '%', '\\%'), '_', '\\_') || '%'
                          OR public.fold($1) OPERATOR(public.<%) f.search_text)
             AND ($2::bigint IS NULL OR f.organisation_id = $2)
             AND ($3 = '' OR f.category = $3)
             AND ($4 = '' OR $4 = ANY (f.target_groups))
             AND ($5::bigint IS NULL OR f.price_grosze >= $5)
             AND ($6::bigint IS NULL OR f.price_grosze <= $6)
           ORDER BY {order} LIMIT $7 OFFSET $8)
         SELECT f.id, f.name, f.description, f.category, c.name AS category_name, f.price_grosze, f.price_note,
                f.target_groups, o.id AS organisation_id, o.name AS organisation_name, f.created_at,
                (SELECT p.object FROM offer_photos p WHERE p.offer_id = f.id ORDER BY p.position, p.id LIMIT 1) AS photo,
                (SELECT p.alt FROM offer_photos p WHERE p.offer_id = f.id ORDER BY p.position, p.id LIMIT 1) AS alt,
                page.total
         FROM page JOIN offers f USING (id) JOIN organisations o ON o.id = f.organisation_id
              JOIN offer_categories c ON c.code = f.category
         ORDER BY {order}"
    );
    // Typo tolerance: `<%` is word similarity above this threshold, answered from the trigram
    // index (computing the similarity of every offer made the search 3× slower than the list).
    sqlx::query("SELECT set_config('pg_trgm.word_similarity_threshold', '0.5', true)")
        .execute(&mut **tx)
        .await?;
    let items: Vec<Item> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(f.q.trim())
        .bind(organisation)
        .bind(&f.kategoria)
        .bind(&f.grupa)
        .bind(from)
        .bind(to)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut **tx)
        .await?;
    let total = items.first().map_or(0, |i| i.total);
    Ok(Found {
        items,
        total,
        bad_price,
        sort,
    })
}

/// The query string of the filters and sort (not the page).
pub(super) fn query_string(f: &Filters, sort: &str) -> String {
    [
        ("q", f.q.trim()),
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
    .join("&")
}

/// The page number asked for; anything but a positive number is the first.
pub(super) fn page_number(f: &Filters) -> i64 {
    f.strona
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 1)
        .unwrap_or(1)
}

pub async fn list(
    State(state): State<AppState>,
    page: Page,
    Query(f): Query<Filters>,
) -> AppResult<Response> {
    let t = gmina(&page)?;
    let number = page_number(&f);
    let mut tx = t.tenant.db(&state.db.pool).begin().await?;
    let found = find(&mut tx, &f, PAGE_SIZE, (number - 1) * PAGE_SIZE).await?;
    let (sort, q) = (found.sort, f.q.trim());
    let categories = categories(&mut tx).await?;
    // The organisation filter is a select while it is short; with more organisations than fit
    // one (2,000 options cost more than the query), it is reached from each organisation's card.
    let mut organisations: Vec<(i64, String)> = sqlx::query_as(
        "SELECT o.id, o.name FROM organisations o
         WHERE o.status = 'verified'
           AND EXISTS (SELECT 1 FROM offers f WHERE f.organisation_id = o.id AND f.status = 'active')
         ORDER BY public.polish_key(o.name) LIMIT $1",
    )
    .bind(MAX_ORGANISATION_OPTIONS + 1)
    .fetch_all(&mut *tx)
    .await?;
    if organisations.len() as i64 > MAX_ORGANISATION_OPTIONS {
        organisations.clear();
    }
    tx.commit().await?;
    let total = found.total;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let items: Vec<_> = found
        .items
        .iter()
        .map(|i| {
            json!({
                "id": i.id, "name": i.name, "price": i.price_grosze.map(format_price), "price_note": i.price_note,
                "category": i.category_name,
                "organisation": { "id": i.organisation_id, "name": i.organisation_name },
                "photo": i.photo.map(|p| format!("/zdjecia/{p}/{}", Variant::Thumbnail.name())), "alt": i.alt,
            })
        })
        .collect();
    let query = query_string(&f, sort);
    let bad_price = found.bad_price;
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
