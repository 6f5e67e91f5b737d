//! The coordinators' dashboard: every gmina of the region in one table, one column per figure a
//! module contributes, read from the figures' store (`pestor_kit::figures`) in one statement;
//! totals per powiat and for the region; the same table as CSV; a read-only page per gmina.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use pestor_core::{TenantStatus, polish_sort_key};
use pestor_db::Tenant;
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::input::Query;
use pestor_kit::module::Figure;
use pestor_kit::page::{Notice, Page, polish_date, polish_datetime};
use pestor_kit::state::AppState;
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

/// Gminas in one page of the dashboard's table: the region's 144 on one, the country's 2,477 on
/// thirteen (the totals and the CSV always cover every gmina the filters keep).
const PER_PAGE: usize = 200;

/// `?powiat=0415&status=active&sort=offers_active&kierunek=malejaco&strona=2`; every part optional.
#[derive(serde::Deserialize, Default)]
pub struct Filters {
    #[serde(default)]
    powiat: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    kierunek: String,
    #[serde(default)]
    strona: String,
}

/// What a gmina's status is called on the dashboard, and its tag's colour.
pub(crate) fn status_label(s: TenantStatus) -> (&'static str, &'static str) {
    match s {
        TenantStatus::Active => ("aktywna", "green"),
        TenantStatus::Registered => ("nie dołączyła", "grey"),
        TenantStatus::Suspended => ("zawieszona", "yellow"),
        TenantStatus::Archived => ("zarchiwizowana", "red"),
    }
}

#[derive(Serialize)]
struct Row {
    teryt: String,
    slug: String,
    name: String,
    kind: &'static str,
    powiat_teryt: String,
    powiat: String,
    status: &'static str,
    status_label: &'static str,
    status_colour: &'static str,
    /// One per column; `None` where the gmina has no schema (not joined, archived).
    values: Vec<Option<i64>>,
    last_activity: Option<String>,
    #[serde(skip)]
    last_activity_at: Option<OffsetDateTime>,
}

#[derive(Serialize)]
struct Total {
    label: String,
    gminas: usize,
    values: Vec<i64>,
}

#[derive(Serialize)]
struct Column {
    key: &'static str,
    label: &'static str,
}

struct Dashboard {
    columns: Vec<Column>,
    rows: Vec<Row>,
    powiats: Vec<Total>,
    region: Total,
}

fn has_schema(t: &Tenant) -> bool {
    matches!(t.status(), TenantStatus::Active | TenantStatus::Suspended)
}

/// The figures the dashboard shows as columns, in module order.
fn columns(state: &AppState) -> Vec<Figure> {
    state
        .catalogue
        .figures()
        .iter()
        .filter(|f| f.is_column())
        .copied()
        .collect()
}

/// Every gmina's figures (from the figures' store, see `pestor_kit::figures::read`) and the last
/// activity of `tenants`: two statements whatever the number of gminas. The activity is one
/// probe of the audit log's (teryt, at) index per gmina, so it costs the same however long the
/// log grows.
async fn figures_of(
    state: &AppState,
    tenants: &[&Tenant],
) -> AppResult<(
    std::sync::Arc<BTreeMap<String, Vec<i64>>>,
    HashMap<String, OffsetDateTime>,
)> {
    let figures = pestor_kit::figures::read(state, &columns(state)).await?;
    let teryts: Vec<&str> = tenants.iter().map(|t| t.teryt().as_str()).collect();
    let activity: Vec<(String, Option<OffsetDateTime>)> = sqlx::query_as(
        "SELECT g, (SELECT max(a.at) FROM audit_log a WHERE a.teryt = g) FROM unnest($1::text[]) g",
    )
    .bind(&teryts)
    .fetch_all(state.db.platform())
    .await?;
    let activity = activity
        .into_iter()
        .filter_map(|(teryt, at)| Some((teryt, at?)))
        .collect();
    Ok((figures, activity))
}

fn row(
    t: &Tenant,
    figures: &BTreeMap<String, Vec<i64>>,
    activity: &HashMap<String, OffsetDateTime>,
    columns: usize,
) -> Row {
    let g = t.gmina();
    let (label, colour) = status_label(t.status());
    let values = match figures.get(g.teryt.as_str()).filter(|_| has_schema(t)) {
        Some(v) => v.iter().copied().map(Some).collect(),
        None => vec![None; columns],
    };
    let at = activity.get(g.teryt.as_str()).copied();
    Row {
        teryt: g.teryt.to_string(),
        slug: g.slug.to_string(),
        name: g.name.clone(),
        kind: g.kind.as_str(),
        powiat_teryt: g.powiat_teryt.clone(),
        powiat: g.powiat_label(),
        status: t.status().as_str(),
        status_label: label,
        status_colour: colour,
        values,
        last_activity: at.map(|a| polish_date(a.date())),
        last_activity_at: at,
    }
}

fn total(label: String, rows: &[&Row], columns: usize) -> Total {
    let mut values = vec![0; columns];
    for r in rows {
        for (sum, v) in values.iter_mut().zip(&r.values) {
            *sum += v.unwrap_or(0);
        }
    }
    Total {
        label,
        gminas: rows.len(),
        values,
    }
}

