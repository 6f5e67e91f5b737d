//! Counting the modules' figures ([`Figure`]) for many gminas at once, for the regional pages.

use std::collections::BTreeMap;

use crate::catalogue::Figure;

/// Every one of `figures` for every gmina in `tenants` (provisioned ones: their schemas exist),
/// in one statement rather than one per gmina: a row per gmina's TERYT, its values in the order
/// of `figures`. `today` (the app's clock, a date in Poland) stands for `{today}` in the queries.
/// The statement ends after `limit` (PostgreSQL's `statement_timeout`, error 57014).
pub async fn count_figures(
    db: &pestor_db::Database,
    figures: &[Figure],
    tenants: &[&pestor_db::Tenant],
    today: time::Date,
    limit: std::time::Duration,
) -> sqlx::Result<BTreeMap<String, Vec<i64>>> {
    // A date prints as digits and dashes only: safe inside the literal.
    let today = format!("'{today}'::date");
    if tenants.is_empty() || figures.is_empty() {
        return Ok(BTreeMap::new());
    }
    let rows: Vec<String> = tenants
        .iter()
        .map(|t| {
            let (schema, teryt) = (t.teryt().schema().quoted(), t.teryt().as_str());
            let values: Vec<String> = figures
                .iter()
                .map(|f| {
                    let q = f
                        .query
                        .replace("{schema}", &schema)
                        .replace("{teryt}", teryt)
                        .replace("{today}", &today);
                    format!("({q})")
                })
                .collect();
            format!(
                "SELECT '{teryt}'::text, ARRAY[{}]::bigint[]",
                values.join(", ")
            )
        })
        .collect();
    // A connection of its own, closed afterwards, never a pooled one: a statement over every
    // gmina's schema fills the backend's catalog cache (gigabytes with data in every gmina), which
    // PostgreSQL gives back only when the session ends — and it leaves the pool to the gminas.
    let options = db.connect_options().clone().options([
        ("statement_timeout", format!("{}", limit.as_millis())),
        ("application_name", "pestor-regional".to_owned()),
    ]);
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect_with(&options).await?;
    let found: sqlx::Result<Vec<(String, Vec<i64>)>> =
        sqlx::query_as(sqlx::AssertSqlSafe(rows.join("\nUNION ALL ")))
            .fetch_all(&mut conn)
            .await;
    // Closed whether or not the statement ended well; a failed close only loses the goodbye.
    let _ = sqlx::Connection::close(conn).await;
    Ok(found?.into_iter().collect())
}
