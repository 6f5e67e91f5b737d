//! The public monitoring of the premises policy, per calendar year, computed from the records:
//! premises leased to PES (count, m²), the rent discount granted (standard minus charged rent,
//! per m² and month, times the area, over the lease's days in each month of the year), calls
//! opened and their results, and occupancy on the year's last day (or today, for this year).
//! The page shows the years side by side as an SVG bar chart and a table; the CSV is for Excel.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use pestor_core::offer::{csv_amount, format_price};
use pestor_db::TenantTx;
use pestor_kit::error::AppResult;
use pestor_kit::page::{Gmina, Page};
use pestor_kit::spreadsheet::excel_csv;
use pestor_kit::state::AppState;
use serde_json::{Value, json};
use time::Date;

use crate::shared::area_text;

/// One year's figures.
#[derive(sqlx::FromRow, Debug)]
struct Year {
    year: i32,
    leased_to_pes: i64,
    /// m² in hundredths.
    leased_area: i64,
    discount_grosze: i64,
    calls_opened: i64,
    applications: i64,
    premises_awarded: i64,
    premises_offered: i64,
    premises_occupied: i64,
}

/// Every year from the first record to this one, computed in one statement.
const YEARS: &str = "
WITH bounds AS (
    SELECT generate_series(
        least(extract(year FROM $1::date)::int,
              coalesce((SELECT min(extract(year FROM lower(during)))::int FROM premises_leases), 9999),
              coalesce((SELECT min(extract(year FROM opened_at AT TIME ZONE 'Europe/Warsaw'))::int FROM premises_calls), 9999),
              coalesce((SELECT min(extract(year FROM created_at AT TIME ZONE 'Europe/Warsaw'))::int FROM premises), 9999)),
        extract(year FROM $1::date)::int) AS year
), years AS (
    SELECT year, daterange(make_date(year, 1, 1), make_date(year + 1, 1, 1)) AS span,
           least(make_date(year, 12, 31), $1::date) AS census
    FROM bounds
)
SELECT y.year,
    (SELECT count(DISTINCT l.premises_id) FROM premises_leases l WHERE l.to_pes AND l.during && y.span) AS leased_to_pes,
    (SELECT coalesce(sum(a), 0)::bigint FROM (
        SELECT DISTINCT ON (l.premises_id) (l.area_m2 * 100)::bigint AS a FROM premises_leases l
        WHERE l.to_pes AND l.during && y.span ORDER BY l.premises_id, lower(l.during) DESC) x) AS leased_area,
    (SELECT coalesce(round(sum(
        (upper(l.during * m.r) - lower(l.during * m.r))::numeric / (upper(m.r) - lower(m.r))
        * l.area_m2 * greatest(l.rent_standard_grosze - l.rent_charged_grosze, 0))), 0)::bigint
     FROM premises_leases l
     CROSS JOIN LATERAL (SELECT daterange(make_date(y.year, n, 1), (make_date(y.year, n, 1) + interval '1 month')::date) AS r
                         FROM generate_series(1, 12) n) m
     WHERE l.to_pes AND l.during && m.r) AS discount_grosze,
    (SELECT count(*) FROM premises_calls c
     WHERE extract(year FROM c.opened_at AT TIME ZONE 'Europe/Warsaw') = y.year) AS calls_opened,
    (SELECT count(*) FROM premises_applications a JOIN premises_calls c ON c.id = a.call_id
     WHERE extract(year FROM c.opened_at AT TIME ZONE 'Europe/Warsaw') = y.year) AS applications,
    (SELECT count(*) FROM premises_applications a JOIN premises_calls c ON c.id = a.call_id
     WHERE a.result = 'won' AND extract(year FROM c.opened_at AT TIME ZONE 'Europe/Warsaw') = y.year) AS premises_awarded,
    (SELECT count(*) FROM premises p
     WHERE p.status <> 'withdrawn' AND (p.created_at AT TIME ZONE 'Europe/Warsaw')::date <= y.census) AS premises_offered,
    (SELECT count(DISTINCT l.premises_id) FROM premises_leases l JOIN premises p ON p.id = l.premises_id
     WHERE p.status <> 'withdrawn' AND l.during @> y.census) AS premises_occupied
FROM years y ORDER BY y.year";

async fn years(tx: &mut TenantTx, today: Date) -> sqlx::Result<Vec<Year>> {
    sqlx::query_as(YEARS).bind(today).fetch_all(&mut **tx).await
}

fn occupancy(y: &Year) -> String {
    if y.premises_offered == 0 {
        "—".into()
    } else {
        format!("{} %", y.premises_occupied * 100 / y.premises_offered)
    }
}

fn year_json(y: &Year) -> Value {
    json!({
        "year": y.year, "leased_to_pes": y.leased_to_pes, "leased_area": area_text(y.leased_area),
        "discount": format_price(y.discount_grosze), "discount_grosze": y.discount_grosze,
        "calls_opened": y.calls_opened, "applications": y.applications,
        "premises_awarded": y.premises_awarded, "premises_offered": y.premises_offered,
        "premises_occupied": y.premises_occupied, "occupancy": occupancy(y),
    })
}

/// `/lokale/monitoring`.
pub async fn page(State(state): State<AppState>, page: Page, gmina: Gmina) -> AppResult<Response> {
    let mut tx = gmina.begin().await?;
    let years = years(&mut tx, state.clock.today()).await?;
    tx.commit().await?;
    let bars: Vec<Value> = years
        .iter()
        .map(|y| json!({ "label": y.year.to_string(), "value": y.discount_grosze, "text": format_price(y.discount_grosze) }))
        .collect();
    Ok(page
        .render(
            &state,
            "premises/monitoring.html",
            json!({ "years": years.iter().map(year_json).collect::<Vec<_>>(), "bars": bars }),
        )?
        .into_response())
}

/// `/lokale/monitoring.csv`: the same table, for Polish Excel.
pub async fn csv(State(state): State<AppState>, gmina: Gmina) -> AppResult<Response> {
    let mut tx = gmina.begin().await?;
    let years = years(&mut tx, state.clock.today()).await?;
    tx.commit().await?;
    let body = excel_csv(
        &[
            "rok",
            "lokale wynajęte PES",
            "powierzchnia wynajęta PES (m²)",
            "ulga w czynszu (zł)",
            "nabory ogłoszone",
            "wnioski",
            "lokale przyznane w naborach",
            "lokale w ofercie",
            "lokale zajęte",
        ],
        years.iter().map(|y| {
            vec![
                y.year.to_string(),
                y.leased_to_pes.to_string(),
                csv_amount(y.leased_area),
                csv_amount(y.discount_grosze),
                y.calls_opened.to_string(),
                y.applications.to_string(),
                y.premises_awarded.to_string(),
                y.premises_offered.to_string(),
                y.premises_occupied.to_string(),
            ]
        }),
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"monitoring-polityki-lokalowej.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}
