//! The indicators of social clauses per year, counted from the register: procurements with a
//! clause (not cancelled) against the programme's target, their value, how many were won by a
//! PES, and the clauses' fulfilment by their latest check. A year is the procurement's
//! publication year (its entry's, when it has none). The page draws them as an SVG chart with
//! the table; the CSV is for Polish Excel; `/api/v1/klauzule` serves the register as open data.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use pestor_core::offer::{csv_amount, format_price};
use pestor_db::TenantTx;
use pestor_kit::audit;
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::forms::{Fields, field};
use pestor_kit::input::{ApiQuery, Query, bad_parameter, open_data_headers};
use pestor_kit::openapi::{
    Document, bad_request, enumerated, json_answer, page_of, paging, param, pattern,
};
use pestor_kit::page::{Gmina, Page, page_count};
use pestor_kit::spreadsheet::excel_csv;
use pestor_kit::state::AppState;
use serde_json::{Value, json};

use crate::register::{Filters, Listed, find};
use crate::shared::{KINDS, STATUSES};

#[derive(sqlx::FromRow, Debug, Clone)]
pub(crate) struct Year {
    pub year: i32,
    target: Option<i32>,
    with_clauses: i64,
    value_grosze: i64,
    with_contractor: i64,
    won_by_pes: i64,
    fulfilled: i64,
    partly: i64,
    not_fulfilled: i64,
    unchecked: i64,
}

const YEARS: &str = "
WITH p AS (
    SELECT p.*, extract(year FROM coalesce(p.published_on, p.created_at::date))::int AS year
    FROM procurements p
    WHERE p.status <> 'cancelled' AND EXISTS (SELECT 1 FROM procurement_clauses c WHERE c.procurement_id = p.id)
), latest AS (
    SELECT DISTINCT ON (k.clause_id) k.clause_id, k.verdict FROM clause_checks k
    ORDER BY k.clause_id, k.checked_on DESC, k.id DESC
), years AS (
    SELECT year FROM p UNION SELECT year FROM clause_targets
)
SELECT y.year, t.target,
    (SELECT count(*) FROM p WHERE p.year = y.year) AS with_clauses,
    (SELECT coalesce(sum(coalesce(p.contract_value_grosze, p.value_grosze)), 0)::bigint FROM p WHERE p.year = y.year) AS value_grosze,
    (SELECT count(*) FROM p WHERE p.year = y.year AND p.contractor_name <> '') AS with_contractor,
    (SELECT count(*) FROM p WHERE p.year = y.year AND p.contractor_teryt IS NOT NULL) AS won_by_pes,
    (SELECT count(*) FROM procurement_clauses c JOIN p ON p.id = c.procurement_id JOIN latest l ON l.clause_id = c.id
     WHERE p.year = y.year AND l.verdict = 'spelniona') AS fulfilled,
    (SELECT count(*) FROM procurement_clauses c JOIN p ON p.id = c.procurement_id JOIN latest l ON l.clause_id = c.id
     WHERE p.year = y.year AND l.verdict = 'czesciowo') AS partly,
    (SELECT count(*) FROM procurement_clauses c JOIN p ON p.id = c.procurement_id JOIN latest l ON l.clause_id = c.id
     WHERE p.year = y.year AND l.verdict = 'niespelniona') AS not_fulfilled,
    (SELECT count(*) FROM procurement_clauses c JOIN p ON p.id = c.procurement_id
     WHERE p.year = y.year AND NOT EXISTS (SELECT 1 FROM latest l WHERE l.clause_id = c.id)) AS unchecked
FROM years y LEFT JOIN clause_targets t ON t.year = y.year
ORDER BY y.year";

pub(crate) async fn years(tx: &mut TenantTx) -> sqlx::Result<Vec<Year>> {
    sqlx::query_as(YEARS).fetch_all(&mut **tx).await
}

impl Year {
    /// The module's figures by day (see the module's `gmina_figures`) that make a year, in the
    /// order [`Year::of_figures`] reads them.
    pub(crate) const FIGURES: [&'static str; 9] = [
        "clauses_target",
        "clauses_this_year",
        "clauses_value_grosze",
        "clauses_with_contractor",
        "clauses_won_by_pes",
        "clauses_fulfilled",
        "clauses_partly",
        "clauses_unfulfilled",
        "clauses_unchecked",
    ];

