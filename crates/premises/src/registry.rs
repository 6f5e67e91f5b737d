//! The registry of premises: the public list (filters: status, area range, step-free, district;
//! sorts: area, PES rent, newest; 20 per page), each premises' page with its terms, the gmina's
//! resolution and its history; for staff the form (add, edit), withdrawing and offering again,
//! and recording a lease — to a call's winner or to anyone else.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pestor_core::calendar::{Span, form_date, required_date};
use pestor_core::geo::{KUJAWSKO_POMORSKIE, NOT_IN_THE_VOIVODESHIP, parse_position};
use pestor_core::offer::typed_amount;
use pestor_core::organisation::plausible_url;
use pestor_kit::audit;
use pestor_kit::auth::access::urlencode;
use pestor_kit::error::{AppError, AppResult, OnConstraint};
use pestor_kit::forms::{Fields, PathId, field};
use pestor_kit::input::Query;
use pestor_kit::page::{Gmina, Page, page_count, page_number, polish_date, polish_datetime};
use pestor_kit::state::AppState;
use serde_json::{Value, json};
use time::Date;

use crate::photo_store::PHOTOS;
use crate::shared::{
    STANDARDS, STATUSES, area_text, lock, parse_hundredths, record, rent_text, status_label,
};
use pestor_photos::Variant;

const PAGE_SIZE: i64 = 20;

/// Sort keys, labels and ORDER BY clauses: fixed text, never built from input.
const SORTS: &[(&str, &str, &str)] = &[
    ("najnowsze", "najnowsze", "p.created_at DESC, p.id DESC"),
    ("powierzchnia", "powierzchnia", "p.area_m2 DESC, p.id"),
    (
        "czynsz",
        "czynsz dla PES (od najniższego)",
        "p.rent_pes_grosze, p.id",
    ),
];

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct Filters {
    status: String,
    pow_od: String,
    pow_do: String,
    bez_barier: String,
    dzielnica: String,
    sort: String,
    strona: String,
}

