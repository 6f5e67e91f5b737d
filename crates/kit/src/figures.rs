//! The figures' store: every module's [`Figure`]s of every gmina, kept in `public` tables and
//! read by the regional pages (dashboard, its CSV, the portal, the region's indicators) in one
//! cheap statement, whatever the number of gminas.
//!
//! **How it stays current.** A statement that changes a table a figure counts leaves a mark for
//! its gmina (`figure_marks`, written by triggers: tenant migration 0022, public migration 0022).
//! A background job ([`run`]) counts each marked gmina again, from its own schema only, and
//! deletes its marks in the same transaction; it also counts every gmina not yet counted on the
//! current day in Poland (figures such as "overdue" or "this year" follow the calendar, and a
//! gmina just provisioned or restored has no count yet). The delay is the job's tick
//! ([`TICK`]) plus the counting itself, a few milliseconds a gmina.
//!
//! Why a job, not triggers that keep every number themselves: the figures are the modules' own
//! `SELECT`s (distinct counts, latest checks, other gminas' cards), which a trigger could keep
//! right only by running them again inside every write; a mark costs a writer one small insert,
//! which nobody waits on, and the counting runs once for many writes, outside the requests.

use std::collections::BTreeMap;
use std::time::Duration;

use pestor_core::Teryt;
use sqlx::{Connection, PgConnection};
use time::Date;

use crate::catalogue::{Count, Figure};
use crate::state::AppState;

/// How often the job looks for gminas to count.
pub const TICK: Duration = Duration::from_secs(1);

/// Gminas counted on one connection before it is closed: a session that has read many schemas
/// keeps their catalog entries until it ends, so a recount of the whole country never holds
/// more than this many gminas' worth of backend memory.
const GMINAS_PER_SESSION: usize = 200;

pub use pestor_core::calendar::Period;

/// Each gmina's figure values, by TERYT, in the order of the figures asked for.
pub type Values = BTreeMap<String, Vec<i64>>;

/// The values of `figures` (as of each gmina's last count) of every gmina counted: the regional
/// pages pick the gminas they show. A gmina not counted yet (provisioned a moment ago) is absent.
pub async fn values(conn: &mut PgConnection, figures: &[Figure]) -> sqlx::Result<Values> {
    let keys: Vec<&str> = figures.iter().map(|f| f.key).collect();
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT v.teryt, v.key, v.value FROM figure_values v
         JOIN figure_counts c ON c.teryt = v.teryt
         WHERE v.key = ANY($1)",
    )
    .bind(&keys)
    .fetch_all(&mut *conn)
    .await?;
    Ok(arrange(rows, &keys))
}

/// Figures by day (`keys`) summed over `period` for each of `tenants`. A gmina without any
/// value in the period is absent; its figures there are 0.
pub async fn over(
    conn: &mut PgConnection,
    keys: &[&str],
    tenants: &[&pestor_db::Tenant],
    period: Period,
    today: Date,
) -> sqlx::Result<Values> {
    let (from, until) = period.days(today);
    let teryts: Vec<&str> = tenants.iter().map(|t| t.teryt().as_str()).collect();
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT teryt, key, round(sum(value))::bigint FROM figure_days
         WHERE key = ANY($1) AND teryt = ANY($2) AND day BETWEEN $3 AND $4
         GROUP BY teryt, key",
    )
    .bind(keys)
    .bind(&teryts)
    .bind(from)
    .bind(until)
    .fetch_all(&mut *conn)
    .await?;
    Ok(arrange(rows, keys))
}

/// Figures by day (`keys`) summed by calendar year over all of `tenants`: for each year with any
/// value, one sum per key, `None` where no gmina has a value of that key in the year.
pub async fn by_year(
    conn: &mut PgConnection,
    keys: &[&str],
    tenants: &[&pestor_db::Tenant],
) -> sqlx::Result<BTreeMap<i32, Vec<Option<i64>>>> {
    let teryts: Vec<&str> = tenants.iter().map(|t| t.teryt().as_str()).collect();
    let rows: Vec<(i32, String, i64)> = sqlx::query_as(
        "SELECT extract(year FROM day)::int, key, round(sum(value))::bigint FROM figure_days
         WHERE key = ANY($1) AND teryt = ANY($2)
         GROUP BY 1, 2",
    )
    .bind(keys)
    .bind(&teryts)
    .fetch_all(&mut *conn)
    .await?;
    let mut years: BTreeMap<i32, Vec<Option<i64>>> = BTreeMap::new();
    for (year, key, value) in rows {
        if let Some(i) = keys.iter().position(|k| *k == key) {
            years.entry(year).or_insert_with(|| vec![None; keys.len()])[i] = Some(value);
        }
    }
    Ok(years)
}