    /// A year from the sums of [`Year::FIGURES`] (the region's page); no target where no gmina
    /// set one.
    pub(crate) fn of_figures(year: i32, v: &[Option<i64>]) -> Self {
        let n = |i: usize| v.get(i).copied().flatten().unwrap_or(0);
        Year {
            year,
            target: v
                .first()
                .copied()
                .flatten()
                .map(|t| i32::try_from(t).unwrap_or(i32::MAX)),
            with_clauses: n(1),
            value_grosze: n(2),
            with_contractor: n(3),
            won_by_pes: n(4),
            fulfilled: n(5),
            partly: n(6),
            not_fulfilled: n(7),
            unchecked: n(8),
        }
    }
}

/// The table's rows and the chart's bars of `years`.
pub(crate) fn rows_and_bars(years: &[Year]) -> (Vec<Value>, Vec<Value>) {
    let bars = years
        .iter()
        .map(|y| {
            let target = y.target.map_or(String::new(), |t| format!(" (cel: {t})"));
            json!({ "label": y.year.to_string(), "value": y.with_clauses, "text": format!("{}{target}", y.with_clauses) })
        })
        .collect();
    let rows = years
        .iter()
        .map(|y| {
            json!({
                "year": y.year, "target": y.target, "with_clauses": y.with_clauses,
                "value": format_price(y.value_grosze), "won_by_pes": y.won_by_pes,
                "with_contractor": y.with_contractor, "share": share(y), "fulfilled": y.fulfilled,
                "partly": y.partly, "not_fulfilled": y.not_fulfilled, "unchecked": y.unchecked,
            })
        })
        .collect();
    (rows, bars)
}

fn share(y: &Year) -> String {
    if y.with_contractor == 0 {
        "—".into()
    } else {
        format!("{} %", y.won_by_pes * 100 / y.with_contractor)
    }
}

/// `/klauzule-spoleczne/wskazniki`: the years side by side; staff set a year's target.
pub async fn page(State(state): State<AppState>, page: Page, gmina: Gmina) -> AppResult<Response> {
    let mut tx = gmina.begin().await?;
    let years = years(&mut tx).await?;
    tx.commit().await?;
    let (rows, bars) = rows_and_bars(&years);
    Ok(page
        .render(
            &state,
            "procurement/indicators.html",
            json!({ "years": rows, "bars": bars, "is_staff": page.is_staff(),
                    "this_year": state.clock.today().year() }),
        )?
        .into_response())
}

/// `/klauzule-spoleczne/wskazniki.csv`.
pub async fn csv(gmina: Gmina) -> AppResult<Response> {
    let mut tx = gmina.begin().await?;
    let years = years(&mut tx).await?;
    tx.commit().await?;
    let body = csv_of(&years);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"klauzule-spoleczne-wskazniki.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

/// The indicators as CSV for Polish Excel.
pub(crate) fn csv_of(years: &[Year]) -> String {
    excel_csv(
        &[
            "rok",
            "cel programu",
            "zamówienia z klauzulami",
            "wartość (zł)",
            "z wybranym wykonawcą",
            "wygrane przez PES",
            "klauzule spełnione",
            "spełnione częściowo",
            "niespełnione",
            "jeszcze niesprawdzone",
        ],
        years.iter().map(|y| {
            vec![
                y.year.to_string(),
                y.target.map(|t| t.to_string()).unwrap_or_default(),
                y.with_clauses.to_string(),
                csv_amount(y.value_grosze),
                y.with_contractor.to_string(),
                y.won_by_pes.to_string(),
                y.fulfilled.to_string(),
                y.partly.to_string(),
                y.not_fulfilled.to_string(),
                y.unchecked.to_string(),
            ]
        }),
    )
}

/// `POST /klauzule-spoleczne/wskazniki/cel`: a year's target (staff).
pub async fn set_target(page: Page, gmina: Gmina, axum::Form(f): Fields) -> AppResult<Response> {
    let me = page.account()?;
    let year = field(&f, "year")
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y));
    let target = field(&f, "target")
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|t| (0..=10_000).contains(t));
    let (Some(year), Some(target)) = (year, target) else {
        return Err(AppError::BadRequest(
            "Podaj rok (2000–2100) i cel — liczbę zamówień z klauzulą (0–10 000). Nic nie zostało zapisane."
                .into(),
        ));
    };
    let mut tx = gmina.begin().await?;
    sqlx::query(
        "INSERT INTO clause_targets (year, target) VALUES ($1, $2)
         ON CONFLICT (year) DO UPDATE SET target = EXCLUDED.target",
    )
    .bind(year)
    .bind(target)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        me,
        "procurement.target",
        json!({ "rok": year, "cel": target }),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/klauzule-spoleczne/wskazniki").into_response())
}

