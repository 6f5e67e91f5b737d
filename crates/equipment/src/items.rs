//! Items of the equipment bank: the list (filters: kind, category, text without diacritics;
//! sorts: name in Polish order, newest; 20 per page), the form any signed-in account adds one with,
//! and the item's page.

use std::collections::HashMap;

use crate::photo_store::PHOTOS;
use crate::vocab::{CONDITIONS, KINDS, condition_label, kind_label};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pestor_core::calendar::parse_date;
use pestor_kit::atom::{Entry, Feed};
use pestor_kit::audit;
use pestor_kit::auth::access::urlencode;
use pestor_kit::error::AppResult;
use pestor_kit::forms::{Fields, field};
use pestor_kit::input::{ApiQuery, Query, bad_parameter, check_sort_and_page, open_data_headers};
use pestor_kit::openapi::{
    Document, bad_request, enumerated, json_answer, page_of, paging, param, pattern, text_search,
};
use pestor_kit::page::{Gmina, Page, page_count, page_number, polish_date};
use pestor_kit::state::AppState;
use pestor_photos::Variant;
use serde_json::{Value, json};
use time::Date;
use time::format_description::well_known::Rfc3339;

const PAGE_SIZE: i64 = 20;

/// Sort keys, labels and ORDER BY clauses: fixed text, never built from input.
const SORTS: &[(&str, &str, &str)] = &[
    ("nazwa", "nazwa", "i.name_key, i.id"),
    ("najnowsze", "najnowsze", "i.created_at DESC, i.id DESC"),
];

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct Filters {
    q: String,
    rodzaj: String,
    kategoria: String,
    /// `teraz`: free today; or `wolne_dnia`, a date: free that day (loans with a unit free).
    wolne: String,
    wolne_dnia: String,
    sort: String,
    strona: String,
}

impl Filters {
    /// Refuses values that cannot match anything valid (for the API; the page shows nothing).
    fn check(&self) -> AppResult<()> {
        let bad = |what: &str| Err(bad_parameter(what));
        if self.q.chars().count() > 200 || self.q.contains('\0') {
            return bad("q (najwyżej 200 znaków)");
        }
        if !self.rodzaj.is_empty() && !KINDS.iter().any(|k| k.1 == self.rodzaj) {
            return bad("rodzaj (przekazanie albo uzyczenie)");
        }
        let code = self.kategoria.len() <= 40
            && self
                .kategoria
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !code {
            return bad("kategoria (kod kategorii)");
        }
        if !self.wolne.is_empty() && self.wolne != "teraz" {
            return bad("wolne (teraz)");
        }
        if !self.wolne_dnia.is_empty() && parse_date(&self.wolne_dnia).is_none() {
            return bad("wolne_dnia (data RRRR-MM-DD)");
        }
        let known = SORTS.iter().any(|s| s.0 == self.sort);
        check_sort_and_page(&self.sort, known, &self.strona)
    }

    /// The day items must be free on: a valid `wolne_dnia`, else today for `wolne=teraz`.
    fn free_on(&self, today: Date) -> Option<Date> {
        parse_date(&self.wolne_dnia).or((self.wolne == "teraz").then_some(today))
    }

    fn query(&self, sort: &str) -> String {
        [
            ("q", self.q.trim()),
            ("rodzaj", &self.rodzaj),
            ("kategoria", &self.kategoria),
            ("wolne", &self.wolne),
            ("wolne_dnia", &self.wolne_dnia),
            ("sort", sort),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
    }
}

async fn categories(tx: &mut pestor_db::TenantTx) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as("SELECT code, name FROM equipment_categories ORDER BY position, code")
        .fetch_all(&mut **tx)
        .await
}

#[derive(sqlx::FromRow)]
struct Listed {
    id: i64,
    name: String,
    kind: String,
    category: String,
    category_name: String,
    condition: String,
    available: i32,
    quantity: i32,
    description: String,
    created_at: time::OffsetDateTime,
    /// The first photo: its object, description and size.
    photo: Option<uuid::Uuid>,
    alt: Option<String>,
    photo_width: Option<i32>,
    photo_height: Option<i32>,
}

