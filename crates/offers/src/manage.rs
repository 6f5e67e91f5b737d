//! Members of a verified organisation add, edit, archive and delete its offers; staff hide an
//! offer with a reason (the members are told) and show it again.

use pestor_kit::forms::PathId;
use std::collections::HashMap;

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pestor_core::offer::{OfferDraft, TARGET_GROUPS};
use pestor_core::organisation::FieldErrors;
use serde_json::json;

use super::store::{self, StoredOffer};
use super::{categories, managed, my_organisations};
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::forms::{self, Choice, Decision};
use pestor_kit::membership::{Visibility, record_visibility};
use pestor_kit::page::Gmina;
use pestor_kit::page::Page;
use pestor_kit::photos::{self, SaveFailure};
use pestor_kit::state::AppState;

const STATUS_CHANGED: &str =
    "Oferta ma już inny status — odśwież stronę. Nic nie zostało zmienione.";

/// The offer form's single-value fields, all present in `values`.
const FIELDS: &[&str] = &[
    "organisation",
    "name",
    "description",
    "category",
    "price",
    "price_note",
    "alt",
    "across_gminas",
];

/// What was typed: single fields and the chosen target groups.
pub(super) struct Typed {
    pub(super) fields: HashMap<String, String>,
    groups: Vec<String>,
}

impl Typed {
    pub(super) fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut t = Typed {
            fields: HashMap::new(),
            groups: Vec::new(),
        };
        for (k, v) in pairs {
            if k == "target_groups" {
                t.groups.push(v);
            } else {
                t.fields.insert(k, v);
            }
        }
        t
    }

    pub(super) fn of(s: &StoredOffer) -> Self {
        let o = &s.offer;
        let fields = [
            ("name", o.name.clone()),
            ("description", o.description.clone()),
            ("category", o.category.clone()),
            (
                "price",
                o.price_grosze
                    .map(pestor_core::offer::typed_amount)
                    .unwrap_or_default(),
            ),
            ("price_note", o.price_note.clone()),
            (
                "across_gminas",
                if s.across_gminas { "1" } else { "" }.to_owned(),
            ),
        ];
        Typed {
            fields: fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            groups: o.target_groups.clone(),
        }
    }

    fn get(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", |v| v.trim())
    }

    /// The box "available in the other gminas the organisation works in".
    fn across_gminas(&self) -> bool {
        self.get("across_gminas") == "1"
    }
}

/// Which form: a new offer (multipart, with a first photo) or an edit.
enum Form<'a> {
    New,
    Edit(&'a StoredOffer),
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    page: &Page,
    form: Form<'_>,
    typed: &Typed,
    errors: &FieldErrors,
    notice: Option<&str>,
    status: StatusCode,
) -> AppResult<Response> {
    let t = page.gmina()?;
    let mut tx = state.db.tenant(&t.tenant).begin().await?;
    let categories = categories(&mut tx).await?;
    tx.commit().await?;
    let values: serde_json::Map<_, _> = FIELDS
        .iter()
        .map(|f| (f.to_string(), json!(typed.get(f))))
        .collect();
    let (mode, offer) = match form {
        Form::New => ("new", serde_json::Value::Null),
        Form::Edit(s) => (
            "edit",
            json!({
                "id": s.id, "name": s.offer.name, "status": s.status, "photos": s.photos,
                "can_add_photo": (s.photos.len() as i64) < store::MAX_PHOTOS, "max_photos": store::MAX_PHOTOS,
            }),
        ),
    };
    page.respond(
        state,
        "offers/form.html",
        json!({
            "mode": mode, "offer": offer, "values": values, "groups_chosen": typed.groups, "errors": errors,
            "notice": notice, "categories": categories.iter().map(|(c, n)| json!({ "code": c, "name": n })).collect::<Vec<_>>(),
            "groups": TARGET_GROUPS.iter().map(|(c, l)| json!({ "code": c, "label": l })).collect::<Vec<_>>(),
            "organisations": my_organisations(state, page).await?.iter().map(|(id, n)| json!({ "id": id, "name": n })).collect::<Vec<_>>(),
            "max_mb": state.settings.storage.max_upload_bytes / (1024 * 1024),
        }),
        status,
    )
}

/// Checks the offer's fields against the gmina's categories.
async fn validate(
    state: &AppState,
    page: &Page,
    typed: &Typed,
) -> AppResult<Result<pestor_core::offer::Offer, FieldErrors>> {
    let t = page.gmina()?;
    let mut tx = state.db.tenant(&t.tenant).begin().await?;
    let codes: Vec<String> = categories(&mut tx)
        .await?
        .into_iter()
        .map(|c| c.0)
        .collect();
    tx.commit().await?;
    Ok(OfferDraft {
        fields: &typed.fields,
        target_groups: &typed.groups,
        categories: &codes,
    }
    .validate())
}