async fn gather(state: &AppState, f: &Filters) -> AppResult<Dashboard> {
    let columns: Vec<Column> = columns(state)
        .iter()
        .map(|f| Column {
            key: f.key,
            label: f.label,
        })
        .collect();
    if !f.powiat.is_empty() && !state.registry.powiats.iter().any(|p| p.teryt == f.powiat) {
        return Err(AppError::BadRequest(format!(
            "Nie ma w województwie powiatu o kodzie „{}”.",
            f.powiat
        )));
    }
    let status = match f.status.as_str() {
        "" => None,
        s => Some(
            TenantStatus::parse(s)
                .ok_or_else(|| AppError::BadRequest(format!("Nieznany status gminy „{s}”.")))?,
        ),
    };
    let tenants = state.tenants.list().await?;
    let chosen: Vec<&Tenant> = tenants
        .iter()
        .filter(|t| f.powiat.is_empty() || t.gmina().powiat_teryt == f.powiat)
        .filter(|t| status.is_none_or(|s| t.status() == s))
        .collect();
    let (figures, activity) = figures_of(state, &chosen).await?;
    let mut rows: Vec<Row> = chosen
        .iter()
        .map(|t| row(t, &figures, &activity, columns.len()))
        .collect();
    sort(&mut rows, &columns, f)?;

    // Powiats in Polish order of their names, each with its gminas' rows.
    let mut by_powiat: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for r in &rows {
        by_powiat
            .entry(r.powiat_teryt.as_str())
            .or_default()
            .push(r);
    }
    let mut powiats: Vec<Total> = by_powiat
        .into_values()
        .map(|rs| total(rs[0].powiat.clone(), &rs, columns.len()))
        .collect();
    powiats.sort_by_cached_key(|p| polish_sort_key(p.label.trim_start_matches("powiat ")));
    let all: Vec<&Row> = rows.iter().collect();
    let region = total("Województwo kujawsko-pomorskie".into(), &all, columns.len());
    Ok(Dashboard {
        columns,
        rows,
        powiats,
        region,
    })
}

/// Sorts by name (Polish order), powiat, status, last activity or any figure; ties by name.
fn sort(rows: &mut [Row], columns: &[Column], f: &Filters) -> AppResult<()> {
    let figure = columns.iter().position(|c| c.key == f.sort);
    if !matches!(
        f.sort.as_str(),
        "" | "nazwa" | "powiat" | "status" | "aktywnosc"
    ) && figure.is_none()
    {
        return Err(AppError::BadRequest(format!(
            "Nie można sortować według „{}”.",
            f.sort
        )));
    }
    rows.sort_by_cached_key(|r| polish_sort_key(&r.name));
    match (f.sort.as_str(), figure) {
        (_, Some(i)) => rows.sort_by_key(|r| r.values[i]),
        ("powiat", _) => {
            rows.sort_by_cached_key(|r| polish_sort_key(r.powiat.trim_start_matches("powiat ")))
        }
        ("status", _) => rows.sort_by_key(|r| r.status_label),
        ("aktywnosc", _) => rows.sort_by_key(|r| r.last_activity_at),
        _ => {}
    }
    if f.kierunek == "malejaco" {
        rows.reverse();
    }
    Ok(())
}

/// The query string of the filters, without the sort (for the headers' links and the CSV).
fn filter_query(f: &Filters) -> String {
    let mut parts = Vec::new();
    if !f.powiat.is_empty() {
        parts.push(format!("powiat={}", f.powiat));
    }
    if !f.status.is_empty() {
        parts.push(format!("status={}", f.status));
    }
    parts.join("&")
}

/// The table's URL with its filters and sort, for the pagination (which appends `strona=N`).
fn page_base(f: &Filters, filters: &str) -> String {
    let mut parts: Vec<String> = (!filters.is_empty())
        .then(|| filters.to_owned())
        .into_iter()
        .collect();
    if !f.sort.is_empty() {
        parts.push(format!("sort={}", f.sort));
    }
    // Descending is the one direction that needs saying; anything else reads as ascending.
    if f.kierunek == "malejaco" {
        parts.push("kierunek=malejaco".to_owned());
    }
    parts.push(String::new());
    format!("/koordynator?{}", parts.join("&"))
}