/// What the public sees: active items, gifts while a piece is left.
const PUBLIC: &str = "i.status = 'active' AND (i.kind = 'loan' OR i.available > 0)";

/// One page of the public items matching `f`, and how many match.
async fn find(
    tx: &mut pestor_db::TenantTx,
    f: &Filters,
    today: Date,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<Listed>, i64)> {
    let (_, _, order) = SORTS.iter().find(|s| s.0 == f.sort).unwrap_or(&SORTS[0]);
    let kind = KINDS.iter().find(|k| k.1 == f.rodzaj).map_or("", |k| k.0);
    let q = f.q.trim();
    let filters = format!(
        "{PUBLIC} AND ($1 = '' OR i.search_text LIKE '%' || replace(replace(public.fold($1), '%', '\\%'), '_', '\\_') || '%')
         AND ($2 = '' OR i.kind = $2) AND ($3 = '' OR i.category = $3)
         AND ($4::date IS NULL OR i.kind = 'gift' OR i.quantity > (
              SELECT count(DISTINCT l.unit) FROM equipment_loans l
              WHERE l.item_id = i.id AND l.status IN ('approved', 'lent')
                AND (l.during @> $4::date OR (l.status = 'lent' AND upper(l.during) <= $5 AND $4::date >= $5))))"
    );
    let free_on = f.free_on(today);
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM equipment_items i WHERE {filters}"
    )))
    .bind(q)
    .bind(kind)
    .bind(&f.kategoria)
    .bind(free_on)
    .bind(today)
    .fetch_one(&mut **tx)
    .await?;
    let items: Vec<Listed> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT i.id, i.name, i.kind, i.category, c.name AS category_name, i.condition, i.available, i.quantity,
                i.description, i.created_at, p.object AS photo, p.alt, p.width AS photo_width, p.height AS photo_height
         FROM equipment_items i JOIN equipment_categories c ON c.code = i.category
         LEFT JOIN LATERAL (SELECT object, alt, width, height FROM equipment_photos
                            WHERE item_id = i.id ORDER BY position, id LIMIT 1) p ON true
         WHERE {filters} ORDER BY {order} LIMIT $6 OFFSET $7"
    )))
    .bind(q)
    .bind(kind)
    .bind(&f.kategoria)
    .bind(free_on)
    .bind(today)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut **tx)
    .await?;
    Ok((items, total))
}

