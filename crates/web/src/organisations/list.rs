//! `/podmioty`: the gmina's verified organisations — filters (text without diacritics, legal form,
//! area, powiat, gmina of the seat), sorts in Polish order, pagination, all choices in the URL.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use pestor_core::pes::{legal_form, legal_forms, public_benefit_area, public_benefit_areas};
use serde_json::json;

use crate::auth::access::urlencode;
use crate::error::AppResult;
use crate::pages::Page;
use crate::panel::gmina;
use crate::state::AppState;

pub const PAGE_SIZE: i64 = 20;

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
pub struct Filters {
    q: String,
    forma: String,
    sfera: String,
    powiat: String,
    gmina: String,
    sort: String,
    strona: String,
}

/// Sort keys and their ORDER BY clauses: fixed text, never built from input.
const SORTS: &[(&str, &str, &str)] = &[
    ("nazwa", "nazwa", "o.name COLLATE \"pl-x-icu\", o.id"),
    (
        "adres",
        "adres",
        "o.locality COLLATE \"pl-x-icu\", o.street COLLATE \"pl-x-icu\", o.id",
    ),
    (
        "powiat",
        "powiat",
        "p.name COLLATE \"pl-x-icu\", o.name COLLATE \"pl-x-icu\", o.id",
    ),
    (
        "gmina",
        "gmina",
        "g.name COLLATE \"pl-x-icu\", o.name COLLATE \"pl-x-icu\", o.id",
    ),
    (
        "typ",
        "forma prawna",
        "o.legal_form, o.name COLLATE \"pl-x-icu\", o.id",
    ),
    (
        "dodano",
        "data dodania (najnowsze)",
        "o.created_at DESC, o.id DESC",
    ),
];

type Row = (
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    time::OffsetDateTime,
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
    let sql = format!(
        "SELECT o.id, o.name, o.legal_form, o.locality, o.street, p.name, g.name, o.created_at, count(*) OVER ()
         FROM organisations o
         LEFT JOIN public.powiats p ON p.teryt = o.powiat_teryt
         LEFT JOIN public.tenants g ON g.teryt = o.gmina_teryt
         WHERE o.status = 'verified'
           AND ($1 = '' OR public.fold(o.name) LIKE '%' || public.fold($1) || '%'
                        OR public.fold(o.description) LIKE '%' || public.fold($1) || '%')
           AND ($2 = '' OR o.legal_form = $2)
           AND ($3 = '' OR $3 = ANY (o.areas))
           AND ($4 = '' OR o.powiat_teryt = $4)
           AND ($5 = '' OR o.gmina_teryt = $5)
         ORDER BY {order} LIMIT $6 OFFSET $7"
    );
    let mut tx = t.tenant.db(&state.db.pool).begin().await?;
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(f.q.trim())
        .bind(&f.forma)
        .bind(&f.sfera)
        .bind(&f.powiat)
        .bind(&f.gmina)
        .bind(PAGE_SIZE)
        .bind((number - 1) * PAGE_SIZE)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    let total = rows.first().map_or(0, |r| r.8);
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let items: Vec<_> = rows
        .into_iter()
        .map(|(id, name, form, locality, street, powiat, gmina, at, _)| {
            let address = [street, locality]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            json!({
                "id": id, "name": name,
                "form": legal_form(&form).map_or(form.clone(), |f| f.short.clone()),
                "address": address,
                "powiat": powiat, "gmina": gmina, "added": crate::pages::polish_date(at.date()),
            })
        })
        .collect();
    // The query string of the current choices without the page, for the page links.
    let query = [
        ("q", f.q.trim()),
        ("forma", &f.forma),
        ("sfera", &f.sfera),
        ("powiat", &f.powiat),
        ("gmina", &f.gmina),
        ("sort", sort),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| format!("{k}={}", urlencode(v)))
    .collect::<Vec<_>>()
    .join("&");
    let powiats: Vec<_> = state
        .registry
        .powiats
        .iter()
        .map(|p| json!({ "teryt": p.teryt, "name": p.name }))
        .collect();
    let gminas: Vec<_> = state
        .registry
        .gminas
        .iter()
        .map(|g| json!({ "teryt": g.teryt.as_str(), "name": format!("{} (gmina {})", g.name, g.kind.as_str()) }))
        .collect();
    Ok(page
        .render(
            &state,
            "organisations/list.html",
            json!({
                "items": items, "total": total, "page": number, "pages": pages,
                "filters": { "q": f.q.trim(), "forma": f.forma, "sfera": f.sfera, "powiat": f.powiat, "gmina": f.gmina, "sort": sort },
                "area_label": public_benefit_area(&f.sfera).map(|a| &a.label),
                "query": query,
                "sorts": SORTS.iter().map(|(k, label, _)| json!({ "key": k, "label": label })).collect::<Vec<_>>(),
                "legal_forms": legal_forms(), "areas": public_benefit_areas(), "powiats": powiats, "gminas": gminas,
            }),
        )?
        .into_response())
}