pub async fn page(
    State(state): State<AppState>,
    page: Page,
    Query(f): Query<Filters>,
) -> AppResult<Response> {
    pestor_kit::input::check_sort_and_page("", true, &f.strona)?;
    let mut d = gather(&state, &f).await?;
    let count = d.rows.len();
    let pages = count.div_ceil(PER_PAGE).max(1);
    let number = usize::try_from(pestor_kit::page::page_number(&f.strona))
        .unwrap_or(1)
        .min(pages);
    let rows: Vec<Row> = d
        .rows
        .drain(..)
        .skip((number - 1) * PER_PAGE)
        .take(PER_PAGE)
        .collect();
    let filters = filter_query(&f);
    let current = if f.sort.is_empty() {
        "nazwa"
    } else {
        f.sort.as_str()
    };
    let header = |key: &str, label: &str| {
        let is_current = key == current;
        let descending = is_current && f.kierunek == "malejaco";
        let next = if is_current && !descending {
            "&kierunek=malejaco"
        } else {
            ""
        };
        let amp = if filters.is_empty() { "" } else { "&" };
        json!({
            "label": label, "current": is_current,
            "order": if descending { "descending" } else { "ascending" },
            "href": format!("/koordynator?{filters}{amp}sort={key}{next}"),
        })
    };
    let mut headers = vec![
        header("nazwa", "Gmina"),
        header("powiat", "Powiat"),
        header("status", "Status"),
    ];
    headers.extend(d.columns.iter().map(|c| header(c.key, c.label)));
    headers.push(header("aktywnosc", "Ostatnia aktywność"));
    let powiats: Vec<_> = state
        .registry
        .powiats
        .iter()
        .map(|p| json!({ "teryt": p.teryt, "name": p.label() }))
        .collect();
    let statuses: Vec<_> = [
        TenantStatus::Active,
        TenantStatus::Registered,
        TenantStatus::Suspended,
        TenantStatus::Archived,
    ]
    .iter()
    .map(|s| json!([s.as_str(), status_label(*s).0]))
    .collect();
    Ok(page
        .render(
            &state,
            "region/dashboard.html",
            json!({
                "columns": d.columns, "rows": rows, "count": count, "headers": headers,
                "page": number, "pages": pages, "page_base": page_base(&f, &filters),
                "powiat_totals": d.powiats, "region_total": d.region,
                "powiats": powiats, "statuses": statuses,
                "filters": { "powiat": f.powiat, "status": f.status },
                "filter_query": filters,
            }),
        )?
        .into_response())
}

pub async fn csv(State(state): State<AppState>, Query(f): Query<Filters>) -> AppResult<Response> {
    let d = gather(&state, &f).await?;
    let mut header = vec!["TERYT", "Gmina", "Powiat", "Status"];
    header.extend(d.columns.iter().map(|c| c.label));
    header.push("Ostatnia aktywność");
    let rows = d.rows.iter().map(|r| {
        let mut cells = vec![
            r.teryt.clone(),
            r.name.clone(),
            r.powiat.clone(),
            r.status_label.to_owned(),
        ];
        cells.extend(
            r.values
                .iter()
                .map(|v| v.map(|n| n.to_string()).unwrap_or_default()),
        );
        cells.push(r.last_activity.clone().unwrap_or_default());
        cells
    });
    let body = pestor_kit::spreadsheet::excel_csv(&header, rows);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"gminy-wojewodztwa.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}

/// One gmina, read-only: its facts, every figure with its name, and what its staff did lately.
pub async fn gmina(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
    Query(n): Query<Notice>,
) -> AppResult<Response> {
    let tenants = state.tenants.list().await?;
    let t = tenants
        .iter()
        .find(|t| t.slug().as_str() == slug)
        .ok_or(AppError::NotFound)?;
    let (figures, activity) = figures_of(&state, &[t]).await?;
    let columns = columns(&state);
    let r = row(t, &figures, &activity, columns.len());
    let figures: Vec<_> = columns
        .iter()
        .zip(&r.values)
        .map(|(c, v)| json!({ "label": c.label, "value": v }))
        .collect();
    let log: Vec<(OffsetDateTime, String, String)> = sqlx::query_as(
        "SELECT at, actor, action FROM audit_log WHERE teryt = $1 ORDER BY at DESC, id DESC LIMIT 20",
    )
    .bind(t.teryt().as_str())
    .fetch_all(state.db.platform())
    .await?;
    let log: Vec<_> = log
        .into_iter()
        .map(|(at, actor, action)| {
            json!({
                "at": polish_datetime(at),
                "actor": actor, "action": state.catalogue.audit_label(&action),
            })
        })
        .collect();
    let site =
        has_schema(t).then(|| format!("{}/", state.settings.host_url(Some(t.slug().as_str()))));
    let notice = match n.komunikat.as_str() {
        "zawieszono" => Some("Serwis gminy jest zawieszony na wszystkich serwerach platformy."),
        "wznowiono" => Some("Serwis gminy znów działa."),
        "zarchiwizowano" => Some("Gmina jest zarchiwizowana; jej eksport zachowano w archiwum."),
        "przywrocono" => Some("Gmina została przywrócona z archiwum i jej serwis działa."),
        _ => None,
    };
    let onboarded: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM tenant_onboardings WHERE teryt = $1)")
            .bind(t.teryt().as_str())
            .fetch_one(state.db.platform())
            .await?;
    let reason = (t.status() == TenantStatus::Suspended).then(|| t.status_reason());
    Ok(page
        .render(
            &state,
            "region/gmina.html",
            json!({ "g": r, "kind": t.gmina().kind.as_str(), "seat": t.gmina().seat,
                    "figures": figures, "log": log, "site": site, "notice": notice,
                    "onboarded": onboarded, "reason": reason }),
        )?
        .into_response())
}