pub async fn list(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Query(f): Query<Filters>,
) -> AppResult<Response> {
    let number = page_number(&f.strona);
    let sort = SORTS.iter().find(|s| s.0 == f.sort).unwrap_or(&SORTS[0]).0;
    let q = f.q.trim();
    let mut tx = gmina.begin().await?;
    let today = state.clock.today();
    let (items, total) = find(&mut tx, &f, today, PAGE_SIZE, (number - 1) * PAGE_SIZE).await?;
    let categories = categories(&mut tx).await?;
    tx.commit().await?;
    let neighbours: Vec<Value> = if number == 1 {
        let wanted = crate::powiat::Wanted {
            q,
            kind: KINDS.iter().find(|k| k.1 == f.rodzaj).map_or("", |k| k.0),
            category: &f.kategoria,
            date_filter: f.free_on(today).is_some(),
        };
        crate::powiat::find(&gmina.db, &wanted, sort)
            .await?
            .iter()
            .map(|n| n.to_json(&state))
            .collect()
    } else {
        Vec::new()
    };
    let items: Vec<Value> = items
        .iter()
        .map(|i| {
            json!({
                "id": i.id, "name": i.name, "kind": i.kind, "kind_label": kind_label(&i.kind),
                "category": i.category_name, "condition": condition_label(&i.condition),
                "available": i.available, "quantity": i.quantity,
                "added": polish_date(i.created_at.date()),
                "photo": i.photo.map(|p| pestor_photos::photo_url(PHOTOS, p, Variant::Thumbnail)),
                "srcset": i.photo.map(|p| pestor_photos::photo_srcset(PHOTOS, p, i.photo_width.unwrap_or(0), i.photo_height.unwrap_or(0))),
                "alt": i.alt,
            })
        })
        .collect();
    let query = f.query(sort);
    Ok(page
        .render(
            &state,
            "equipment/list.html",
            json!({
                "items": items, "total": total, "page": number, "neighbours": neighbours,
                "pages": page_count(total, PAGE_SIZE), "query": query,
                "filters": { "q": q, "rodzaj": f.rodzaj, "kategoria": f.kategoria, "sort": sort,
                             "wolne": f.wolne == "teraz", "wolne_dnia": f.wolne_dnia },
                "date_error": (!f.wolne_dnia.is_empty() && parse_date(&f.wolne_dnia).is_none())
                    .then_some("Podaj datę w formacie RRRR-MM-DD, np. 2026-12-24."),
                "kinds": KINDS.iter().map(|k| json!({ "code": k.1, "name": k.2 })).collect::<Vec<_>>(),
                "categories": categories.iter().map(|(c, n)| json!({ "code": c, "name": n })).collect::<Vec<_>>(),
                "sorts": SORTS.iter().map(|s| json!({ "key": s.0, "label": s.1 })).collect::<Vec<_>>(),
                "signed_in": page.viewer.0.is_some(),
            }),
        )?
        .into_response())
}

/// The form's single-value fields.
pub(crate) const FIELDS: &[&str] = &[
    "name",
    "description",
    "category",
    "kind",
    "condition",
    "quantity",
    "pickup_place",
    "pickup_hours",
    "on_behalf",
    "powiat_wide",
];

/// The organisations (of this gmina, verified) the viewer may give on behalf of.
async fn my_organisations(state: &AppState, page: &Page) -> AppResult<Vec<(i64, String)>> {
    let ids = pestor_kit::membership::organisations_of(state, page).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = state.db.tenant(&page.gmina()?.tenant).begin().await?;
    // Baza PES' published view, not its table.
    let orgs = sqlx::query_as(
        "SELECT id, name FROM organisation_summaries WHERE id = ANY($1) AND status = 'verified'
         ORDER BY public.polish_key(name)",
    )
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(orgs)
}

/// The item form: a new item (`editing` is `None`) or an item being edited, with its photos
/// (`editing` is the template's `item`).
pub(crate) async fn render_form(
    state: &AppState,
    page: &Page,
    values: &Value,
    errors: &HashMap<&'static str, String>,
    status: StatusCode,
    editing: Option<Value>,
) -> AppResult<Response> {
    let mut tx = state.db.tenant(&page.gmina()?.tenant).begin().await?;
    let categories = categories(&mut tx).await?;
    tx.commit().await?;
    let mut behalf = vec![json!({ "code": "", "name": "siebie (osoba prywatna)" })];
    behalf.extend(
        my_organisations(state, page)
            .await?
            .into_iter()
            .map(|(id, name)| json!({ "code": id.to_string(), "name": name })),
    );
    if page.is_staff() {
        behalf.push(json!({ "code": "urzad", "name": "urzędu gminy" }));
    }
    page.respond(
        state,
        "equipment/form.html",
        json!({
            "values": values, "errors": errors,
            "categories": categories.iter().map(|(c, n)| json!({ "code": c, "name": n })).collect::<Vec<_>>(),
            "kinds": KINDS.iter().map(|k| json!({ "code": k.0, "name": k.2 })).collect::<Vec<_>>(),
            "conditions": CONDITIONS.iter().map(|c| json!({ "code": c.0, "name": c.1 })).collect::<Vec<_>>(),
            "behalf": behalf, "item": editing,
            "max_mb": state.settings.storage.max_upload_bytes / (1024 * 1024),
        }),
        status,
    )
}