impl Filters {
    fn query(&self, sort: &str) -> String {
        [
            ("status", self.status.as_str()),
            ("pow_od", self.pow_od.trim()),
            ("pow_do", self.pow_do.trim()),
            ("bez_barier", self.bez_barier.as_str()),
            ("dzielnica", self.dzielnica.as_str()),
            ("sort", sort),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
    }
}

#[derive(sqlx::FromRow)]
struct Listed {
    id: i64,
    address: String,
    district: String,
    area: i64,
    rooms: i32,
    floor: i32,
    step_free: bool,
    rent_standard_grosze: i64,
    rent_pes_grosze: i64,
    status: String,
    /// The first photo: its object, description and size.
    photo: Option<uuid::Uuid>,
    alt: Option<String>,
    photo_width: Option<i32>,
    photo_height: Option<i32>,
}

/// `/lokale`: premises the public sees (all but withdrawn ones) by the filters.
pub async fn list(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Query(f): Query<Filters>,
) -> AppResult<Response> {
    let number = page_number(&f.strona);
    let (sort, _, order) = SORTS.iter().find(|s| s.0 == f.sort).unwrap_or(&SORTS[0]);
    let status = STATUSES
        .iter()
        .find(|s| s.1 == f.status && s.0 != "withdrawn")
        .map_or("", |s| s.0);
    let mut errors: HashMap<&str, &str> = HashMap::new();
    let mut bound = |raw: &str, key: &'static str| {
        if raw.trim().is_empty() {
            return None;
        }
        let v = parse_hundredths(raw);
        if v.is_none() {
            errors.insert(key, "Podaj powierzchnię w m², np. 40 albo 45,5.");
        }
        v
    };
    let (from, to) = (bound(&f.pow_od, "pow_od"), bound(&f.pow_do, "pow_do"));
    let filters = "p.status <> 'withdrawn' AND ($1 = '' OR p.status = $1)
         AND ($2::bigint IS NULL OR p.area_m2 * 100 >= $2) AND ($3::bigint IS NULL OR p.area_m2 * 100 <= $3)
         AND (NOT $4 OR p.step_free) AND ($5 = '' OR p.district = $5)";
    let mut tx = gmina.begin().await?;
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM premises p WHERE {filters}"
    )))
    .bind(status)
    .bind(from)
    .bind(to)
    .bind(f.bez_barier == "tak")
    .bind(&f.dzielnica)
    .fetch_one(&mut *tx)
    .await?;
    let rows: Vec<Listed> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT p.id, p.address, p.district, (p.area_m2 * 100)::bigint AS area, p.rooms, p.floor,
                p.step_free, p.rent_standard_grosze, p.rent_pes_grosze, p.status,
                f.object AS photo, f.alt, f.width AS photo_width, f.height AS photo_height
         FROM premises p
         LEFT JOIN LATERAL (SELECT object, alt, width, height FROM premises_photos
                            WHERE premises_id = p.id ORDER BY position, id LIMIT 1) f ON true
         WHERE {filters} ORDER BY {order} LIMIT $6 OFFSET $7"
    )))
    .bind(status)
    .bind(from)
    .bind(to)
    .bind(f.bez_barier == "tak")
    .bind(&f.dzielnica)
    .bind(PAGE_SIZE)
    .bind((number - 1) * PAGE_SIZE)
    .fetch_all(&mut *tx)
    .await?;
    let districts: Vec<String> = sqlx::query_scalar(
        "SELECT district FROM premises WHERE status <> 'withdrawn'
         GROUP BY district ORDER BY public.polish_key(district)",
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|p| {
            json!({
                "id": p.id, "address": p.address, "district": p.district,
                "area": area_text(p.area), "rooms": p.rooms, "floor": floor_text(p.floor),
                "step_free": p.step_free, "status": p.status, "status_label": status_label(&p.status),
                "rent_standard": rent_text(p.rent_standard_grosze), "rent_pes": rent_text(p.rent_pes_grosze),
                "photo": p.photo.map(|o| pestor_photos::photo_url(PHOTOS, o, Variant::Thumbnail)),
                "srcset": p.photo.map(|o| pestor_photos::photo_srcset(PHOTOS, o, p.photo_width.unwrap_or(0), p.photo_height.unwrap_or(0))),
                "alt": p.alt,
            })
        })
        .collect();
    let query = f.query(sort);
    Ok(page
        .render(
            &state,
            "premises/list.html",
            json!({
                "items": items, "total": total, "page": number, "pages": page_count(total, PAGE_SIZE),
                "query": query, "errors": errors,
                "values": { "status": f.status, "pow_od": f.pow_od.trim(), "pow_do": f.pow_do.trim(),
                            "bez_barier": f.bez_barier, "dzielnica": f.dzielnica, "sort": sort },
                "statuses": STATUSES.iter().filter(|s| s.0 != "withdrawn")
                    .map(|s| json!({ "code": s.1, "name": s.2 })).collect::<Vec<_>>(),
                "districts": districts.iter().map(|d| json!({ "code": d, "name": d })).collect::<Vec<_>>(),
                "sorts": SORTS.iter().map(|s| json!({ "code": s.0, "name": s.1 })).collect::<Vec<_>>(),
                "is_staff": page.is_staff(),
            }),
        )?
        .into_response())
}

pub(crate) fn floor_text(floor: i32) -> String {
    match floor {
        0 => "parter".into(),
        f if f < 0 => format!("piwnica ({f})"),
        f => format!("{f}. piętro"),
    }
}

#[derive(sqlx::FromRow)]
struct Premises {
    id: i64,
    address: String,
    district: String,
    area: i64,
    rooms: i32,
    floor: i32,
    step_free: bool,
    accessible_toilet: bool,
    standard: String,
    uses: String,
    description: String,
    rent_standard_grosze: i64,
    rent_pes_grosze: i64,
    status: String,
    lat: Option<f64>,
    lon: Option<f64>,
    resolution_title: String,
    resolution_number: String,
    resolution_date: Option<Date>,
    resolution_url: String,
}

