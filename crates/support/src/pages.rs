//! The support pages: on a gmina's site the map and list of regional and local entries with
//! filters, `/api/v1/wsparcie` as GeoJSON, and the staff's forms for local entries; on the portal
//! the coordinators' list and forms for regional entries. Both forms are one template and one
//! check; a deletion goes through a confirmation page and is audit-logged.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use pestor_kit::audit;
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::forms::{PathId, RawForm};
use pestor_kit::input::{Query, bad_parameter};
use pestor_kit::openapi::{Document, bad_request, enumerated, param};
use pestor_kit::page::{Gmina, Page};
use pestor_kit::state::AppState;
use serde_json::{Value, json};

use crate::entries::{
    self, AUDIENCES, Draft, Entry, Filters, INSTITUTIONS, SERVICES, Scope, validate,
};

fn choices(list: &[(&str, &str)]) -> Vec<Value> {
    list.iter()
        .map(|(c, l)| json!({ "code": c, "name": l }))
        .collect()
}

/// `/wsparcie`: the map (with JavaScript) and the list, both by the filters.
pub async fn list(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Query(f): Query<Filters>,
) -> AppResult<Response> {
    // An unknown code in a link matches nothing rather than everything.
    let f = if f.known().is_some() {
        Filters {
            usluga: "-".into(),
            komunikat: f.komunikat,
            ..Filters::default()
        }
    } else {
        f
    };
    let mut tx = gmina.begin().await?;
    let found = entries::find(&mut tx, true, &f).await?;
    tx.commit().await?;
    let t = &*gmina.site;
    let located = found.iter().filter(|e| e.lat.is_some()).count();
    let query = f.query();
    let mut ctx = pestor_kit::maps::settings(&t.branding);
    ctx["entries"] = json!(found.iter().map(Entry::to_json).collect::<Vec<_>>());
    ctx["located"] = json!(located);
    ctx["query"] = json!(query);
    ctx["values"] = json!({ "usluga": f.usluga, "dla": f.dla, "instytucja": f.instytucja });
    ctx["services"] = json!(choices(SERVICES));
    ctx["audiences"] = json!(choices(AUDIENCES));
    ctx["institutions"] = json!(choices(INSTITUTIONS));
    ctx["is_staff"] = json!(page.is_staff());
    ctx["notice"] = json!(match f.komunikat.as_str() {
        "zapisano" => Some("Wpis został zapisany."),
        "usunieto" => Some("Wpis został usunięty."),
        _ => None,
    });
    let html = page.render(&state, "support/list.html", ctx)?;
    Ok(pestor_kit::maps::with_map_csp(
        &t.branding,
        html.into_response(),
    ))
}

/// `/api/v1/wsparcie`: the entries with a location as a GeoJSON FeatureCollection; bad filter
/// codes get a 400 naming the parameter.
pub async fn geojson(
    State(state): State<AppState>,
    gmina: Gmina,
    Query(f): Query<Filters>,
) -> AppResult<Response> {
    if let Some(what) = f.known() {
        return Err(bad_parameter(what));
    }
    let mut tx = gmina.begin().await?;
    let found = entries::find(&mut tx, true, &f).await?;
    tx.commit().await?;
    let base = state
        .settings
        .host_url(Some(gmina.site.tenant.gmina().slug.as_str()));
    let features: Vec<Value> = found
        .iter()
        .filter_map(|e| {
            let (lat, lon) = e.lat.zip(e.lon)?;
            let mut properties = e.to_json();
            properties["url"] = json!(format!("{base}/wsparcie#{}", e.anchor()));
            properties["address_text"] = json!(e.address);
            Some(json!({
                "type": "Feature",
                "geometry": { "type": "Point", "coordinates": [lon, lat] },
                "properties": properties,
            }))
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "application/geo+json"),
            (header::CACHE_CONTROL, "public, max-age=60"),
        ],
        json!({ "type": "FeatureCollection", "features": features }).to_string(),
    )
        .into_response())
}

/// The endpoint in the gmina's OpenAPI document.
pub fn describe(doc: &mut Document) {
    let codes =
        |list: &'static [(&'static str, &'static str)]| enumerated(list.iter().map(|(c, _)| *c));
    doc.path("/api/v1/wsparcie", json!({
        "summary": "Mapa wsparcia: instytucje i formy wsparcia ekonomii społecznej z położeniem jako GeoJSON (RFC 7946) — regionalne i gminy",
        "parameters": [
            param("usluga", "Rodzaj wsparcia.", codes(SERVICES)),
            param("dla", "Komu służy wsparcie.", codes(AUDIENCES)),
            param("instytucja", "Rodzaj instytucji.", codes(INSTITUTIONS)),
        ],
        "responses": {
            "200": { "description": "FeatureCollection punktów; właściwości: regional, id, name, institution {code, name}, services, audiences, description, address, phone, email, website, hours, url.",
                     "content": { "application/geo+json": { "schema": { "type": "object" } } } },
            "400": bad_request(),
        },
    }));
}