pub async fn new_form(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    render_form(
        &state,
        &page,
        &json!({ "quantity": "1" }),
        &HashMap::new(),
        StatusCode::OK,
        None,
    )
    .await
}

/// A checked item, ready to store.
pub(crate) struct Draft {
    pub name: String,
    pub description: String,
    pub category: String,
    pub kind: &'static str,
    pub condition: &'static str,
    pub quantity: i32,
    pub pickup_place: String,
    pub pickup_hours: String,
    pub on_behalf_of: Option<i64>,
    pub by_office: bool,
    pub powiat_wide: bool,
}

/// What an edit keeps as it was: the kind (requests and loans depend on it) and on whose behalf
/// the item is given.
pub(crate) struct Kept {
    pub kind: &'static str,
    pub on_behalf_of: Option<i64>,
    pub by_office: bool,
}

/// Checks the form; every problem is named, in Polish, by the field it belongs to. An edit
/// (`kept`) does not read the kind and on whose behalf.
pub(crate) async fn validate(
    state: &AppState,
    page: &Page,
    f: &HashMap<String, String>,
    kept: Option<Kept>,
) -> AppResult<Result<Draft, HashMap<&'static str, String>>> {
    let get = |k: &str| field(f, k).trim().to_owned();
    let mut errors: HashMap<&'static str, String> = HashMap::new();
    let name = get("name");
    if !(2..=200).contains(&name.chars().count()) {
        errors.insert(
            "name",
            "Podaj nazwę przedmiotu (od 2 do 200 znaków).".into(),
        );
    }
    let description = get("description");
    if description.chars().count() > 5000 {
        errors.insert("description", "Opis może mieć najwyżej 5000 znaków.".into());
    }
    let mut tx = state.db.tenant(&page.gmina()?.tenant).begin().await?;
    let codes = categories(&mut tx).await?;
    tx.commit().await?;
    let category = get("category");
    if !codes.iter().any(|(c, _)| *c == category) {
        errors.insert("category", "Wybierz kategorię z listy.".into());
    }
    let kind = match &kept {
        Some(k) => Some(k.kind),
        None => KINDS.iter().find(|k| k.0 == get("kind")).map(|k| k.0),
    };
    if kind.is_none() {
        errors.insert(
            "kind",
            "Wybierz, czy przekazujesz przedmiot, czy go użyczasz.".into(),
        );
    }
    let condition = CONDITIONS
        .iter()
        .find(|c| c.0 == get("condition"))
        .map(|c| c.0);
    if condition.is_none() {
        errors.insert("condition", "Wybierz stan przedmiotu.".into());
    }
    let quantity = get("quantity")
        .parse::<i32>()
        .ok()
        .filter(|q| (1..=500).contains(q));
    if quantity.is_none() {
        errors.insert("quantity", "Podaj liczbę sztuk od 1 do 500.".into());
    }
    let pickup_place = get("pickup_place");
    if !(3..=300).contains(&pickup_place.chars().count()) {
        errors.insert(
            "pickup_place",
            "Podaj miejsce odbioru (od 3 do 300 znaków).".into(),
        );
    }
    let pickup_hours = get("pickup_hours");
    if pickup_hours.chars().count() > 200 {
        errors.insert(
            "pickup_hours",
            "Godziny odbioru mogą mieć najwyżej 200 znaków.".into(),
        );
    }
    let behalf = get("on_behalf");
    let (on_behalf_of, by_office) = match behalf.as_str() {
        _ if kept.is_some() => kept
            .as_ref()
            .map_or((None, false), |k| (k.on_behalf_of, k.by_office)),
        "" => (None, false),
        "urzad" if page.is_staff() => (None, true),
        id => match id.parse::<i64>() {
            Ok(id)
                if my_organisations(state, page)
                    .await?
                    .iter()
                    .any(|(o, _)| *o == id) =>
            {
                (Some(id), false)
            }
            _ => {
                errors.insert(
                    "on_behalf",
                    "Wybierz siebie albo jedną ze swoich organizacji.".into(),
                );
                (None, false)
            }
        },
    };
    let (Some(kind), Some(condition), Some(quantity), true) =
        (kind, condition, quantity, errors.is_empty())
    else {
        return Ok(Err(errors));
    };
    Ok(Ok(Draft {
        name,
        description,
        category,
        kind,
        condition,
        quantity,
        pickup_place,
        pickup_hours,
        on_behalf_of,
        by_office,
        // A checkbox: present when ticked.
        powiat_wide: get("powiat_wide") == "tak",
    }))
}

