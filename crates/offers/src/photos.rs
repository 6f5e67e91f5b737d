//! An offer's photos: members add one at a time (with its required description), move it up or
//! down, delete it after confirming; anyone may see the photos of a public offer — only on the
//! host of the gmina that holds it.

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use pestor_core::organisation::FieldErrors;
use pestor_photos::Variant;
use serde_json::json;
use uuid::Uuid;

use super::manage::{Typed, render_edit};
use super::{managed, store};
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::forms::path_id;
use pestor_kit::forms::{Form, Move};
use pestor_kit::membership::is_member;
use pestor_kit::page::Gmina;
use pestor_kit::page::Page;
use pestor_kit::photos::{self, SaveFailure};
use pestor_kit::state::AppState;

pub async fn add(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path(id): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let offer = managed(&state, &page, &id).await?;
    let t = &*gmina.site;
    let teryt = t.tenant.gmina().teryt.as_str();
    let form = form.map_err(|_| AppError::BadRequest("Wyślij formularz zdjęcia.".into()))?;
    let (upload, failure) =
        photos::read_upload(form, "photo", state.settings.storage.max_upload_bytes).await;
    let alt = upload
        .fields
        .iter()
        .find(|(k, _)| k == "alt")
        .map_or(String::new(), |(_, v)| v.trim().to_owned());
    let mut typed = Typed::of(&offer);
    typed.fields.insert("alt".into(), alt.clone());
    let refuse = |errors: FieldErrors, status: StatusCode| {
        let (state, page, offer, typed) = (&state, &page, &offer, &typed);
        async move { render_edit(state, page, offer, typed, &errors, status).await }
    };
    let mut errors = FieldErrors::new();
    match (&failure, &upload.file) {
        (Some(e), _) => {
            errors.insert("photo", e.to_string());
        }
        (None, None) => {
            errors.insert(
                "photo",
                "Wybierz plik zdjęcia (JPEG, PNG albo WebP).".into(),
            );
        }
        _ => {}
    }
    if !(3..=300).contains(&alt.chars().count()) {
        errors.insert(
            "alt",
            "Opisz zdjęcie dla osób, które go nie widzą (od 3 do 300 znaków).".into(),
        );
    }
    if offer.photos.len() as i64 >= store::MAX_PHOTOS {
        errors.insert(
            "photo",
            format!(
                "Oferta ma już {} zdjęć — usuń któreś, aby dodać nowe.",
                store::MAX_PHOTOS
            ),
        );
    }
    if !errors.is_empty() {
        return refuse(errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let Some(bytes) = upload.file else {
        return Err(AppError::NotFound);
    };
    let stored = match photos::store(&state, teryt, bytes).await {
        Ok(s) => s,
        Err(f) => {
            let status = match f {
                SaveFailure::Photo(_) => StatusCode::UNPROCESSABLE_ENTITY,
                SaveFailure::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
            };
            return refuse(FieldErrors::from([("photo", f.message())]), status).await;
        }
    };
    let saved = async {
        let mut tx = gmina.begin().await?;
        let added = store::add_photo(
            &mut tx,
            offer.id,
            stored.object,
            &alt,
            stored.width,
            stored.height,
        )
        .await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(added)
    }
    .await;
    match saved {
        Ok(true) => Ok(
            Redirect::to(&format!("/oferty/{}/edycja?komunikat=zdjecie", offer.id)).into_response(),
        ),
        Ok(false) => {
            photos::discard(&state, teryt, stored.object).await;
            refuse(
                FieldErrors::from([(
                    "photo",
                    format!("Oferta ma już {} zdjęć.", store::MAX_PHOTOS),
                )]),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => {
            photos::discard(&state, teryt, stored.object).await;
            Err(e.into())
        }
    }
}

/// The photo `photo` of offer `id`, which the viewer manages.
async fn managed_photo(
    state: &AppState,
    page: &Page,
    id: &str,
    photo: &str,
) -> AppResult<(store::StoredOffer, store::Photo)> {
    let offer = managed(state, page, id).await?;
    let photo_id = path_id(photo)?;
    let photo = offer
        .photos
        .iter()
        .find(|p| p.id == photo_id)
        .cloned()
        .ok_or(AppError::NotFound)?;
    Ok((offer, photo))
}

/// Moves a photo one place up or down (the first photo is the offer's picture in lists).
pub async fn reorder(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path((id, photo)): Path<(String, String)>,
    Form(direction): Form<Move>,
) -> AppResult<Response> {
    let (offer, photo) = managed_photo(&state, &page, &id, &photo).await?;
    let at = offer
        .photos
        .iter()
        .position(|p| p.id == photo.id)
        .unwrap_or(0);
    let other = match direction.up()? {
        true => at.checked_sub(1).and_then(|i| offer.photos.get(i)),
        false => offer.photos.get(at + 1),
    };
    if let Some(other) = other {
        let mut tx = gmina.begin().await?;
        // Positions are swapped; they need not be consecutive, only ordered.
        sqlx::query(
            "UPDATE offer_photos SET position = CASE id WHEN $1 THEN $4 ELSE $3 END
             WHERE id IN ($1, $2) AND offer_id = $5",
        )
        .bind(photo.id)
        .bind(other.id)
        .bind(photo.position)
        .bind(other.position)
        .bind(offer.id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(Redirect::to(&format!("/oferty/{}/edycja#zdjecia", offer.id)).into_response())
}

pub async fn delete_form(
    State(state): State<AppState>,
    page: Page,
    Path((id, photo)): Path<(String, String)>,
) -> AppResult<Response> {
    let (offer, photo) = managed_photo(&state, &page, &id, &photo).await?;
    Ok(page
        .render(
            &state,
            "confirm.html",
            json!({
                "title": "Usunąć zdjęcie?",
                "text": format!("Zdjęcie „{}” zostanie usunięte z oferty „{}”.", photo.alt, offer.offer.name),
                "image": format!("/zdjecia/{}/{}", photo.object, Variant::Thumbnail.name()), "alt": photo.alt,
                "action": format!("/oferty/{}/zdjecia/{}/usun", offer.id, photo.id), "button": "Tak, usuń zdjęcie",
                "back": format!("/oferty/{}/edycja", offer.id),
            }),
        )?
        .into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path((id, photo)): Path<(String, String)>,
) -> AppResult<Response> {
    let (offer, photo) = managed_photo(&state, &page, &id, &photo).await?;
    let t = &*gmina.site;
    let mut tx = gmina.begin().await?;
    photos::queue_deletion(&mut tx, t.tenant.gmina().teryt.as_str(), photo.object).await?;
    sqlx::query("DELETE FROM offer_photos WHERE id = $1")
        .bind(photo.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    photos::purge_soon(&state);
    Ok(Redirect::to(&format!(
        "/oferty/{}/edycja?komunikat=zdjecie-usuniete",
        offer.id
    ))
    .into_response())
}

/// `/zdjecia/{object}/{variant}`: a photo of this gmina's offer. Another gmina's photo is not
/// found here (its row is in another schema, its key under another TERYT); a photo of an offer
/// that is not public is shown only to the organisation's members and the gmina's staff.
pub async fn serve(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path((object, variant)): Path<(String, String)>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let t = &*gmina.site;
    let object: Uuid = object.parse().map_err(|_| AppError::NotFound)?;
    let variant = Variant::parse(&variant).ok_or(AppError::NotFound)?;
    let mut tx = gmina.begin().await?;
    let owner: Option<(String, String, i64)> = sqlx::query_as(
        "SELECT f.status, o.status, o.id FROM offer_photos p JOIN offers f ON f.id = p.offer_id
              JOIN organisation_summaries o ON o.id = f.organisation_id
         WHERE p.object = $1",
    )
    .bind(object)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    let (offer_status, org_status, org) = owner.ok_or(AppError::NotFound)?;
    let public = offer_status == "active" && org_status == "verified";
    if !public && !page.is_staff() && !is_member(&state, &page, org).await? {
        return Err(AppError::NotFound);
    }
    photos::serve(
        &state,
        t.tenant.gmina().teryt.as_str(),
        object,
        variant,
        &headers,
        public,
    )
    .await
}