const DEFAULT_PER_PAGE: i64 = 20;
const MAX_PER_PAGE: i64 = 100;

fn check(f: &Filters) -> AppResult<()> {
    if !f.status.is_empty() && !STATUSES.iter().any(|s| s.0 == f.status) {
        return Err(bad_parameter("status (status z listy)"));
    }
    if !f.rok.is_empty() && f.year().is_none() {
        return Err(bad_parameter("rok (2000–2100)"));
    }
    if !f.rodzaj.is_empty() && !KINDS.iter().any(|(c, _)| *c == f.rodzaj) {
        return Err(bad_parameter("rodzaj (uslugi, dostawy albo roboty)"));
    }
    let code = f.klauzula.len() <= 40
        && f.klauzula
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !code {
        return Err(bad_parameter("klauzula (kod z katalogu)"));
    }
    if !f.strona.is_empty() && pestor_kit::page::parse_page(&f.strona).is_none() {
        return Err(bad_parameter("strona (liczba od 1)"));
    }
    Ok(())
}

/// `/api/v1/klauzule`: the register as open data, with the list's filters.
pub async fn api(gmina: Gmina, Query(q): Query<ApiQuery<Filters>>) -> AppResult<Response> {
    check(&q.filters)?;
    let per_page = q.per_page(DEFAULT_PER_PAGE, MAX_PER_PAGE)?;
    let number = pestor_kit::page::page_number(&q.filters.strona);
    let mut tx = gmina.begin().await?;
    let (rows, total) = find(&mut tx, &q.filters, per_page, (number - 1) * per_page).await?;
    tx.commit().await?;
    let pages = page_count(total, per_page);
    let link = |n: i64| format!("/api/v1/klauzule?strona={n}&na_strone={per_page}");
    let body = json!({
        "total": total, "page": number, "per_page": per_page, "pages": pages,
        "next": (number < pages).then(|| link(number + 1)),
        "prev": (number > 1).then(|| link(number - 1)),
        "items": rows.iter().map(Listed::to_json).collect::<Vec<_>>(),
    });
    Ok((open_data_headers("application/json"), body.to_string()).into_response())
}

/// The endpoint in the gmina's OpenAPI document.
pub fn describe(doc: &mut Document) {
    let mut parameters = vec![
        param(
            "status",
            "Status zamówienia.",
            enumerated(STATUSES.iter().map(|s| s.0)),
        ),
        param(
            "rok",
            "Rok publikacji.",
            json!({ "type": "integer", "minimum": 2000, "maximum": 2100 }),
        ),
        param(
            "klauzula",
            "Kod klauzuli z katalogu (np. pzp2019-art96).",
            pattern("^[a-z0-9-]{1,40}$"),
        ),
        param(
            "rodzaj",
            "Rodzaj zamówienia.",
            enumerated(KINDS.iter().map(|k| k.0)),
        ),
    ];
    parameters.extend(paging(DEFAULT_PER_PAGE, MAX_PER_PAGE));
    doc.path("/api/v1/klauzule", json!({
        "summary": "Rejestr zamówień z klauzulami społecznymi (JSON, stronicowany)",
        "parameters": parameters,
        "responses": { "200": json_answer("Strona rejestru.", "ProcurementPage"), "400": bad_request() },
    }))
    .schema("ProcurementPage", page_of("Procurement", json!({})))
    .schema("Procurement", json!({ "type": "object", "required": ["id", "reference", "subject", "status", "clauses"], "properties": {
        "id": { "type": "integer" }, "reference": { "type": "string" }, "subject": { "type": "string" },
        "kind": { "type": "object", "properties": { "code": { "type": "string" }, "name": { "type": "string" } } },
        "procedure": { "type": "object", "properties": { "code": { "type": "string" }, "name": { "type": "string" } } },
        "value_grosze": { "type": "integer" }, "value": { "type": "string" },
        "published_on": { "type": "string", "format": "date", "nullable": true },
        "published": { "type": "string", "nullable": true },
        "status": { "type": "object", "properties": { "code": { "type": "string" }, "name": { "type": "string" } } },
        "contractor": { "type": "object", "nullable": true, "properties": { "name": { "type": "string" }, "pes": { "type": "boolean" } } },
        "contract_value_grosze": { "type": "integer", "nullable": true },
        "clauses": { "type": "array", "items": { "type": "string" } },
        "demo": { "type": "boolean" },
    } }));
}