fn arrange(rows: Vec<(String, String, i64)>, keys: &[&str]) -> Values {
    let mut out = Values::new();
    for (teryt, key, value) in rows {
        if let Some(i) = keys.iter().position(|k| *k == key) {
            out.entry(teryt).or_insert_with(|| vec![0; keys.len()])[i] = value;
        }
    }
    out
}

/// A figure's SQL for one gmina: the placeholders replaced by names from the registry.
fn for_gmina(sql: &str, teryt: &Teryt, today: Date) -> String {
    // A date prints as digits and dashes only, a TERYT as digits: safe inside the literals.
    sql.replace("{schema}", &teryt.schema().quoted())
        .replace("{teryt}", teryt.as_str())
        .replace("{today}", &format!("'{today}'::date"))
}

/// A statement that counts `figure` for one gmina directly from its tables, as the store holds it
/// (a figure by day summed over `period`, or its dashboard column's period): what the tests and
/// the benchmark compare the store with.
pub fn direct_sql(figure: &Figure, teryt: &Teryt, today: Date, period: Option<Period>) -> String {
    match figure.count {
        Count::Now(q) => for_gmina(q, teryt, today),
        Count::ByDay { query, column } => {
            let (from, until) = period.or(column).unwrap_or(Period::ThisYear).days(today);
            format!(
                "SELECT coalesce(round(sum(v)), 0)::bigint FROM ({}) AS f (d, v)
                 WHERE d BETWEEN '{from}'::date AND '{until}'::date",
                for_gmina(query, teryt, today)
            )
        }
    }
}

/// Counts every figure of one gmina again and replaces what the store held, deleting its marks,
/// in one transaction: a mark left by a writer that had not committed when it began stays, so
/// that writer's change is counted on the next round.
pub async fn count_gmina(
    conn: &mut PgConnection,
    figures: &[Figure],
    teryt: &Teryt,
    today: Date,
) -> sqlx::Result<()> {
    let code = teryt.as_str();
    let mut tx = conn.begin().await?;
    // Two jobs (two servers) never count one gmina at the same time; the second waits.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('figures'), hashtext($1))")
        .bind(code)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM figure_marks WHERE teryt = $1")
        .bind(code)
        .execute(&mut *tx)
        .await?;

    let now: Vec<&Figure> = figures
        .iter()
        .filter(|f| matches!(f.count, Count::Now(_)))
        .collect();
    let mut keys: Vec<&str> = now.iter().map(|f| f.key).collect();
    let mut values: Vec<i64> = if now.is_empty() {
        Vec::new()
    } else {
        let parts: Vec<String> = now
            .iter()
            .filter_map(|f| match f.count {
                Count::Now(q) => Some(format!("({})", for_gmina(q, teryt, today))),
                Count::ByDay { .. } => None,
            })
            .collect();
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT ARRAY[{}]::bigint[]",
            parts.join(", ")
        )))
        .fetch_one(&mut *tx)
        .await?
    };

    sqlx::query("DELETE FROM figure_days WHERE teryt = $1")
        .bind(code)
        .execute(&mut *tx)
        .await?;
    let by_day: Vec<String> = figures
        .iter()
        .filter_map(|f| match f.count {
            // A key is a Rust identifier of the module: safe inside the literal.
            Count::ByDay { query, .. } => Some(format!(
                "SELECT '{}'::text, d, v::numeric FROM ({}) AS f (d, v)",
                f.key,
                for_gmina(query, teryt, today)
            )),
            Count::Now(_) => None,
        })
        .collect();
    if !by_day.is_empty() {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO figure_days (teryt, key, day, value)
             SELECT $1, k, d, sum(v) FROM ({}) AS all_days (k, d, v)
             WHERE d IS NOT NULL GROUP BY k, d HAVING sum(v) <> 0",
            by_day.join(" UNION ALL ")
        )))
        .bind(code)
        .execute(&mut *tx)
        .await?;
    }
    for f in figures {
        if let Count::ByDay {
            column: Some(period),
            ..
        } = f.count
        {
            let (from, until) = period.days(today);
            let sum: i64 = sqlx::query_scalar(
                "SELECT coalesce(round(sum(value)), 0)::bigint FROM figure_days
                 WHERE key = $1 AND teryt = $2 AND day BETWEEN $3 AND $4",
            )
            .bind(f.key)
            .bind(code)
            .bind(from)
            .bind(until)
            .fetch_one(&mut *tx)
            .await?;
            keys.push(f.key);
            values.push(sum);
        }
    }
    sqlx::query("DELETE FROM figure_values WHERE teryt = $1")
        .bind(code)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO figure_values (teryt, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::bigint[]) AS u (k, v)",
    )
    .bind(code)
    .bind(&keys)
    .bind(&values)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO figure_counts (teryt, day) VALUES ($1, $2)
         ON CONFLICT (teryt) DO UPDATE SET day = excluded.day, counted_at = now()",
    )
    .bind(code)
    .bind(today)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// The gminas to count now: provisioned ones with a mark, or not counted on `today`.