pub async fn create(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    axum::Form(f): Fields,
) -> AppResult<Response> {
    let me = page.account()?;
    let d = match validate(&state, &page, &f, None).await? {
        Ok(d) => d,
        Err(errors) => {
            let values: serde_json::Map<_, _> = FIELDS
                .iter()
                .map(|k| (k.to_string(), json!(field(&f, k).trim())))
                .collect();
            return render_form(
                &state,
                &page,
                &Value::Object(values),
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
            )
            .await;
        }
    };
    let mut tx = gmina.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO equipment_items (name, description, category, kind, condition, quantity, available,
                                      pickup_place, pickup_hours, giver_id, on_behalf_of, by_office, powiat_wide)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(&d.name)
    .bind(&d.description)
    .bind(&d.category)
    .bind(d.kind)
    .bind(d.condition)
    .bind(d.quantity)
    .bind(&d.pickup_place)
    .bind(&d.pickup_hours)
    .bind(me.id)
    .bind(d.on_behalf_of)
    .bind(d.by_office)
    .bind(d.powiat_wide)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        me,
        "equipment.added",
        json!({ "przedmiot": id, "nazwa": d.name, "rodzaj": d.kind }),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/bank-sprzetu/{id}?komunikat=dodano")).into_response())
}

const MAX_PER_PAGE: i64 = 100;
/// The feed carries the newest items only.
const FEED_ENTRIES: i64 = 50;

/// `/bank-sprzetu.atom`: the newest items, by the list's filters (whatever sort was asked for).
pub async fn atom(
    State(state): State<AppState>,
    gmina: Gmina,
    Query(mut f): Query<Filters>,
) -> AppResult<Response> {
    f.check()?;
    f.sort = "najnowsze".into();
    f.strona = String::new();
    let today = state.clock.today();
    let mut tx = gmina.begin().await?;
    let (items, _) = find(&mut tx, &f, today, FEED_ENTRIES, 0).await?;
    tx.commit().await?;
    let t = &*gmina.site;
    let base = state
        .settings
        .host_url(Some(t.tenant.gmina().slug.as_str()));
    let query = f.query("");
    let self_url = if query.is_empty() {
        format!("{base}/bank-sprzetu.atom")
    } else {
        format!("{base}/bank-sprzetu.atom?{query}")
    };
    let entries: Vec<Entry> = items
        .iter()
        .map(|i| Entry {
            title: i.name.clone(),
            url: format!("{base}/bank-sprzetu/{}", i.id),
            published: i.created_at,
            author: t.branding.display_name.clone(),
            category: (i.category.clone(), i.category_name.clone()),
            summary: format!(
                "{}; stan: {}. {}",
                kind_label(&i.kind),
                condition_label(&i.condition),
                i.description
            ),
        })
        .collect();
    let feed = Feed {
        title: &format!("Bank sprzętu — {}", t.branding.display_name),
        self_url: &self_url,
        page_url: &format!("{base}/bank-sprzetu"),
    };
    Ok(feed.respond(&entries))
}

