//! `/szukaj` and `/api/v1/szukaj` on the portal: organisations, offers and whatever else a module
//! contributes ([`SearchSource`]), of every active gmina, in one list. Read from the modules'
//! regional projections in `public` (written in the transactions of the gminas' own rows), never
//! from the 144 schemas; a suspended or archived gmina's rows are left out by the join with
//! `tenants`. Text matches like the gmina lists: folded (no case, no diacritics) substrings first,
//! and only when nothing matches, near matches by word similarity (typos), said on the page.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use moka::future::Cache;
use pestor_core::offer::{TARGET_GROUPS, format_price};
use pestor_core::pes::{legal_form, legal_forms, public_benefit_area, public_benefit_areas};
use pestor_kit::auth::access::urlencode;
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::input::{ApiQuery, Query, bad_parameter, check_sort_and_page, open_data_headers};
use pestor_kit::module::{SEARCH_COLUMNS, SearchSource};
use pestor_kit::openapi::{
    Document, bad_request, enumerated, json_answer, nullable, page_of, paging, param, pattern,
    text_search,
};
use pestor_kit::page::{Page, page_count, page_number};
use pestor_kit::state::AppState;
use serde_json::{Value, json};
use sqlx::Arguments;
use sqlx::postgres::PgArguments;

const PAGE_SIZE: i64 = 20;
const MAX_PER_PAGE: i64 = 100;

/// The choices of a search, as they appear in its URL.
#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
pub struct Filters {
    pub q: String,
    /// A kind of hit ([`SearchSource::kind`]).
    pub typ: String,
    pub powiat: String,
    pub gmina: String,
    pub forma: String,
    pub sfera: String,
    pub kategoria: String,
    pub grupa: String,
    pub sort: String,
    pub strona: String,
}

/// Sort keys, labels and ORDER BY clauses over `h` (the hits): fixed text, never built from
/// input. Relevance puts titles containing the text first, then by word similarity.
const SORTS: &[(&str, &str, &str)] = &[
    (
        "trafnosc",
        "trafność",
        "(public.fold(h.title) LIKE $11) DESC, public.word_similarity(public.fold($1), h.search_text) DESC, \
         h.name_key, h.kind, h.teryt, h.id",
    ),
    ("nazwa", "nazwa", "h.name_key, h.kind, h.teryt, h.id"),
    (
        "cena",
        "cena (od najniższej)",
        "h.price_grosze ASC NULLS LAST, h.name_key, h.kind, h.teryt, h.id",
    ),
];

/// Every filter but the text: `$2` kind, `$3` powiat, `$4` gmina, `$5` legal form, `$6` area,
/// `$7` offer category, `$8` target group.
const FILTERS: &str = "($2 = '' OR h.kind = $2) AND ($3 = '' OR t.powiat_teryt = $3)
     AND ($4 = '' OR h.teryt = $4) AND ($5 = '' OR h.legal_form = $5)
     AND ($6 = '' OR $6 = ANY (h.areas)) AND ($7 = '' OR h.category = $7)
     AND ($8 = '' OR $8 = ANY (h.target_groups))";
/// `$1` folded is a substring (`$11` is that LIKE pattern, escaped).
const EXACT_TEXT: &str = "($1 = '' OR h.search_text LIKE $11)";
/// `$1` is near a word of the text (typos), from the trigram indexes.
const NEAR_TEXT: &str = "public.fold($1) OPERATOR(public.<%) h.search_text";