async fn due(conn: &mut PgConnection, today: Date, limit: usize) -> sqlx::Result<Vec<Teryt>> {
    let found: Vec<String> = sqlx::query_scalar(
        "SELECT t.teryt FROM tenants t
         WHERE t.schema_version IS NOT NULL
           AND (EXISTS (SELECT 1 FROM figure_marks m WHERE m.teryt = t.teryt)
                OR NOT EXISTS (SELECT 1 FROM figure_counts c WHERE c.teryt = t.teryt AND c.day = $1))
         ORDER BY t.teryt LIMIT $2",
    )
    .bind(today)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(&mut *conn)
    .await?;
    // Marks of gminas without a schema (archived meanwhile) are nobody's to count.
    sqlx::query(
        "DELETE FROM figure_marks m WHERE NOT EXISTS
            (SELECT 1 FROM tenants t WHERE t.teryt = m.teryt AND t.schema_version IS NOT NULL)",
    )
    .execute(&mut *conn)
    .await?;
    Ok(found.iter().filter_map(|t| Teryt::parse(t).ok()).collect())
}

/// Counts every gmina that is due, until none is; returns how many were counted. The job's
/// round, and what a test calls to see the store current.
pub async fn catch_up(state: &AppState) -> sqlx::Result<usize> {
    let mut counted = 0;
    loop {
        let today = state.clock.today();
        let due = {
            let mut pooled = state.db.platform().acquire().await?;
            due(&mut pooled, today, GMINAS_PER_SESSION).await?
        };
        if due.is_empty() {
            return Ok(counted);
        }
        // A session of its own (see GMINAS_PER_SESSION); a statement that hangs ends at the
        // regional limit.
        let limit = state.settings.database.regional_statement_timeout_secs;
        let options = state.db.connect_options().clone().options([
            (
                "statement_timeout",
                format!("{}", limit.saturating_mul(1000)),
            ),
            ("application_name", "pestor-figures".to_owned()),
        ]);
        let mut conn = PgConnection::connect_with(&options).await?;
        let mut failed = None;
        for teryt in &due {
            // One gmina's failure does not hold the others back; it is tried next round.
            match count_gmina(&mut conn, state.catalogue.figures(), teryt, today).await {
                Ok(()) => counted += 1,
                Err(e) => {
                    tracing::warn!(%teryt, error = %e, "counting a gmina's figures failed");
                    failed.get_or_insert(e);
                }
            }
        }
        // Closed whatever happened; a failed close only loses the goodbye.
        let _ = conn.close().await;
        // The regional pages read anew.
        state.figure_values.invalidate_all();
        if let Some(e) = failed {
            return Err(e);
        }
        if due.len() < GMINAS_PER_SESSION {
            return Ok(counted);
        }
    }
}

/// [`values`] as regional work ([`AppState::regional`]); concurrent pages share one read (see
/// [`AppState::figure_values`]), keyed by the figures alone: at 2,477 gminas a key naming the
/// gminas cost more to build, hash and compare than the rest of the portal's home.
pub async fn read(
    state: &AppState,
    figures: &[Figure],
) -> Result<std::sync::Arc<Values>, crate::AppError> {
    let key = figures.iter().map(|f| f.key).collect::<Vec<_>>().join(",");
    state
        .figure_values
        .try_get_with(key, async {
            state
                .regional(async |conn| values(conn, figures).await)
                .await
                .map(std::sync::Arc::new)
        })
        .await
        // The caller that read owns its error; the others get its text (Busy stays Busy).
        .map_err(|e: std::sync::Arc<crate::AppError>| {
            std::sync::Arc::try_unwrap(e).unwrap_or_else(|e| match e.as_ref() {
                crate::AppError::Busy => crate::AppError::Busy,
                other => crate::AppError::Sqlx(sqlx::Error::Protocol(other.to_string())),
            })
        })
}

/// The job: [`catch_up`] every [`TICK`], for as long as the server runs.
pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match catch_up(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(gminas = n, "figures counted"),
            Err(e) => tracing::warn!(error = %e, "counting the figures failed"),
        }
    }
}