/// `/api/v1/bank-sprzetu`: the list's items as open data, same filters and sorts.
pub async fn api(
    State(state): State<AppState>,
    gmina: Gmina,
    Query(q): Query<ApiQuery<Filters>>,
) -> AppResult<Response> {
    q.filters.check()?;
    let per_page = q.per_page(PAGE_SIZE, MAX_PER_PAGE)?;
    let number = page_number(&q.filters.strona);
    let mut tx = gmina.begin().await?;
    let today = state.clock.today();
    let (items, total) = find(
        &mut tx,
        &q.filters,
        today,
        per_page,
        (number - 1) * per_page,
    )
    .await?;
    tx.commit().await?;
    let base = state
        .settings
        .host_url(Some(gmina.site.tenant.gmina().slug.as_str()));
    let pages = page_count(total, per_page);
    let sort = SORTS
        .iter()
        .find(|s| s.0 == q.filters.sort)
        .unwrap_or(&SORTS[0])
        .0;
    let link = |n: i64| {
        format!(
            "/api/v1/bank-sprzetu?{}&strona={n}&na_strone={per_page}",
            q.filters.query(sort)
        )
    };
    let items: Vec<Value> = items
        .iter()
        .map(|i| {
            json!({
                "id": i.id, "url": format!("{base}/bank-sprzetu/{}", i.id), "name": i.name,
                "kind": KINDS.iter().find(|k| k.0 == i.kind).map_or("", |k| k.1),
                "category": { "code": i.category, "name": i.category_name },
                "condition": condition_label(&i.condition), "quantity": i.quantity, "available": i.available,
                "created_at": i.created_at.format(&Rfc3339).unwrap_or_default(),
            })
        })
        .collect();
    let body = json!({
        "total": total, "page": number, "per_page": per_page, "pages": pages,
        "next": (number < pages).then(|| link(number + 1)),
        "prev": (number > 1 && number <= pages).then(|| link(number - 1)),
        "items": items,
    });
    Ok((
        open_data_headers("application/json; charset=utf-8"),
        body.to_string(),
    )
        .into_response())
}

/// The equipment bank's endpoint in the gmina's open-data description.
pub fn describe(doc: &mut Document) {
    let mut parameters = vec![
        text_search(
            "Szukany tekst w nazwie lub opisie; bez znaczenia są wielkość liter i polskie znaki.",
        ),
        param(
            "rodzaj",
            "przekazanie (na własność) albo uzyczenie (wypożyczenie).",
            enumerated(KINDS.iter().map(|k| k.1)),
        ),
        param(
            "kategoria",
            "Kod kategorii gminy (np. meble).",
            pattern("^[a-z0-9-]{1,40}$"),
        ),
        param(
            "wolne",
            "teraz: tylko przedmioty wolne dziś (do wypożyczenia: z wolną sztuką).",
            enumerated(["teraz"]),
        ),
        param(
            "wolne_dnia",
            "Tylko przedmioty wolne tego dnia (RRRR-MM-DD).",
            json!({ "type": "string", "format": "date" }),
        ),
        param("sort", "Kolejność.", enumerated(SORTS.iter().map(|s| s.0))),
    ];
    parameters.extend(paging(PAGE_SIZE, MAX_PER_PAGE));
    doc.path("/api/v1/bank-sprzetu", json!({
        "summary": "Bank sprzętu: przedmioty przekazywane i użyczane organizacjom (JSON, stronicowana)",
        "parameters": parameters,
        "responses": { "200": json_answer("Strona listy przedmiotów.", "EquipmentPage"), "400": bad_request() },
    }))
    .schema("EquipmentPage", page_of("EquipmentItem", json!({})))
    .schema("EquipmentItem", json!({ "type": "object", "required": ["id", "url", "name", "kind", "category"], "properties": {
        "id": { "type": "integer" }, "url": { "type": "string", "format": "uri" }, "name": { "type": "string" },
        "kind": { "type": "string", "enum": ["przekazanie", "uzyczenie"] },
        "category": { "type": "object", "properties": { "code": { "type": "string" }, "name": { "type": "string" } } },
        "condition": { "type": "string" }, "quantity": { "type": "integer" }, "available": { "type": "integer" },
        "created_at": { "type": "string", "format": "date-time" },
    } }));
}
