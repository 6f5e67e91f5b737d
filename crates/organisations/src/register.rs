//! `/podmioty/nowy`: a signed-in person registers an organisation of this gmina. The card waits as
//! *pending* until staff verify it; its author becomes the organisation's `pes_member`; the gmina's
//! staff are told by e-mail. Staff use the same form to add a card directly: it is published at
//! once and the organisation may later claim it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pestor_core::organisation::FieldErrors;
use pestor_db::GminaScoped;
use serde_json::json;

use super::form::{self, Mode, RawForm, Submitted};
use super::send_to;
use super::store::{self, SaveError};
use pestor_kit::audit;
use pestor_kit::error::AppResult;
use pestor_kit::letters::Letter;
use pestor_kit::page::Gmina;
use pestor_kit::page::Page;
use pestor_kit::state::AppState;

fn mode(page: &Page) -> Mode<'static> {
    if page.is_staff() {
        Mode {
            title: "Dodaj organizację do bazy",
            intro: "Jako pracownik urzędu dodajesz kartę od razu jako zweryfikowaną. Organizacja może potem przejąć opiekę nad kartą — zgłoszenie przejęcia zatwierdza urząd.",
            action: "/podmioty/nowy".into(),
            button: "Dodaj organizację",
        }
    } else {
        Mode {
            title: "Zgłoś organizację do bazy podmiotów ekonomii społecznej",
            intro: "Karta będzie widoczna publicznie po sprawdzeniu przez pracowników urzędu. Zostaniesz jej opiekunem i będziesz mógł ją edytować.",
            action: "/podmioty/nowy".into(),
            button: "Zgłoś organizację",
        }
    }
}

pub async fn form(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    let t = page.gmina()?;
    let mut start = Submitted::default();
    start.fields.insert(
        "gmina_teryt".into(),
        t.tenant.gmina().teryt.as_str().to_owned(),
    );
    form::render(
        &state,
        &page,
        &mode(&page),
        &start,
        &FieldErrors::new(),
        StatusCode::OK,
    )
}

pub async fn submit(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    axum::Form(raw): RawForm,
) -> AppResult<Response> {
    let t = &*gmina.site;
    let me = page.account()?;
    let submitted = Submitted::from_pairs(raw);
    let invalid = |errors: &FieldErrors| {
        form::render(
            &state,
            &page,
            &mode(&page),
            &submitted,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let card = match submitted.validate(&state) {
        Ok(card) => card,
        Err(errors) => return invalid(&errors),
    };
    let by_staff = page.is_staff();
    let mut tx = gmina.begin().await?;
    let saved = if by_staff {
        store::insert_by_staff(&mut tx, &card, Some(me.id)).await
    } else {
        store::insert(&mut tx, &card, Some(me.id)).await
    };
    let id = match saved {
        Ok(id) => id,
        Err(SaveError::Duplicate(errors)) => return invalid(&errors),
        Err(SaveError::Db(e)) => return Err(e.into()),
    };
    if by_staff {
        audit::record(
            &mut tx,
            me,
            "organisation.added",
            json!({ "id": id, "name": card.name }),
        )
        .await?;
        tx.commit().await?;
        return Ok(Redirect::to(&format!("/podmioty/{id}?komunikat=dodano")).into_response());
    }
    tx.scoped(
        "INSERT INTO public.gmina_roles (teryt, account_id, role, organisation_id) VALUES ($1, $2, 'pes_member', $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(me.id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let staff: Vec<String> = tx
        .scoped_scalar(
            "SELECT DISTINCT a.email FROM public.gmina_roles r JOIN public.accounts a ON a.id = r.account_id
             WHERE r.teryt = $1 AND r.role IN ('staff', 'admin') ORDER BY 1",
        )
        .fetch_all(&mut *tx)
    .await?;
    let gmina_url = state
        .settings
        .host_url(Some(t.tenant.gmina().slug.as_str()));
    let letter = Letter {
        subject: format!("Nowa organizacja czeka na weryfikację: {}", card.name),
        paragraphs: vec![format!(
            "{} zgłosił(a) organizację „{}” do bazy podmiotów ekonomii społecznej gminy. Karta czeka na weryfikację.",
            me.display_name, card.name
        )],
        action: Some((
            "Przejdź do listy zgłoszeń".into(),
            format!("{gmina_url}/podmioty/weryfikacja"),
        )),
    };
    send_to(&mut tx, &state, &page, &staff, &letter).await?;
    tx.commit().await?;
    let paragraphs = [
        format!(
            "Organizacja „{}” została zgłoszona. Pracownicy urzędu sprawdzą kartę — do tego czasu nie jest widoczna publicznie.",
            card.name
        ),
        "O decyzji powiadomimy Cię e-mailem.".into(),
    ];
    let card_page = format!("/podmioty/{id}");
    Ok(page
        .message(
            &state,
            "Zgłoszenie przyjęte",
            &paragraphs,
            Some((&card_page, "Zobacz zgłoszoną kartę")),
        )?
        .into_response())
}