pub async fn new_form(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    if my_organisations(&state, &page).await?.is_empty() {
        return Err(AppError::BadRequest(
            "Oferty dodają członkowie zweryfikowanej organizacji. Twoja organizacja nie jest jeszcze zweryfikowana przez urząd.".into(),
        ));
    }
    let typed = Typed::from_pairs(vec![("category".into(), String::new())]);
    render(
        &state,
        &page,
        Form::New,
        &typed,
        &FieldErrors::new(),
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    form: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let t = &*gmina.site;
    let me = page.account()?;
    let form = form.map_err(|_| AppError::BadRequest("Wyślij formularz oferty.".into()))?;
    let (upload, failure) =
        photos::read_upload(form, "photo", state.settings.storage.max_upload_bytes).await;
    let typed = Typed::from_pairs(upload.fields);
    let invalid = |errors: FieldErrors| {
        let (state, page, typed) = (&state, &page, &typed);
        async move {
            render(
                state,
                page,
                Form::New,
                typed,
                &errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let validated = validate(&state, &page, &typed).await?;
    let mut errors = match &validated {
        Ok(_) => FieldErrors::new(),
        Err(e) => e.clone(),
    };
    let mine = my_organisations(&state, &page).await?;
    let organisation = match mine.as_slice() {
        [(only, _)] if typed.get("organisation").is_empty() => Some(*only),
        _ => typed
            .get("organisation")
            .parse::<i64>()
            .ok()
            .filter(|id| mine.iter().any(|(o, _)| o == id)),
    };
    if organisation.is_none() {
        errors.insert(
            "organisation",
            "Wybierz organizację, której ofertę dodajesz.".into(),
        );
    }
    if let Some(e) = failure {
        errors.insert("photo", e.to_string());
    }
    let alt = typed.get("alt").to_owned();
    if upload.file.is_some() && !(3..=300).contains(&alt.chars().count()) {
        errors.insert(
            "alt",
            "Opisz zdjęcie dla osób, które go nie widzą (od 3 do 300 znaków), np. „Obiad: zupa pomidorowa i pierogi”.".into(),
        );
    }
    if !errors.is_empty() {
        return invalid(errors).await;
    }
    let Ok(offer) = validated else {
        return invalid(errors).await;
    };
    let organisation = organisation.unwrap_or_default();
    let teryt = t.tenant.gmina().teryt.as_str();
    // The photo goes to the store first: if it cannot, no offer is made.
    let stored = match upload.file {
        None => None,
        Some(bytes) => match photos::store(&state, teryt, bytes).await {
            Ok(s) => Some(s),
            Err(f @ SaveFailure::Photo(_)) => {
                return invalid(FieldErrors::from([("photo", f.message())])).await;
            }
            Err(f @ SaveFailure::Store(_)) => {
                tracing::warn!(error = %f, "photo store unavailable while adding an offer");
                return render(
                    &state,
                    &page,
                    Form::New,
                    &typed,
                    &FieldErrors::from([("photo", f.message())]),
                    None,
                    StatusCode::SERVICE_UNAVAILABLE,
                )
                .await;
            }
        },
    };
    let saved = async {
        let mut tx = gmina.begin().await?;
        let id = store::insert(&mut tx, organisation, &offer, Some(me.id)).await?;
        store::set_across_gminas(&mut tx, id, typed.across_gminas()).await?;
        if let Some(s) = &stored {
            store::add_photo(&mut tx, id, s.object, &alt, s.width, s.height).await?;
        }
        super::notices::notify_new_offer(&mut tx, &state, &page.site, id).await?;
        tx.commit().await?;
        Ok::<_, AppError>(id)
    }
    .await;
    match saved {
        Ok(id) => Ok(Redirect::to(&format!("/oferty/{id}?komunikat=dodano")).into_response()),
        Err(e) => {
            if let Some(s) = stored {
                photos::discard(&state, teryt, s.object).await;
            }
            Err(e)
        }
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let offer = managed(&state, &page, &id).await?;
    render_edit(
        &state,
        &page,
        &offer,
        &Typed::of(&offer),
        &FieldErrors::new(),
        StatusCode::OK,
    )
    .await
}

/// The edit page (also after a photo was refused: `typed` then holds its alt text).
pub(super) async fn render_edit(
    state: &AppState,
    page: &Page,
    offer: &StoredOffer,
    typed: &Typed,
    errors: &FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    render(state, page, Form::Edit(offer), typed, errors, None, status).await
}

pub async fn edit(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path(id): Path<String>,
    axum::Form(raw): pestor_kit::forms::RawForm,
) -> AppResult<Response> {
    let stored = managed(&state, &page, &id).await?;
    let typed = Typed::from_pairs(raw);
    let offer = match validate(&state, &page, &typed).await? {
        Ok(o) => o,
        Err(errors) => {
            return render_edit(
                &state,
                &page,
                &stored,
                &typed,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let mut tx = gmina.begin().await?;
    store::update(&mut tx, stored.id, &offer).await?;
    store::set_across_gminas(&mut tx, stored.id, typed.across_gminas()).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/oferty/{}?komunikat=zapisano", stored.id)).into_response())
}

/// The archive / restore buttons of an offer page.
#[derive(serde::Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

/// Members archive an offer (it leaves the list, stays for them) or make it active again.
pub async fn set_status(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path(id): Path<String>,
    forms::Form(f): forms::Form<StatusForm>,
) -> AppResult<Response> {
    let stored = managed(&state, &page, &id).await?;
    let (from, to, notice) = match f.status.as_str() {
        "archived" => ("active", "archived", "zarchiwizowano"),
        "active" => ("archived", "active", "przywrocono"),
        _ => {
            return Err(AppError::BadRequest(
                "Wybierz: archiwizuj albo przywróć ofertę.".into(),
            ));
        }
    };
    if stored.status != from {
        return Err(AppError::BadRequest(STATUS_CHANGED.into()));
    }
    let mut tx = gmina.begin().await?;
    sqlx::query("UPDATE offers SET status = $2, updated_at = now() WHERE id = $1")
        .bind(stored.id)
        .bind(to)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/oferty/{}?komunikat={notice}", stored.id)).into_response())
}

pub async fn delete_form(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let stored = managed(&state, &page, &id).await?;
    Ok(page
        .render(
            &state,
            "confirm.html",
            json!({
                "title": "Usunąć ofertę?",
                "text": format!("Oferta „{}” i jej zdjęcia ({}) zostaną usunięte na stałe. Jeśli chcesz ją tylko ukryć, zarchiwizuj ją.", stored.offer.name, stored.photos.len()),
                "action": format!("/oferty/{}/usun", stored.id), "button": "Tak, usuń ofertę",
                "back": format!("/oferty/{}", stored.id),
            }),
        )?
        .into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let stored = managed(&state, &page, &id).await?;
    let t = &*gmina.site;
    let teryt = t.tenant.gmina().teryt.as_str();
    let mut tx = gmina.begin().await?;
    for p in &stored.photos {
        photos::queue_deletion(&mut tx, teryt, p.object).await?;
    }
    sqlx::query("DELETE FROM offers WHERE id = $1")
        .bind(stored.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    photos::purge_soon(&state);
    Ok(Redirect::to(&format!(
        "/podmioty/{}?komunikat=oferta-usunieta",
        stored.organisation_id
    ))
    .into_response())
}

/// Staff hide an offer with a reason (the organisation's members are e-mailed) or show it.
pub async fn visibility(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
    forms::Form(decision): forms::Form<Decision>,
) -> AppResult<Response> {
    let t = &*gmina.site;
    let mut tx = gmina.begin().await?;
    let stored = store::load(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let (to, reason) = decision.choose(
        &[
            Choice::with_reason(
                "hide",
                "hidden",
                "ukrycia",
                "otrzymają je członkowie organizacji",
            ),
            Choice::plain("show", "active"),
        ],
        STATUS_CHANGED,
    )?;
    // Hiding a hidden offer or showing a visible one means the page was out of date.
    if (to == "hidden") == (stored.status == "hidden") {
        return Err(AppError::BadRequest(STATUS_CHANGED.into()));
    }
    sqlx::query(
        "UPDATE offers SET status = $2, status_reason = $3, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(to)
    .bind(&reason)
    .execute(&mut *tx)
    .await?;
    let name = &stored.offer.name;
    let decision = Visibility {
        kind: "offer",
        id,
        name,
        organisation: stored.organisation_id,
        hidden: to == "hidden",
        reason: &reason,
        subject: "Oferta ukryta",
        lead: format!(
            "urząd ({}) ukrył ofertę „{name}” organizacji „{}” w giełdzie ofert.",
            t.branding.display_name, stored.organisation_name
        ),
        advice: None,
    };
    record_visibility(&mut tx, &state, &page, &decision).await?;
    tx.commit().await?;
    let notice = if to == "hidden" {
        "ukryto"
    } else {
        "przywrocono"
    };
    Ok(Redirect::to(&format!("/oferty/{id}?komunikat={notice}")).into_response())
}
