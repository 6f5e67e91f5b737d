//! `/oferty`: the gmina's active offers of verified organisations — text search without
//! diacritics and tolerant of typos, filters by organisation, category, target group and price
//! range, sorts (name in Polish order, price with offers without one last, category, newest),
//! 20 per page, every choice in the URL.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use pestor_core::collation::polish_sort_key;
use pestor_core::offer::{TARGET_GROUPS, format_price, parse_price};
use pestor_kit::input::Query;
use pestor_photos::Variant;
use serde_json::json;
use sqlx::Arguments;
use sqlx::postgres::PgArguments;
use uuid::Uuid;

use super::categories;
use pestor_kit::auth::access::urlencode;
use pestor_kit::error::AppResult;
use pestor_kit::page::Gmina;
use pestor_kit::page::Page;
use pestor_kit::state::AppState;

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

/// Every filter of the list but its text — `$2` organisation, `$3` category, `$4` target group,
/// `$5`/`$6` price range in grosze — over `f` offers and `o` their organisations.
const FILTERS: &str = "f.status = 'active' AND o.status = 'verified'
           AND ($2::bigint IS NULL OR f.organisation_id = $2)
           AND ($3 = '' OR f.category = $3)
           AND ($4 = '' OR $4 = ANY (f.target_groups))
           AND ($5::bigint IS NULL OR f.price_grosze >= $5)
           AND ($6::bigint IS NULL OR f.price_grosze <= $6)";
/// The text `$1` matched exactly: a substring of the folded name and description.
const EXACT_TEXT: &str = "($1 = '' OR f.search_text LIKE '%' || replace(replace(public.fold($1), '%', '\\%'), '_', '\\_') || '%')";
/// The text matched nearly: the offers listed in `$7`, found by word similarity.
const NEAR_TEXT: &str = "f.id = ANY ($7)";

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
    pub photo_width: Option<i32>,
    pub photo_height: Option<i32>,
}

/// What a search found: one page of offers, how many match, whether the text matched only
/// approximately (typos), and whether a price filter could not be read (it is then left out).
pub(super) struct Found {
    pub items: Vec<Item>,
    pub total: i64,
    pub near: bool,
    pub bad_price: bool,
    pub sort: &'static str,
}

