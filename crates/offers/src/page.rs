//! `/oferty/{id}`: one offer with its photos. Public when active and its organisation verified;
//! otherwise only its organisation's members and the gmina's staff see it.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use pestor_core::offer::{format_price, target_group_label};
use pestor_kit::forms::PathId;
use pestor_kit::input::Query;
use pestor_kit::page::Gmina;
use pestor_photos::Variant;
use serde_json::json;

use super::store;
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::membership::is_member;
use pestor_kit::page::Notice;
use pestor_kit::page::{Page, polish_date};
use pestor_kit::state::AppState;

pub async fn show(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
    Query(n): Query<Notice>,
) -> AppResult<Response> {
    let mut tx = gmina.begin().await?;
    let offer = store::load(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let staff = page.is_staff();
    let member = is_member(&state, &page, offer.organisation_id).await?;
    if !offer.is_public() && !staff && !member {
        return Err(AppError::NotFound);
    }
    let o = &offer.offer;
    let photos: Vec<_> = offer
        .photos
        .iter()
        .map(|p| {
            json!({
                "src": pestor_photos::photo_url("/zdjecia", p.object, Variant::Display),
                "srcset": pestor_photos::photo_srcset("/zdjecia", p.object, p.width, p.height),
                "alt": p.alt, "width": p.width, "height": p.height,
            })
        })
        .collect();
    let notice = match n.komunikat.as_str() {
        "dodano" => Some("Oferta została dodana i jest widoczna w giełdzie."),
        "zapisano" => Some("Zmiany zostały zapisane."),
        "zarchiwizowano" => Some("Oferta została zarchiwizowana — nie jest widoczna w giełdzie."),
        "przywrocono" => Some("Oferta jest znowu widoczna w giełdzie."),
        "ukryto" => {
            Some("Oferta została ukryta; członkowie organizacji dostali wiadomość z uzasadnieniem.")
        }
        _ => None,
    };
    Ok(page
        .render(
            &state,
            "offers/show.html",
            json!({
                "offer": {
                    "id": offer.id, "name": o.name, "description": o.description, "category": offer.category_name,
                    "price": o.price_grosze.map(format_price), "price_note": o.price_note,
                    "groups": o.target_groups.iter().filter_map(|g| target_group_label(g)).collect::<Vec<_>>(),
                    "organisation": { "id": offer.organisation_id, "name": offer.organisation_name },
                    "status": offer.status, "status_reason": offer.status_reason,
                    "added": polish_date(offer.created_at.date()), "photos": photos,
                },
                "notice": notice, "is_member": member, "is_staff": staff,
            }),
        )?
        .into_response())
}