const COLUMNS: &str = "id, address, district, (area_m2 * 100)::bigint AS area, rooms, floor, step_free,
    accessible_toilet, standard, uses, description, rent_standard_grosze, rent_pes_grosze, status, lat, lon,
    resolution_title, resolution_number, resolution_date, resolution_url";

async fn load(gmina: &Gmina, id: i64) -> AppResult<Premises> {
    let mut tx = gmina.begin().await?;
    let p = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM premises WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(p)
}

#[derive(sqlx::FromRow)]
struct Lease {
    tenant_name: String,
    to_pes: bool,
    first: Date,
    until: Date,
    rent_charged_grosze: i64,
}

#[derive(sqlx::FromRow)]
struct Winner {
    id: i64,
    organisation_name: String,
    call_title: String,
}

/// `/lokale/{id}`: the premises, its terms, its history; for staff the status and lease forms.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    render_show(
        &state,
        &page,
        &gmina,
        id,
        &q,
        HashMap::new(),
        StatusCode::OK,
    )
    .await
}

pub(crate) async fn render_show(
    state: &AppState,
    page: &Page,
    gmina: &Gmina,
    id: i64,
    values: &HashMap<String, String>,
    errors: HashMap<&'static str, String>,
    status: StatusCode,
) -> AppResult<Response> {
    let p = load(gmina, id).await?;
    if p.status == "withdrawn" && !page.is_staff() {
        return Err(AppError::NotFound);
    }
    let mut tx = gmina.begin().await?;
    let history: Vec<(time::OffsetDateTime, String)> = sqlx::query_as(
        "SELECT at, event FROM premises_history WHERE premises_id = $1 ORDER BY at DESC, id DESC",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let leases: Vec<Lease> = sqlx::query_as(
        "SELECT tenant_name, to_pes, lower(during) AS first, upper(during) AS until, rent_charged_grosze
         FROM premises_leases WHERE premises_id = $1 ORDER BY lower(during) DESC",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let open_call: Option<(i64, String, Date)> = sqlx::query_as(
        "SELECT c.id, c.title, c.deadline FROM premises_calls c
         JOIN premises_call_items i ON i.call_id = c.id
         WHERE i.premises_id = $1 AND c.status = 'open' ORDER BY c.id DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    // A decided call's winner without a lease yet: the lease form offers it first.
    let winners: Vec<Winner> = sqlx::query_as(
        "SELECT a.id, a.organisation_name, c.title AS call_title FROM premises_applications a
         JOIN premises_calls c ON c.id = a.call_id
         WHERE a.premises_id = $1 AND a.result = 'won'
           AND NOT EXISTS (SELECT 1 FROM premises_leases l WHERE l.application_id = a.id)
         ORDER BY a.id DESC",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let notice = match values.get("komunikat").map(String::as_str) {
        Some("dodano") => Some("Lokal został dodany."),
        Some("zapisano") => Some("Zmiany zostały zapisane."),
        Some("status") => Some("Status lokalu został zmieniony."),
        Some("najem") => Some("Umowa najmu została zapisana."),
        Some("zdjecie") => Some("Zdjęcie zostało dodane."),
        Some("zdjecie-usuniete") => Some("Zdjęcie zostało usunięte."),
        _ => None,
    };
    let mut tenants: Vec<Value> = winners
        .iter()
        .map(|w| json!({ "code": w.id.to_string(), "name": format!("{} (wybrana w naborze „{}”)", w.organisation_name, w.call_title) }))
        .collect();
    tenants.push(json!({ "code": "pes", "name": "inna organizacja (PES) — wpisz nazwę" }));
    tenants.push(json!({ "code": "inny", "name": "inny podmiot — wpisz nazwę" }));
    let photos: Vec<Value> = crate::photo_store::of_premises(gmina, id)
        .await?
        .iter()
        .map(crate::photo_store::Stored::to_json)
        .collect();
    let branding = &gmina.site.branding;
    let html = page.respond(
        state,
        "premises/show.html",
        json!({
            "p": {
                "id": p.id, "address": p.address, "district": p.district, "area": area_text(p.area),
                "rooms": p.rooms, "floor": floor_text(p.floor), "step_free": p.step_free,
                "accessible_toilet": p.accessible_toilet, "standard": p.standard, "uses": p.uses,
                "description": p.description, "rent_standard": rent_text(p.rent_standard_grosze),
                "rent_pes": rent_text(p.rent_pes_grosze), "status": p.status,
                "status_label": status_label(&p.status), "lat": p.lat, "lon": p.lon,
                "resolution": (!p.resolution_title.is_empty()).then(|| json!({
                    "title": p.resolution_title, "number": p.resolution_number,
                    "date": p.resolution_date.map(polish_date), "url": p.resolution_url,
                })),
            },
            "history": history.iter().map(|(at, e)| json!({ "at": polish_datetime(*at), "event": e })).collect::<Vec<_>>(),
            "leases": leases.iter().map(|l| json!({
                "tenant": l.tenant_name, "to_pes": l.to_pes, "from": polish_date(l.first),
                "to": polish_date(l.until.previous_day().unwrap_or(l.until)), "rent": rent_text(l.rent_charged_grosze),
            })).collect::<Vec<_>>(),
            "open_call": open_call.map(|(cid, title, deadline)| json!({ "id": cid, "title": title, "deadline": polish_date(deadline) })),
            "tenants": tenants, "values": values, "errors": errors, "notice": notice,
            "is_staff": page.is_staff(), "map": pestor_kit::maps::settings(branding),
            "photos": photos, "can_add_photo": (photos.len() as i64) < crate::photo_store::MAX_PHOTOS,
            "max_mb": state.settings.storage.max_upload_bytes / (1024 * 1024),
        }),
        status,
    )?;
    Ok(pestor_kit::maps::with_map_csp(branding, html))
}

/// A checked premises, ready to store. Areas and money are in hundredths.
struct Draft {
    address: String,
    district: String,
    area: i64,
    rooms: i32,
    floor: i32,
    step_free: bool,
    accessible_toilet: bool,
    standard: String,
    uses: String,
    description: String,
    rent_standard: i64,
    rent_pes: i64,
    position: Option<(f64, f64)>,
    resolution_title: String,
    resolution_number: String,
    resolution_date: Option<Date>,
    resolution_url: String,
}

const FIELDS: &[&str] = &[
    "address",
    "district",
    "area",
    "rooms",
    "floor",
    "step_free",
    "accessible_toilet",
    "standard",
    "uses",
    "description",
    "rent_standard",
    "rent_pes",
    "lat",
    "lon",
    "resolution_title",
    "resolution_number",
    "resolution_date",
    "resolution_url",
];

/// Checks the form; every problem is named, in Polish, by its field.
fn validate(
    f: &HashMap<String, String>,
    today: time::Date,
) -> Result<Draft, HashMap<&'static str, String>> {
    let get = |k: &str| field(f, k).trim().to_owned();
    let mut e: HashMap<&'static str, String> = HashMap::new();
    let mut text = |key: &'static str, min: usize, max: usize, message: &str| {
        let v = get(key);
        if !(min..=max).contains(&v.chars().count()) {
            e.insert(key, message.to_owned());
        }
        v
    };
    let address = text(
        "address",
        3,
        200,
        "Podaj adres lokalu (od 3 do 200 znaków), np. ul. Szeroka 12/3.",
    );
    let district = text(
        "district",
        2,
        100,
        "Podaj dzielnicę albo miejscowość (od 2 do 100 znaków).",
    );
    let uses = text(
        "uses",
        0,
        1000,
        "Dopuszczalne przeznaczenie może mieć najwyżej 1000 znaków.",
    );
    let description = text(
        "description",
        0,
        5000,
        "Opis może mieć najwyżej 5000 znaków.",
    );
    let resolution_title = text(
        "resolution_title",
        0,
        300,
        "Tytuł uchwały może mieć najwyżej 300 znaków.",
    );
    let resolution_number = text(
        "resolution_number",
        0,
        50,
        "Numer uchwały może mieć najwyżej 50 znaków.",
    );
    let area = parse_hundredths(&get("area")).filter(|a| (1..=1_000_000).contains(a));
    if area.is_none() {
        e.insert(
            "area",
            "Podaj powierzchnię użytkową w m² (do 10 000), np. 45,5.".into(),
        );
    }
    let rooms = get("rooms")
        .parse::<i32>()
        .ok()
        .filter(|r| (1..=100).contains(r));
    if rooms.is_none() {
        e.insert("rooms", "Podaj liczbę pomieszczeń od 1 do 100.".into());
    }
    let floor = get("floor")
        .parse::<i32>()
        .ok()
        .filter(|f| (-2..=30).contains(f));
    if floor.is_none() {
        e.insert(
            "floor",
            "Podaj piętro liczbą: 0 to parter, -1 piwnica (od -2 do 30).".into(),
        );
    }
    let standard = get("standard");
    if !STANDARDS.contains(&standard.as_str()) {
        e.insert("standard", "Wybierz standard techniczny z listy.".into());
    }
    let rent_standard = parse_hundredths(&get("rent_standard")).filter(|r| *r <= 100_000);
    if rent_standard.is_none() {
        e.insert(
            "rent_standard",
            "Podaj stawkę czynszu w zł za m² miesięcznie, np. 25,50.".into(),
        );
    }
    let rent_pes = parse_hundredths(&get("rent_pes")).filter(|r| *r <= 100_000);
    match (rent_pes, rent_standard) {
        (None, _) => {
            e.insert(
                "rent_pes",
                "Podaj preferencyjną stawkę dla PES w zł za m² miesięcznie, np. 5.".into(),
            );
        }
        (Some(p), Some(s)) if p > s => {
            e.insert(
                "rent_pes",
                "Stawka dla PES nie może być wyższa niż stawka podstawowa.".into(),
            );
        }
        _ => {}
    }
    let position =
        parse_position(&get("lat"), &get("lon"), &KUJAWSKO_POMORSKIE).unwrap_or_else(|()| {
            e.insert("lat", NOT_IN_THE_VOIVODESHIP.into());
            None
        });
    let resolution_date = form_date(&get("resolution_date"), "datę uchwały", Span::RECORD, today)
        .unwrap_or_else(|m| {
            e.insert("resolution_date", m);
            None
        });
    let resolution_url = get("resolution_url");
    let url_ok = resolution_url.is_empty() || plausible_url(&resolution_url);
    if !url_ok {
        e.insert(
            "resolution_url",
            "Podaj adres uchwały zaczynający się od https:// (np. w Biuletynie Informacji Publicznej)."
                .into(),
        );
    }
    if !resolution_title.is_empty() && resolution_number.is_empty() {
        e.insert("resolution_number", "Podaj numer uchwały.".into());
    }
    let (Some(area), Some(rooms), Some(floor), Some(rent_standard), Some(rent_pes), true) =
        (area, rooms, floor, rent_standard, rent_pes, e.is_empty())
    else {
        return Err(e);
    };
    Ok(Draft {
        address,
        district,
        area,
        rooms,
        floor,
        step_free: get("step_free") == "tak",
        accessible_toilet: get("accessible_toilet") == "tak",
        standard,
        uses,
        description,
        rent_standard,
        rent_pes,
        position,
        resolution_title,
        resolution_number,
        resolution_date,
        resolution_url,
    })
}