impl Filters {
    /// Relevance when there is text to be relevant to, otherwise name; or what was asked for.
    fn sort_key(&self) -> &'static str {
        match SORTS.iter().find(|s| s.0 == self.sort) {
            Some(s) => s.0,
            None if self.q.trim().is_empty() => "nazwa",
            None => "trafnosc",
        }
    }

    /// The query string of the filters (not the page), with `sort` unless `None`.
    fn query(&self, sort: Option<&str>) -> String {
        [
            ("q", self.q.trim()),
            ("typ", &self.typ),
            ("powiat", &self.powiat),
            ("gmina", &self.gmina),
            ("forma", &self.forma),
            ("sfera", &self.sfera),
            ("kategoria", &self.kategoria),
            ("grupa", &self.grupa),
            ("sort", sort.unwrap_or("")),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
    }

    /// Refuses values that cannot match anything valid, naming the parameter in Polish.
    fn check(&self, sources: &[SearchSource]) -> AppResult<()> {
        let bad = |what: &str| Err(bad_parameter(what));
        if self.q.chars().count() > 200 || self.q.contains('\0') {
            return bad("q (najwyżej 200 znaków)");
        }
        if !self.typ.is_empty() && !sources.iter().any(|s| s.kind == self.typ) {
            return bad("typ (rodzaj wyniku z listy)");
        }
        let digits = |s: &str, n: usize| {
            s.is_empty() || (s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
        };
        if !digits(&self.powiat, 4) {
            return bad("powiat (4-cyfrowy kod TERYT)");
        }
        if !digits(&self.gmina, 7) {
            return bad("gmina (7-cyfrowy kod TERYT)");
        }
        if !self.forma.is_empty() && legal_form(&self.forma).is_none() {
            return bad("forma (kod formy prawnej z listy)");
        }
        if !self.sfera.is_empty() && public_benefit_area(&self.sfera).is_none() {
            return bad("sfera (numer sfery pożytku publicznego)");
        }
        let code = |s: &str| {
            (2..=40).contains(&s.len())
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        if !self.kategoria.is_empty() && !code(&self.kategoria) {
            return bad("kategoria (kod kategorii, np. catering)");
        }
        if !self.grupa.is_empty() && !TARGET_GROUPS.iter().any(|g| g.0 == self.grupa) {
            return bad("grupa (grupa odbiorców z listy)");
        }
        let known_sort = SORTS.iter().any(|s| s.0 == self.sort);
        check_sort_and_page(&self.sort, known_sort, &self.strona)
    }
}

/// One hit, with its gmina.
#[derive(sqlx::FromRow)]
struct Hit {
    kind: String,
    teryt: String,
    slug: String,
    gmina_name: String,
    id: i64,
    title: String,
    organisation: Option<String>,
    summary: String,
    path: String,
    price_grosze: Option<i64>,
    legal_form: Option<String>,
    category: Option<String>,
    category_name: Option<String>,
    target_groups: Option<Vec<String>>,
}

struct Found {
    hits: Vec<Hit>,
    total: i64,
    near: bool,
}

/// Text typed into the search box is matched literally: `%` and `_` are not wildcards.
fn like_pattern(folded: &str) -> String {
    let escaped = folded
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

fn hits_cte(sources: &[SearchSource]) -> String {
    let union = sources
        .iter()
        .map(|s| format!("({})", s.query))
        .collect::<Vec<_>>()
        .join("\n UNION ALL\n ");
    format!("WITH hits ({SEARCH_COLUMNS}) AS ({union})")
}

/// Each source filtered, with its gmina (active only), as `h` (and `t`, the gmina).
fn filtered(source: &SearchSource, text: &str) -> String {
    format!(
        "SELECT h.kind, h.teryt, t.slug, t.name AS gmina_name, h.id, h.title, h.organisation, h.summary,
                h.path, h.price_grosze, h.legal_form, h.category, h.category_name, h.target_groups,
                h.name_key, h.search_text
         FROM ({}) h ({SEARCH_COLUMNS})
         JOIN public.tenants t ON t.teryt = h.teryt AND t.status = 'active'
         WHERE {text} AND {FILTERS}",
        source.query
    )
}

/// One page of `text` matches, and how many there are. The page takes the first `offset + limit`
/// rows of each source in the page's order (an index walk that stops early) and merges them: one
/// sort of every match of every source took most of the time of a page. The count is its own
/// statement, skipped when the first page is not full.
async fn run(
    tx: &mut sqlx::PgConnection,
    sources: &[SearchSource],
    text: &str,
    order: &str,
    args: impl Fn() -> Result<PgArguments, sqlx::error::BoxDynError>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<Hit>, i64)> {
    let page = format!(
        "SELECT * FROM ({}) h ORDER BY {order} LIMIT $9 OFFSET $10",
        sources
            .iter()
            .map(|s| format!("({} ORDER BY {order} LIMIT $9 + $10)", filtered(s, text)))
            .collect::<Vec<_>>()
            .join("\n UNION ALL\n ")
    );
    let hits = sqlx::query_as_with::<_, Hit, _>(
        sqlx::AssertSqlSafe(page),
        args().map_err(sqlx::Error::Encode)?,
    )
    .fetch_all(&mut *tx)
    .await?;
    if offset == 0 && (hits.len() as i64) < limit {
        let n = hits.len() as i64;
        return Ok((hits, n));
    }
    let count = format!(
        "SELECT {} + 0::bigint",
        sources
            .iter()
            .map(|s| format!(
                "(SELECT count(*) FROM ({}) c WHERE $9 >= 0 AND $10 >= 0)",
                filtered(s, text)
            ))
            .collect::<Vec<_>>()
            .join(" + ")
    );
    let total: i64 = sqlx::query_scalar_with(
        sqlx::AssertSqlSafe(count),
        args().map_err(sqlx::Error::Encode)?,
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok((hits, total))
}

async fn find(state: &AppState, f: &Filters, limit: i64, offset: i64) -> AppResult<Found> {
    let sources = state.catalogue.search_sources();
    let (_, _, order) = SORTS
        .iter()
        .find(|s| s.0 == f.sort_key())
        .unwrap_or(&SORTS[1]);
    let q = f.q.trim();
    let args = |pattern: &str| {
        let mut args = PgArguments::default();
        for v in [
            q,
            &f.typ,
            &f.powiat,
            &f.gmina,
            &f.forma,
            &f.sfera,
            &f.kategoria,
            &f.grupa,
        ] {
            args.add(v.to_owned())?;
        }
        args.add(limit)?;
        args.add(offset)?;
        args.add(pattern.to_owned())?;
        Ok::<_, sqlx::error::BoxDynError>(args)
    };
    let mut tx = pestor_db::begin(state.db.platform()).await?;
    // The similarity threshold of `<%` and plans made for the actual values (a plan for "any
    // filters" keeps every `$n = ''` test and cannot use the indexes for the text or the order).
    let folded: String = sqlx::query_scalar(
        "SELECT public.fold($1) FROM (SELECT set_config('pg_trgm.word_similarity_threshold', '0.5', true),
                                             set_config('plan_cache_mode', 'force_custom_plan', true)) s",
    )
    .bind(q)
    .fetch_one(&mut *tx)
    .await?;
    let pattern = like_pattern(&folded);
    let (mut hits, mut total) = run(
        &mut tx,
        sources,
        EXACT_TEXT,
        order,
        || args(&pattern),
        limit,
        offset,
    )
    .await?;
    let mut near = false;
    if total == 0 && !q.is_empty() {
        (hits, total) = run(
            &mut tx,
            sources,
            NEAR_TEXT,
            order,
            || args(&pattern),
            limit,
            offset,
        )
        .await?;
        // "Near matches" only when there are some; otherwise the page says nothing was found.
        near = total > 0;
    }
    tx.commit().await?;
    Ok(Found { hits, total, near })
}

fn hit_json(state: &AppState, sources: &[SearchSource], h: &Hit) -> Value {
    let label = sources
        .iter()
        .find(|s| s.kind == h.kind)
        .map_or("", |s| s.label);
    let url = format!("{}{}", state.settings.host_url(Some(&h.slug)), h.path);
    let summary: String = h.summary.chars().take(240).collect();
    let summary = if summary.len() < h.summary.len() {
        format!("{}…", summary.trim_end())
    } else {
        summary
    };
    json!({
        "kind": h.kind, "kind_label": label, "id": h.id, "title": h.title, "url": url,
        "organisation": h.organisation, "summary": summary,
        "gmina": { "teryt": h.teryt, "slug": h.slug, "name": h.gmina_name },
        "legal_form": h.legal_form.as_deref().map(|c| json!({
            "code": c, "name": legal_form(c).map_or(c.to_owned(), |f| f.name.clone()),
        })),
        "category": h.category.as_deref().map(|c| json!({ "code": c, "name": h.category_name })),
        "price_grosze": h.price_grosze,
        "price": h.price_grosze.map(format_price),
        "target_groups": h.target_groups,
    })
}

type Categories = Vec<(String, String)>;

/// Offer categories in use anywhere, for the filter: (code, name), by name. Grouping every offer
/// of the region is the slowest part of a page, and the list changes rarely: reused for a minute.
async fn categories(state: &AppState) -> AppResult<Arc<Categories>> {
    static CACHE: OnceLock<Cache<(), Arc<Categories>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| {
        Cache::builder()
            .time_to_live(Duration::from_secs(60))
            .build()
    });
    cache
        .try_get_with((), async { count_categories(state).await.map(Arc::new) })
        .await
        // The caller that ran the query owns its error; the others get its text.
        .map_err(|e: Arc<AppError>| {
            Arc::try_unwrap(e)
                .unwrap_or_else(|e| AppError::Sqlx(sqlx::Error::Protocol(e.to_string())))
        })
}

async fn count_categories(state: &AppState) -> AppResult<Vec<(String, String)>> {
    let sql = format!(
        "{} SELECT h.category, min(h.category_name) AS name FROM hits h
         JOIN public.tenants t ON t.teryt = h.teryt AND t.status = 'active'
         WHERE h.category IS NOT NULL GROUP BY h.category ORDER BY public.polish_key(min(h.category_name))",
        hits_cte(state.catalogue.search_sources())
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(state.db.platform())
        .await?)
}

pub async fn page(
    State(state): State<AppState>,
    page: Page,
    Query(f): Query<Filters>,
) -> AppResult<Response> {
    let sources = state.catalogue.search_sources();
    f.check(sources)?;
    let number = page_number(&f.strona);
    let found = find(&state, &f, PAGE_SIZE, (number - 1) * PAGE_SIZE).await?;
    let sort = f.sort_key();
    let hits: Vec<Value> = found
        .hits
        .iter()
        .map(|h| hit_json(&state, sources, h))
        .collect();
    let mut powiats: Vec<_> = state
        .registry
        .powiats
        .iter()
        .map(|p| json!({ "code": p.teryt, "name": p.name }))
        .collect();
    powiats.sort_by_key(|p| pestor_core::polish_sort_key(p["name"].as_str().unwrap_or("")));
    let tenants = state.tenants.list().await?;
    let mut gminas: Vec<_> = tenants
        .iter()
        .filter(|t| t.status() == pestor_core::TenantStatus::Active)
        .filter(|t| f.powiat.is_empty() || t.gmina().powiat_teryt == f.powiat)
        .map(|t| {
            json!({ "code": t.teryt().as_str(),
                    "name": format!("{} (gmina {})", t.gmina().name, t.gmina().kind.as_str()) })
        })
        .collect();
    gminas.sort_by_key(|g| pestor_core::polish_sort_key(g["name"].as_str().unwrap_or("")));
    let kinds: Vec<_> = sources
        .iter()
        .map(|s| json!({ "code": s.kind, "name": s.plural }))
        .collect();
    let forms: Vec<_> = legal_forms()
        .iter()
        .map(|f| json!({ "code": f.code, "name": f.name }))
        .collect();
    let areas: Vec<_> = public_benefit_areas()
        .iter()
        .map(|a| json!({ "code": a.point, "name": format!("{}. {}", a.point, a.label) }))
        .collect();
    let categories: Vec<_> = categories(&state)
        .await?
        .iter()
        .map(|(code, name)| json!({ "code": code, "name": name }))
        .collect();
    let groups: Vec<_> = TARGET_GROUPS
        .iter()
        .map(|g| json!({ "code": g.0, "name": g.1 }))
        .collect();
    let sorts: Vec<_> = SORTS
        .iter()
        .map(|s| json!({ "key": s.0, "label": s.1 }))
        .collect();
    let query = f.query(Some(sort));
    Ok(page
        .render(
            &state,
            "region/search.html",
            json!({
                "filters": { "q": f.q.trim(), "typ": f.typ, "powiat": f.powiat, "gmina": f.gmina,
                             "forma": f.forma, "sfera": f.sfera, "kategoria": f.kategoria,
                             "grupa": f.grupa, "sort": sort },
                "hits": hits, "total": found.total, "near": found.near,
                "page": number, "pages": page_count(found.total, PAGE_SIZE), "query": query,
                "kinds": kinds, "powiats": powiats, "gminas": gminas, "forms": forms, "areas": areas,
                "categories": categories, "groups": groups, "sorts": sorts,
            }),
        )?
        .into_response())
}

pub async fn api(
    State(state): State<AppState>,
    Query(q): Query<ApiQuery<Filters>>,
) -> AppResult<Response> {
    let sources = state.catalogue.search_sources();
    let f = &q.filters;
    f.check(sources)?;
    let per_page = q.per_page(PAGE_SIZE, MAX_PER_PAGE)?;
    let number = page_number(&f.strona);
    let found = find(&state, f, per_page, (number - 1) * per_page).await?;
    let pages = page_count(found.total, per_page);
    let link = |n: i64| {
        let query = f.query(Some(f.sort_key()));
        format!("/api/v1/szukaj?{query}&strona={n}&na_strone={per_page}")
    };
    let body = json!({
        "total": found.total, "page": number, "per_page": per_page, "pages": pages,
        "text_match": if found.near { "near" } else { "exact" },
        "next": (number < pages).then(|| link(number + 1)),
        "prev": (number > 1 && number <= pages).then(|| link(number - 1)),
        "items": found.hits.iter().map(|h| hit_json(&state, sources, h)).collect::<Vec<_>>(),
    });
    Ok((
        open_data_headers("application/json; charset=utf-8"),
        body.to_string(),
    )
        .into_response())
}

/// The search's endpoint in the portal's open-data description (see [`pestor_kit::openapi`]).
pub fn describe(doc: &mut Document) {
    let forms = legal_forms().iter().map(|f| f.code.as_str());
    let areas = public_benefit_areas().iter().map(|a| a.point.as_str());
    let mut parameters = vec![
        text_search(
            "Szukany tekst w nazwie lub opisie; bez znaczenia są wielkość liter i polskie znaki. Gdy nic go nie zawiera, zwracane są wyniki o podobnych słowach (literówki) i text_match = near.",
        ),
        param(
            "typ",
            "Rodzaj wyniku (np. podmiot — organizacja, oferta).",
            enumerated(doc.search_kinds.clone()),
        ),
        param(
            "powiat",
            "Kod TERYT powiatu gminy (4 cyfry).",
            pattern("^[0-9]{4}$"),
        ),
        param("gmina", "Kod TERYT gminy (7 cyfr).", pattern("^[0-9]{7}$")),
        param(
            "forma",
            "Kod formy prawnej organizacji (ofert: organizacji, która je składa).",
            enumerated(forms),
        ),
        param(
            "sfera",
            "Numer sfery pożytku publicznego organizacji.",
            enumerated(areas),
        ),
        param(
            "kategoria",
            "Kod kategorii oferty (np. catering).",
            pattern("^[a-z0-9-]{2,40}$"),
        ),
        param(
            "grupa",
            "Dla kogo jest oferta.",
            enumerated(TARGET_GROUPS.iter().map(|g| g.0)),
        ),
        param(
            "sort",
            "Kolejność (domyślnie trafność, gdy podano tekst, inaczej nazwa).",
            enumerated(SORTS.iter().map(|s| s.0)),
        ),
    ];
    parameters.extend(paging(PAGE_SIZE, MAX_PER_PAGE));
    doc.path("/api/v1/szukaj", json!({
        "summary": "Wyszukiwanie organizacji i ofert we wszystkich gminach regionu (JSON, stronicowane)",
        "parameters": parameters,
        "responses": { "200": json_answer("Strona wyników.", "SearchPage"), "400": bad_request() },
    }))
    .schema("SearchPage", page_of("SearchHit", json!({
        "text_match": { "type": "string", "enum": ["exact", "near"] },
    })))
    .schema("SearchHit", json!({ "type": "object", "required": ["kind", "id", "title", "url", "gmina"], "properties": {
        "kind": { "type": "string" }, "kind_label": { "type": "string" },
        "id": { "type": "integer" }, "title": { "type": "string" }, "url": { "type": "string", "format": "uri" },
        "organisation": nullable("string"), "summary": { "type": "string" },
        "gmina": { "type": "object", "properties": { "teryt": { "type": "string" }, "slug": { "type": "string" }, "name": { "type": "string" } } },
        "legal_form": { "type": "object", "nullable": true, "properties": { "code": { "type": "string" }, "name": { "type": "string" } } },
        "category": { "type": "object", "nullable": true, "properties": { "code": { "type": "string" }, "name": nullable("string") } },
        "price_grosze": nullable("integer"), "price": nullable("string"),
        "target_groups": { "type": "array", "nullable": true, "items": { "type": "string" } },
    } }));
}