/// Where a scope's pages are and what they are called.
struct Place {
    scope: Scope,
    list: &'static str,
    base: &'static str,
    title: &'static str,
}

const LOCAL: Place = Place {
    scope: Scope::Gmina,
    list: "/wsparcie",
    base: "/wsparcie",
    title: "wpis gminy",
};
const REGIONAL: Place = Place {
    scope: Scope::Regional,
    list: "/koordynator/wsparcie",
    base: "/koordynator/wsparcie",
    title: "wpis regionalny",
};

fn render_form(
    state: &AppState,
    page: &Page,
    place: &Place,
    editing: Option<i64>,
    values: Value,
    errors: HashMap<&'static str, String>,
    status: StatusCode,
) -> AppResult<Response> {
    let chosen = |k: &str| values[k].as_array().cloned().unwrap_or_default();
    page.respond(
        state,
        "support/form.html",
        json!({
            "action": match editing { Some(id) => format!("{}/{id}/edycja", place.base), None => format!("{}/nowy", place.base) },
            "back": place.list, "what": place.title, "editing": editing.is_some(),
            "regional": place.scope == Scope::Regional,
            "services_chosen": chosen("services"), "audiences_chosen": chosen("audiences"),
            "values": values, "errors": errors,
            "services": choices(SERVICES), "audiences": choices(AUDIENCES), "institutions": choices(INSTITUTIONS),
        }),
        status,
    )
}

/// The form as typed (repeated keys as lists).
fn typed(form: &[(String, String)]) -> Value {
    let mut v = serde_json::Map::new();
    for (k, val) in form {
        if k == "services" || k == "audiences" {
            if let Some(list) = v
                .entry(k.clone())
                .or_insert_with(|| json!([]))
                .as_array_mut()
            {
                list.push(json!(val));
            }
        } else {
            v.insert(k.clone(), json!(val));
        }
    }
    v.into()
}

