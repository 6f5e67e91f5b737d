//! Editing an item (its giver or the gmina's staff, while it is in the bank): the same checks as
//! adding one; the kind and on whose behalf stay as they were. The number of pieces may not drop
//! below what is already promised — pieces set aside or given for a gift, the highest unit an
//! approved or running loan holds for a loan — and a gift's pieces left follow the change.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pestor_kit::audit;
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::forms::{Fields, field};
use pestor_kit::page::{Gmina, Page};
use pestor_kit::state::AppState;
use serde_json::{Value, json};

use crate::items::{FIELDS, Kept, render_form, validate};
use crate::photo_store::{self, MAX_PHOTOS};
use crate::shared::{id_of, lock_item, manages};
use crate::vocab::{kind_code, kind_label};

/// An item as its edit form shows it.
#[derive(sqlx::FromRow)]
pub(crate) struct Editable {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub category: String,
    pub kind: String,
    pub condition: String,
    pub quantity: i32,
    pub pickup_place: String,
    pub pickup_hours: String,
    pub giver_id: Option<i64>,
    pub on_behalf_of: Option<i64>,
    pub by_office: bool,
    pub powiat_wide: bool,
    pub status: String,
}

/// The item `id`, which the viewer may edit: its giver or staff, while it is in the bank (a
/// withdrawn item is history; a hidden one waits for staff).
pub(crate) async fn editable(page: &Page, gmina: &Gmina, id: &str) -> AppResult<Editable> {
    let id = id_of(id)?;
    let mut tx = gmina.begin().await?;
    let item: Editable = sqlx::query_as(
        "SELECT id, name, description, category, kind, condition, quantity, pickup_place, pickup_hours,
                giver_id, on_behalf_of, by_office, powiat_wide, status
         FROM equipment_items WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    if !manages(page, item.giver_id) {
        return Err(AppError::Forbidden);
    }
    if item.status != "active" {
        return Err(AppError::Conflict(
            "Tego przedmiotu nie ma w banku sprzętu — nie można go zmieniać.".into(),
        ));
    }
    Ok(item)
}

/// The form's values for a stored item.
pub(crate) fn values_of(item: &Editable) -> Value {
    json!({
        "name": item.name, "description": item.description, "category": item.category,
        "condition": item.condition, "quantity": item.quantity.to_string(),
        "pickup_place": item.pickup_place, "pickup_hours": item.pickup_hours,
        "powiat_wide": if item.powiat_wide { "tak" } else { "" },
    })
}

/// What the edit page shows in its forms: the values (as stored or as typed), the problems, the
/// response's status and a notice after a change.
pub(crate) struct Shown<'a> {
    pub values: Value,
    pub errors: HashMap<&'static str, String>,
    pub status: StatusCode,
    pub notice: Option<&'a str>,
}

impl Shown<'_> {
    /// A form refused for `errors`, with `values` as typed.
    pub fn refused(values: Value, errors: HashMap<&'static str, String>) -> Self {
        Shown {
            values,
            errors,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            notice: None,
        }
    }
}

/// The edit page: the item form as `shown`, and the item's photos.
pub(crate) async fn render_edit(
    state: &AppState,
    page: &Page,
    gmina: &Gmina,
    item: &Editable,
    shown: Shown<'_>,
) -> AppResult<Response> {
    let Shown {
        values,
        errors,
        status,
        notice,
    } = shown;
    let stored = photo_store::of_item(gmina, item.id).await?;
    let editing = json!({
        "id": item.id, "name": item.name, "kind_label": kind_label(&item.kind),
        "photos": stored.iter().map(photo_store::Stored::to_json).collect::<Vec<_>>(),
        "max_photos": MAX_PHOTOS, "can_add_photo": (stored.len() as i64) < MAX_PHOTOS,
        "notice": notice,
    });
    render_form(state, page, &values, &errors, status, Some(editing)).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct EditQuery {
    komunikat: String,
}

/// `GET /bank-sprzetu/{id}/edycja`
pub async fn form(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path(id): Path<String>,
    pestor_kit::input::Query(q): pestor_kit::input::Query<EditQuery>,
) -> AppResult<Response> {
    let item = editable(&page, &gmina, &id).await?;
    let notice = match q.komunikat.as_str() {
        "zdjecie" => Some("Zdjęcie zostało dodane."),
        "zdjecie-usuniete" => Some("Zdjęcie zostało usunięte."),
        _ => None,
    };
    let shown = Shown {
        values: values_of(&item),
        errors: HashMap::new(),
        status: StatusCode::OK,
        notice,
    };
    render_edit(&state, &page, &gmina, &item, shown).await
}

/// `POST /bank-sprzetu/{id}/edycja`
pub async fn save(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path(id): Path<String>,
    axum::Form(f): Fields,
) -> AppResult<Response> {
    let item = editable(&page, &gmina, &id).await?;
    let kept = Kept {
        kind: kind_code(&item.kind),
        on_behalf_of: item.on_behalf_of,
        by_office: item.by_office,
    };
    let typed = || {
        let values: serde_json::Map<_, _> = FIELDS
            .iter()
            .map(|k| (k.to_string(), json!(field(&f, k).trim())))
            .collect();
        Value::Object(values)
    };
    let d = match validate(&state, &page, &f, Some(kept)).await? {
        Ok(d) => d,
        Err(errors) => {
            let shown = Shown::refused(typed(), errors);
            return render_edit(&state, &page, &gmina, &item, shown).await;
        }
    };
    let me = page.account()?;
    let mut tx = gmina.begin().await?;
    // Locked, so a request accepted at this moment is counted before the pieces change.
    let locked = lock_item(&mut tx, item.id).await?;
    if locked.status != "active" {
        return Err(AppError::Conflict(
            "Przedmiot ma już inny status — odśwież stronę. Nic nie zostało zmienione.".into(),
        ));
    }
    let promised: i32 = if locked.kind == "gift" {
        locked.quantity - locked.available
    } else {
        sqlx::query_scalar(
            "SELECT coalesce(max(unit), 0) FROM equipment_loans WHERE item_id = $1 AND status IN ('approved', 'lent')",
        )
        .bind(item.id)
        .fetch_one(&mut *tx)
        .await?
    };
    if d.quantity < promised {
        tx.commit().await?;
        let why = if locked.kind == "gift" {
            format!("Przyznano już {promised} szt. — liczba sztuk nie może być mniejsza.")
        } else {
            format!(
                "Zatwierdzone wypożyczenia zajmują sztukę nr {promised} — liczba sztuk nie może być mniejsza."
            )
        };
        let errors = HashMap::from([("quantity", why)]);
        let shown = Shown::refused(typed(), errors);
        return render_edit(&state, &page, &gmina, &item, shown).await;
    }
    sqlx::query(
        "UPDATE equipment_items SET name = $2, description = $3, category = $4, condition = $5,
                quantity = $6, available = CASE WHEN kind = 'gift' THEN $6 - $7 ELSE $6 END,
                pickup_place = $8, pickup_hours = $9, powiat_wide = $10, updated_at = now()
         WHERE id = $1",
    )
    .bind(item.id)
    .bind(&d.name)
    .bind(&d.description)
    .bind(&d.category)
    .bind(d.condition)
    .bind(d.quantity)
    .bind(promised)
    .bind(&d.pickup_place)
    .bind(&d.pickup_hours)
    .bind(d.powiat_wide)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        me,
        "equipment.edited",
        json!({ "przedmiot": item.id, "nazwa": d.name }),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/bank-sprzetu/{}?komunikat=zapisano", item.id)).into_response())
}