/// The one query behind the list, the API and the feed.
///
/// Text matches exactly (a substring of the folded name and description) when anything does;
/// only when nothing does are near matches (typos) shown, and the page says so. Near matches
/// cost a similarity per candidate and, mixed with exact ones, buried them under look-alikes.
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
    // Near matches are word similarity above this threshold, answered from the trigram index.
    // Custom plans: a plan cached for "any filters" keeps every `$n = '' OR …` test and cannot
    // walk the sort index or count from the index alone; planning for the actual values can.
    sqlx::query(
        "SELECT set_config('pg_trgm.word_similarity_threshold', '0.5', true),
                set_config('plan_cache_mode', 'force_custom_plan', true)",
    )
    .execute(&mut **tx)
    .await?;
    let args = |near: Option<&[i64]>| {
        let mut args = PgArguments::default();
        args.add(f.q.trim())?;
        args.add(organisation)?;
        args.add(&f.kategoria)?;
        args.add(&f.grupa)?;
        args.add(from)?;
        args.add(to)?;
        args.add(near)?;
        Ok::<_, sqlx::error::BoxDynError>(args)
    };
    let text = |near: Option<&[i64]>| {
        if near.is_some() {
            NEAR_TEXT
        } else {
            EXACT_TEXT
        }
    };
    // The page and the count are two queries: one window count over every match made the first
    // page sort all 10,000 offers of a big gmina; apart, the page walks a sort index and stops
    // after 20 rows, and the count is an index-only scan. The page is chosen on ids alone and
    // only its rows get details and photos: selected with them, a deep page (offset 6,000)
    // looked up the photos of every row it skipped (75 ms against 17).
    let page = async |tx: &mut pestor_db::TenantTx, near: Option<&[i64]>| {
        let sql = format!(
            "SELECT f.id, f.name, f.description, f.category, c.name AS category_name, f.price_grosze, f.price_note,
                    f.target_groups, o.id AS organisation_id, o.name AS organisation_name, f.created_at,
                    ph.object AS photo, ph.alt, ph.width AS photo_width, ph.height AS photo_height
             FROM (SELECT f.id FROM offers f JOIN organisation_summaries o ON o.id = f.organisation_id
                        JOIN offer_categories c ON c.code = f.category
                   WHERE {FILTERS} AND {}
                   ORDER BY {order} LIMIT $8 OFFSET $9) page
             JOIN offers f USING (id) JOIN organisation_summaries o ON o.id = f.organisation_id
                  JOIN offer_categories c ON c.code = f.category
                  LEFT JOIN LATERAL (SELECT p.object, p.alt, p.width, p.height FROM offer_photos p
                                     WHERE p.offer_id = f.id ORDER BY p.position, p.id LIMIT 1) ph ON true
             ORDER BY {order}",
            text(near)
        );
        let mut args = args(near).map_err(sqlx::Error::Encode)?;
        args.add(limit).map_err(sqlx::Error::Encode)?;
        args.add(offset).map_err(sqlx::Error::Encode)?;
        sqlx::query_as_with::<_, Item, _>(sqlx::AssertSqlSafe(sql), args)
            .fetch_all(&mut **tx)
            .await
    };
    let count = async |tx: &mut pestor_db::TenantTx, near: Option<&[i64]>| {
        let sql = format!(
            "SELECT count(*) FROM offers f JOIN organisation_summaries o ON o.id = f.organisation_id
             WHERE {FILTERS} AND {}",
            text(near)
        );
        let args = args(near).map_err(sqlx::Error::Encode)?;
        sqlx::query_scalar_with::<_, i64, _>(sqlx::AssertSqlSafe(sql), args)
            .fetch_one(&mut **tx)
            .await
    };
    let q = f.q.trim();
    let mut near: Option<Vec<i64>> = None;
    let mut items = page(tx, None).await?;
    if items.is_empty() && !q.is_empty() && (offset == 0 || count(tx, None).await? == 0) {
        // Near matches are found once through the trigram index, then filtered, sorted and
        // counted like any list: walking a sort index while computing the similarity of each
        // offer on the way took 75 ms when the matches sat at the end of that order.
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM offers WHERE status = 'active' AND public.fold($1) OPERATOR(public.<%) search_text",
        )
        .bind(q)
        .fetch_all(&mut **tx)
        .await?;
        items = page(tx, Some(&ids)).await?;
        near = Some(ids);
    }
    // A first page that is not full is every match: no need to count them.
    let total = if offset == 0 && (items.len() as i64) < limit {
        items.len() as i64
    } else {
        count(tx, near.as_deref()).await?
    };
    Ok(Found {
        items,
        total,
        near: near.is_some(),
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

impl Filters {
    /// What these filters ask of the offers other gminas' PES make available here.
    pub(super) fn elsewhere(&self) -> super::elsewhere::Wanted<'_> {
        super::elsewhere::Wanted {
            q: &self.q,
            category: &self.kategoria,
            group: &self.grupa,
            price_from: &self.cena_od,
            price_to: &self.cena_do,
            by_organisation: !self.organizacja.is_empty(),
        }
    }

    /// Refuses values that cannot match anything valid (for the API; the HTML list simply shows
    /// nothing). The text is capped so a request cannot make the database work for long.
    pub fn check(&self) -> AppResult<()> {
        let bad = |what: &str| Err(pestor_kit::input::bad_parameter(what));
        if self.q.chars().count() > 200 {
            return bad("q (najwyżej 200 znaków)");
        }
        if !self.organizacja.is_empty() && pestor_kit::page::parse_page(&self.organizacja).is_none()
        {
            return bad("organizacja (numer organizacji)");
        }
        let code = |s: &str| {
            s.len() <= 60
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        if !code(&self.kategoria) {
            return bad("kategoria (kod kategorii)");
        }
        if !self.grupa.is_empty() && pestor_core::offer::target_group_label(&self.grupa).is_none() {
            return bad("grupa (kod grupy odbiorców)");
        }
        let known_sort = SORTS.iter().any(|s| s.0 == self.sort);
        pestor_kit::input::check_sort_and_page(&self.sort, known_sort, &self.strona)
    }
}

/// The page number asked for; anything but a positive number is the first.
pub(super) fn page_number(f: &Filters) -> i64 {
    pestor_kit::page::page_number(&f.strona)
}

pub async fn list(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Query(f): Query<Filters>,
) -> AppResult<Response> {
    let number = page_number(&f);
    let mut tx = gmina.begin().await?;
    let found = find(&mut tx, &f, PAGE_SIZE, (number - 1) * PAGE_SIZE).await?;
    let (sort, q) = (found.sort, f.q.trim());
    let categories = categories(&mut tx).await?;
    // The organisation filter is a select while it is short; with more organisations than fit
    // one (2,000 options cost more than the query), it is reached from each organisation's card.
    let mut organisations: Vec<(i64, String)> = sqlx::query_as(
        "SELECT o.id, o.name FROM organisation_summaries o
         WHERE o.status = 'verified'
           AND EXISTS (SELECT 1 FROM offers f WHERE f.organisation_id = o.id AND f.status = 'active')
         LIMIT $1",
    )
    .bind(MAX_ORGANISATION_OPTIONS + 1)
    .fetch_all(&mut *tx)
    .await?;
    // Sorted here, not in SQL: ordering by the Polish key would compute it for every organisation
    // before the limit (37 ms with 2,000 of them).
    if organisations.len() as i64 > MAX_ORGANISATION_OPTIONS {
        organisations.clear();
    }
    organisations.sort_by_cached_key(|(_, name)| polish_sort_key(name));
    tx.commit().await?;
    // On the first page, the offers other gminas' PES make available here, by the same filters.
    let elsewhere: Vec<_> = if number == 1 && !found.bad_price {
        super::elsewhere::find(&gmina.db, &f.elsewhere(), sort, super::elsewhere::LIMIT)
            .await?
            .iter()
            .map(|e| e.to_json(&state))
            .collect()
    } else {
        Vec::new()
    };
    let total = found.total;
    let pages = pestor_kit::page::page_count(total, PAGE_SIZE);
    let items: Vec<_> = found
        .items
        .iter()
        .map(|i| {
            json!({
                "id": i.id, "name": i.name, "price": i.price_grosze.map(format_price), "price_note": i.price_note,
                "category": i.category_name,
                "organisation": { "id": i.organisation_id, "name": i.organisation_name },
                "photo": i.photo.map(|p| pestor_photos::photo_url("/zdjecia", p, Variant::Thumbnail)),
                "srcset": i.photo.map(|p| pestor_photos::photo_srcset("/zdjecia", p, i.photo_width.unwrap_or(0), i.photo_height.unwrap_or(0))),
                "alt": i.alt,
            })
        })
        .collect();
    let query = query_string(&f, sort);
    let (bad_price, near) = (found.bad_price, found.near);
    Ok(page
        .render(
            &state,
            "offers/list.html",
            json!({
                "items": items, "total": total, "page": number, "pages": pages, "query": query,
                "elsewhere": elsewhere,
                "bad_price": bad_price, "near": near,
                "filters": {
                    "q": q, "organizacja": f.organizacja, "kategoria": f.kategoria, "grupa": f.grupa,
                    "cena_od": f.cena_od.trim(), "cena_do": f.cena_do.trim(), "sort": sort,
                },
                "sorts": SORTS.iter().map(|(k, l, _)| json!({ "key": k, "label": l })).collect::<Vec<_>>(),
                "categories": categories.iter().map(|(c, n)| json!({ "code": c, "name": n })).collect::<Vec<_>>(),
                "groups": TARGET_GROUPS.iter().map(|(c, l)| json!({ "code": c, "label": l })).collect::<Vec<_>>(),
                "organisations": organisations.iter().map(|(id, n)| json!({ "id": id.to_string(), "name": n })).collect::<Vec<_>>(),
                "can_add": !super::my_organisations(&state, &page).await?.is_empty(),
                "is_staff": page.is_staff(),
            }),
        )?
        .into_response())
}