/// The connection a scope's change is made in: the gmina's schema, or the platform's.
enum Conn {
    Gmina(pestor_db::TenantTx),
    Region(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Conn {
    async fn open(state: &AppState, page: &Page, scope: Scope) -> AppResult<Conn> {
        Ok(match scope {
            Scope::Gmina => Conn::Gmina(state.db.tenant(&page.gmina()?.tenant).begin().await?),
            Scope::Regional => Conn::Region(pestor_db::begin(state.db.platform()).await?),
        })
    }

    fn conn(&mut self) -> &mut sqlx::PgConnection {
        match self {
            Conn::Gmina(tx) => tx,
            Conn::Region(tx) => tx,
        }
    }

    /// Records `action` in the gmina's audit log or the region's, then commits.
    async fn finish(mut self, page: &Page, action: &str, details: Value) -> AppResult<()> {
        let me = page.account()?;
        match &mut self {
            Conn::Gmina(tx) => audit::record(tx, me, action, details).await?,
            Conn::Region(tx) => audit::record_regional(tx, me, action, details).await?,
        }
        self.commit().await
    }

    async fn commit(self) -> AppResult<()> {
        match self {
            Conn::Gmina(tx) => tx.commit().await?,
            Conn::Region(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

async fn load(state: &AppState, page: &Page, scope: Scope, id: i64) -> AppResult<Entry> {
    let mut c = Conn::open(state, page, scope).await?;
    let e = entries::one(c.conn(), scope, id).await?;
    c.commit().await?;
    e.ok_or(AppError::NotFound)
}

async fn save(
    state: &AppState,
    page: &Page,
    place: &Place,
    id: Option<i64>,
    form: &[(String, String)],
) -> AppResult<Response> {
    let d: Draft = match validate(form) {
        Ok(d) => d,
        Err(errors) => {
            return render_form(
                state,
                page,
                place,
                id,
                typed(form),
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let mut c = Conn::open(state, page, place.scope).await?;
    let stored = entries::store(c.conn(), place.scope, id, &d)
        .await?
        .ok_or(AppError::NotFound)?;
    let action = if id.is_some() {
        "support.edited"
    } else {
        "support.added"
    };
    c.finish(page, action, json!({ "wpis": stored, "nazwa": d.name }))
        .await?;
    Ok(Redirect::to(&format!("{}?komunikat=zapisano", place.list)).into_response())
}

async fn confirm(state: &AppState, page: &Page, place: &Place, id: i64) -> AppResult<Response> {
    let e = load(state, page, place.scope, id).await?;
    page.respond(
        state,
        "support/delete.html",
        json!({ "name": e.name, "action": format!("{}/{id}/usun", place.base), "back": place.list }),
        StatusCode::OK,
    )
}

async fn delete(state: &AppState, page: &Page, place: &Place, id: i64) -> AppResult<Response> {
    let mut c = Conn::open(state, page, place.scope).await?;
    let Some(e) = entries::one(c.conn(), place.scope, id).await? else {
        return Err(AppError::Conflict(
            "Tego wpisu już nie ma — mógł go usunąć ktoś inny. Nic nie zostało zmienione.".into(),
        ));
    };
    entries::delete(c.conn(), place.scope, id).await?;
    c.finish(
        page,
        "support.deleted",
        json!({ "wpis": id, "nazwa": e.name }),
    )
    .await?;
    Ok(Redirect::to(&format!("{}?komunikat=usunieto", place.list)).into_response())
}

fn empty_form() -> Value {
    json!({ "services": [], "audiences": [] })
}

pub async fn new_local(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    render_form(
        &state,
        &page,
        &LOCAL,
        None,
        empty_form(),
        HashMap::new(),
        StatusCode::OK,
    )
}

pub async fn create_local(
    State(state): State<AppState>,
    page: Page,
    axum::Form(f): RawForm,
) -> AppResult<Response> {
    save(&state, &page, &LOCAL, None, &f).await
}

pub async fn edit_local(
    State(state): State<AppState>,
    page: Page,
    PathId(id): PathId,
) -> AppResult<Response> {
    let e = load(&state, &page, Scope::Gmina, id).await?;
    render_form(
        &state,
        &page,
        &LOCAL,
        Some(id),
        e.values(),
        HashMap::new(),
        StatusCode::OK,
    )
}

pub async fn save_local(
    State(state): State<AppState>,
    page: Page,
    PathId(id): PathId,
    axum::Form(f): RawForm,
) -> AppResult<Response> {
    load(&state, &page, Scope::Gmina, id).await?;
    save(&state, &page, &LOCAL, Some(id), &f).await
}

pub async fn confirm_local(
    State(state): State<AppState>,
    page: Page,
    PathId(id): PathId,
) -> AppResult<Response> {
    confirm(&state, &page, &LOCAL, id).await
}

pub async fn delete_local(
    State(state): State<AppState>,
    page: Page,
    PathId(id): PathId,
) -> AppResult<Response> {
    delete(&state, &page, &LOCAL, id).await
}

/// `/koordynator/wsparcie`: the regional entries, shown in every gmina.
pub async fn regional_list(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let mut tx = pestor_db::begin(state.db.platform()).await?;
    let found = entries::find(&mut tx, false, &Filters::default()).await?;
    tx.commit().await?;
    let notice = match q.get("komunikat").map(String::as_str) {
        Some("zapisano") => {
            Some("Wpis został zapisany — widać go na stronach wsparcia wszystkich gmin.")
        }
        Some("usunieto") => Some("Wpis został usunięty."),
        _ => None,
    };
    Ok(page
        .render(
            &state,
            "support/regional.html",
            json!({ "entries": found.iter().map(Entry::to_json).collect::<Vec<_>>(), "notice": notice }),
        )?
        .into_response())
}

pub async fn new_regional(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    render_form(
        &state,
        &page,
        &REGIONAL,
        None,
        empty_form(),
        HashMap::new(),
        StatusCode::OK,
    )
}

pub async fn create_regional(
    State(state): State<AppState>,
    page: Page,
    axum::Form(f): RawForm,
) -> AppResult<Response> {
    save(&state, &page, &REGIONAL, None, &f).await
}

pub async fn edit_regional(
    State(state): State<AppState>,
    page: Page,
    PathId(id): PathId,
) -> AppResult<Response> {
    let e = load(&state, &page, Scope::Regional, id).await?;
    render_form(
        &state,
        &page,
        &REGIONAL,
        Some(id),
        e.values(),
        HashMap::new(),
        StatusCode::OK,
    )
}

pub async fn save_regional(
    State(state): State<AppState>,
    page: Page,
    PathId(id): PathId,
    axum::Form(f): RawForm,
) -> AppResult<Response> {
    load(&state, &page, Scope::Regional, id).await?;
    save(&state, &page, &REGIONAL, Some(id), &f).await
}

pub async fn confirm_regional(
    State(state): State<AppState>,
    page: Page,
    PathId(id): PathId,
) -> AppResult<Response> {
    confirm(&state, &page, &REGIONAL, id).await
}

pub async fn delete_regional(
    State(state): State<AppState>,
    page: Page,
    PathId(id): PathId,
) -> AppResult<Response> {
    delete(&state, &page, &REGIONAL, id).await
}