fn render_form(
    state: &AppState,
    page: &Page,
    values: &Value,
    errors: &HashMap<&'static str, String>,
    status: StatusCode,
    editing: Option<i64>,
) -> AppResult<Response> {
    page.respond(
        state,
        "premises/form.html",
        json!({
            "values": values, "errors": errors, "editing": editing,
            "standards": STANDARDS.iter().map(|s| json!({ "code": s, "name": s })).collect::<Vec<_>>(),
        }),
        status,
    )
}

fn typed(f: &HashMap<String, String>) -> Value {
    FIELDS
        .iter()
        .map(|k| ((*k).to_owned(), json!(field(f, k))))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

pub async fn new_form(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    render_form(
        &state,
        &page,
        &json!({ "floor": "0", "rooms": "1" }),
        &HashMap::new(),
        StatusCode::OK,
        None,
    )
}

/// `POST /lokale/nowy`: a new free premises.
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    axum::Form(f): Fields,
) -> AppResult<Response> {
    let d = match validate(&f, state.clock.today()) {
        Ok(d) => d,
        Err(errors) => {
            return render_form(
                &state,
                &page,
                &typed(&f),
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
            );
        }
    };
    let me = page.account()?;
    let mut tx = gmina.begin().await?;
    let id: i64 = bind(
        sqlx::query_scalar(
            "INSERT INTO premises (address, district, area_m2, rooms, floor, step_free, accessible_toilet,
                                   standard, uses, description, rent_standard_grosze, rent_pes_grosze, lat, lon,
                                   resolution_title, resolution_number, resolution_date, resolution_url)
             VALUES ($1, $2, $3::numeric / 100, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
             RETURNING id",
        ),
        &d,
    )
    .fetch_one(&mut *tx)
    .await?;
    record(&mut tx, id, state.clock.now(), "Lokal dodany do rejestru.").await?;
    audit::record(
        &mut tx,
        me,
        "premises.added",
        json!({ "lokal": id, "adres": d.address }),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/lokale/{id}?komunikat=dodano")).into_response())
}

type Scalar<'q> = sqlx::query::QueryScalar<'q, sqlx::Postgres, i64, sqlx::postgres::PgArguments>;

/// Binds a draft's columns as `$1`…`$18`, in the order of [`FIELDS`].
fn bind<'q>(q: Scalar<'q>, d: &'q Draft) -> Scalar<'q> {
    q.bind(&d.address)
        .bind(&d.district)
        .bind(d.area)
        .bind(d.rooms)
        .bind(d.floor)
        .bind(d.step_free)
        .bind(d.accessible_toilet)
        .bind(&d.standard)
        .bind(&d.uses)
        .bind(&d.description)
        .bind(d.rent_standard)
        .bind(d.rent_pes)
        .bind(d.position.map(|p| p.0))
        .bind(d.position.map(|p| p.1))
        .bind(&d.resolution_title)
        .bind(&d.resolution_number)
        .bind(d.resolution_date)
        .bind(&d.resolution_url)
}

pub async fn edit_form(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
) -> AppResult<Response> {
    let p = load(&gmina, id).await?;
    let yes = |b: bool| if b { "tak" } else { "" };
    let values = json!({
        "address": p.address, "district": p.district, "area": typed_amount(p.area),
        "rooms": p.rooms.to_string(), "floor": p.floor.to_string(), "step_free": yes(p.step_free),
        "accessible_toilet": yes(p.accessible_toilet), "standard": p.standard, "uses": p.uses,
        "description": p.description, "rent_standard": typed_amount(p.rent_standard_grosze),
        "rent_pes": typed_amount(p.rent_pes_grosze),
        "lat": p.lat.map(|v| v.to_string()).unwrap_or_default(),
        "lon": p.lon.map(|v| v.to_string()).unwrap_or_default(),
        "resolution_title": p.resolution_title, "resolution_number": p.resolution_number,
        "resolution_date": p.resolution_date.map(|d| d.to_string()).unwrap_or_default(),
        "resolution_url": p.resolution_url,
    });
    render_form(
        &state,
        &page,
        &values,
        &HashMap::new(),
        StatusCode::OK,
        Some(id),
    )
}

/// `POST /lokale/{id}/edycja`.
pub async fn save(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
    axum::Form(f): Fields,
) -> AppResult<Response> {
    load(&gmina, id).await?;
    let d = match validate(&f, state.clock.today()) {
        Ok(d) => d,
        Err(errors) => {
            return render_form(
                &state,
                &page,
                &typed(&f),
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(id),
            );
        }
    };
    let me = page.account()?;
    let mut tx = gmina.begin().await?;
    lock(&mut tx, id).await?;
    bind(
        sqlx::query_scalar(
            "UPDATE premises SET address = $1, district = $2, area_m2 = $3::numeric / 100, rooms = $4,
                    floor = $5, step_free = $6, accessible_toilet = $7, standard = $8, uses = $9,
                    description = $10, rent_standard_grosze = $11, rent_pes_grosze = $12, lat = $13,
                    lon = $14, resolution_title = $15, resolution_number = $16, resolution_date = $17,
                    resolution_url = $18, updated_at = now()
             WHERE id = $19 RETURNING id",
        ),
        &d,
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    record(
        &mut tx,
        id,
        state.clock.now(),
        "Zmieniono opis lub warunki najmu.",
    )
    .await?;
    audit::record(
        &mut tx,
        me,
        "premises.edited",
        json!({ "lokal": id, "adres": d.address }),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/lokale/{id}?komunikat=zapisano")).into_response())
}

/// `POST /lokale/{id}/status`: `decision` withdraw (a free or leased premises leaves the
/// offer) or offer (a withdrawn or leased one is free again). A premises in an open call keeps
/// its status until the call is decided.
pub async fn set_status(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
    axum::Form(f): Fields,
) -> AppResult<Response> {
    let me = page.account()?;
    let (to, event) = match field(&f, "decision") {
        "withdraw" => ("withdrawn", "Lokal wycofany z oferty dla PES."),
        "offer" => ("free", "Lokal ponownie wolny i oferowany PES."),
        _ => {
            return Err(AppError::BadRequest(
                "Wybierz: wycofaj albo oferuj ponownie.".into(),
            ));
        }
    };
    let mut tx = gmina.begin().await?;
    let (status, _, _) = lock(&mut tx, id).await?;
    if status == "call" {
        return Err(AppError::Conflict(
            "Lokal jest w otwartym naborze — status zmieni rozstrzygnięcie naboru. Nic nie zostało zmienione."
                .into(),
        ));
    }
    if status == to {
        return Err(AppError::Conflict(format!(
            "Lokal ma już status „{}”. Nic nie zostało zmienione.",
            status_label(to)
        )));
    }
    sqlx::query("UPDATE premises SET status = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(to)
        .execute(&mut *tx)
        .await?;
    record(&mut tx, id, state.clock.now(), event).await?;
    audit::record(
        &mut tx,
        me,
        "premises.status",
        json!({ "lokal": id, "z": status, "na": to }),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/lokale/{id}?komunikat=status")).into_response())
}

/// `POST /lokale/{id}/najem`: a lease — to a call's winner (`tenant` is its application's id),
/// another PES (`pes`) or another entity (`inny`, then `tenant_name`) — from `from` to `to`
/// (the last day) at `rent` zł/m² a month. The premises' standard rent and area are kept with it.
pub async fn lease(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
    axum::Form(f): Fields,
) -> AppResult<Response> {
    let me = page.account()?;
    let get = |k: &str| field(&f, k).trim().to_owned();
    let mut errors: HashMap<&'static str, String> = HashMap::new();
    let tenant = get("tenant");
    let mut tx = gmina.begin().await?;
    let winner: Option<(i64, String)> = match tenant.parse::<i64>() {
        Ok(app) => {
            sqlx::query_as(
                "SELECT a.id, a.organisation_name FROM premises_applications a
             WHERE a.id = $1 AND a.premises_id = $2 AND a.result = 'won'
               AND NOT EXISTS (SELECT 1 FROM premises_leases l WHERE l.application_id = a.id)",
            )
            .bind(app)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
        }
        Err(_) => None,
    };
    let (name, to_pes) = match (tenant.as_str(), &winner) {
        (_, Some((_, name))) => (name.clone(), true),
        ("pes" | "inny", None) => (get("tenant_name"), tenant == "pes"),
        _ => {
            errors.insert("tenant", "Wybierz najemcę z listy.".into());
            (String::new(), false)
        }
    };
    if winner.is_none()
        && !(2..=300).contains(&name.chars().count())
        && !errors.contains_key("tenant")
    {
        errors.insert(
            "tenant_name",
            "Podaj nazwę najemcy (od 2 do 300 znaków).".into(),
        );
    }
    let today = state.clock.today();
    let from = required_date(&get("from"), "początek najmu", Span::TERM, today)
        .map_err(|m| errors.insert("from", m))
        .ok();
    let until = required_date(&get("to"), "koniec najmu", Span::TERM, today)
        .map_err(|m| errors.insert("to", m))
        .ok();
    match (from, until) {
        (Some(a), Some(b)) if b < a => {
            errors.insert("to", "Koniec najmu nie może być przed początkiem.".into());
        }
        _ => {}
    }
    let rent = parse_hundredths(&get("rent")).filter(|r| *r <= 100_000);
    if rent.is_none() {
        errors.insert(
            "rent",
            "Podaj czynsz faktycznie pobierany w zł za m² miesięcznie, np. 5,00.".into(),
        );
    }
    let (Some(from), Some(until), Some(rent), true) = (from, until, rent, errors.is_empty()) else {
        tx.commit().await?;
        return render_show(
            &state,
            &page,
            &gmina,
            id,
            &f,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let (status, area, standard) = lock(&mut tx, id).await?;
    if status == "withdrawn" || (status == "call" && winner.is_none()) {
        return Err(AppError::Conflict(format!(
            "Lokal ma status „{}” — najem można zapisać dla lokalu wolnego albo dla zwycięzcy naboru. Nic nie zostało zapisane.",
            status_label(&status)
        )));
    }
    let end = until
        .next_day()
        .ok_or(AppError::BadRequest("Zła data.".into()))?;
    sqlx::query(
        "INSERT INTO premises_leases (premises_id, application_id, tenant_name, to_pes, during, area_m2,
                                      rent_standard_grosze, rent_charged_grosze)
         VALUES ($1, $2, $3, $4, daterange($5, $6), $7::numeric / 100, $8, $9)",
    )
    .bind(id)
    .bind(winner.as_ref().map(|w| w.0))
    .bind(&name)
    .bind(to_pes)
    .bind(from)
    .bind(end)
    .bind(area)
    .bind(standard)
    .bind(rent)
    .execute(&mut *tx)
    .await
    .on_constraint("premises_leases_premises_id_during_excl", |_| {
        AppError::Conflict(
            "W tych dniach lokal jest już wynajęty (inna umowa najmu). Nic nie zostało zapisane."
                .into(),
        )
    })?;
    let to = if to_pes { "leased_pes" } else { "leased_other" };
    sqlx::query("UPDATE premises SET status = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(to)
        .execute(&mut *tx)
        .await?;
    record(
        &mut tx,
        id,
        state.clock.now(),
        &format!(
            "Najem: {name}, od {} do {}, czynsz {}.",
            polish_date(from),
            polish_date(until),
            rent_text(rent)
        ),
    )
    .await?;
    audit::record(
        &mut tx,
        me,
        "premises.leased",
        json!({ "lokal": id, "najemca": name, "od": from.to_string(), "do": until.to_string() }),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/lokale/{id}?komunikat=najem")).into_response())
}
