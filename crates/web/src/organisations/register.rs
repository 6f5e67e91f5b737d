//! `/podmioty/nowy`: a signed-in person registers an organisation of this gmina. The card waits as
//! *pending* until staff verify it; its author becomes the organisation's `pes_member`; the gmina's
//! staff are told by e-mail.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pestor_core::organisation::{FieldErrors, OrganisationDraft};
use pestor_core::pes::{legal_forms, public_benefit_areas};
use serde_json::json;

use super::store::{self, SaveError};
use crate::accounts::emails::{self, Letter};
use crate::error::AppResult;
use crate::pages::Page;
use crate::panel::gmina;
use crate::state::AppState;

/// A submitted form with repeated keys (checkboxes, multi-selects) kept.
type RawForm = axum::Form<Vec<(String, String)>>;

/// The form's single-value fields; every one is present in the template's `values`.
const FIELDS: &[&str] = &[
    "name",
    "legal_form",
    "krs",
    "nip",
    "regon",
    "year_founded",
    "description",
    "postal_code",
    "locality",
    "street",
    "gmina_teryt",
    "phone",
    "email",
    "website",
    "lat",
    "lon",
];

/// What to show in the form: `submitted` values, empty for the rest.
fn values(submitted: &HashMap<String, String>) -> serde_json::Value {
    FIELDS
        .iter()
        .map(|f| {
            (
                f.to_string(),
                json!(submitted.get(*f).map_or("", |v| v.as_str())),
            )
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

pub async fn form(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    let t = gmina(&page)?;
    let values = values(&HashMap::from([(
        "gmina_teryt".to_owned(),
        t.tenant.gmina.teryt.as_str().to_owned(),
    )]));
    render(
        &state,
        &page,
        &values,
        &[],
        &[],
        &FieldErrors::new(),
        StatusCode::OK,
    )
}

fn render(
    state: &AppState,
    page: &Page,
    values: &serde_json::Value,
    areas: &[String],
    also_in: &[String],
    errors: &FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let powiats: Vec<_> = state
        .registry
        .powiats
        .iter()
        .map(|p| {
            let gminas: Vec<_> = state
                .registry
                .gminas
                .iter()
                .filter(|g| g.powiat_teryt == p.teryt)
                .map(|g| json!({ "teryt": g.teryt.as_str(), "name": g.name, "kind": g.kind.as_str() }))
                .collect();
            json!({ "name": p.name, "gminas": gminas })
        })
        .collect();
    page.respond(
        state,
        "organisations/new.html",
        json!({
            "values": values, "areas_chosen": areas, "also_in_chosen": also_in, "errors": errors,
            "legal_forms": legal_forms(), "areas": public_benefit_areas(), "powiats": powiats,
        }),
        status,
    )
}

pub async fn submit(
    State(state): State<AppState>,
    page: Page,
    axum::Form(raw): RawForm,
) -> AppResult<Response> {
    let t = gmina(&page)?;
    let me = page.account()?;
    let mut fields = HashMap::new();
    let (mut areas, mut also_in) = (Vec::new(), Vec::new());
    for (k, v) in raw {
        match k.as_str() {
            "areas" => areas.push(v),
            "also_in" => also_in.push(v),
            _ => {
                fields.insert(k, v);
            }
        }
    }
    let this_year = time::OffsetDateTime::now_utc().year();
    let draft = OrganisationDraft {
        fields: &fields,
        areas: &areas,
        also_in: &also_in,
    };
    let values = values(&fields);
    let card = match draft.validate(&state.registry, this_year) {
        Ok(card) => card,
        Err(errors) => {
            return render(
                &state,
                &page,
                &values,
                &areas,
                &also_in,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let teryt = t.tenant.gmina.teryt.as_str();
    let mut tx = t.tenant.db(&state.db.pool).begin().await?;
    let id = match store::insert(&mut tx, teryt, &card, Some(me.id)).await {
        Ok(id) => id,
        Err(SaveError::Duplicate(errors)) => {
            return render(
                &state,
                &page,
                &values,
                &areas,
                &also_in,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
        Err(SaveError::Db(e)) => return Err(e.into()),
    };
    sqlx::query(
        "INSERT INTO public.gmina_roles (account_id, teryt, role, organisation_id) VALUES ($1, $2, 'pes_member', $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(me.id)
    .bind(teryt)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let staff: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT a.email FROM public.gmina_roles r JOIN public.accounts a ON a.id = r.account_id
         WHERE r.teryt = $1 AND r.role IN ('staff', 'admin') ORDER BY 1",
    )
    .bind(teryt)
    .fetch_all(&mut *tx)
    .await?;
    let gmina_url = state.settings.host_url(Some(t.tenant.gmina.slug.as_str()));
    for address in staff {
        let letter = Letter {
            subject: format!("Nowa organizacja czeka na weryfikację: {}", card.name),
            paragraphs: vec![format!(
                "{} zgłosił(a) organizację „{}” do bazy podmiotów ekonomii społecznej gminy. Karta czeka na weryfikację.",
                me.display_name, card.name
            )],
            action: Some(("Przejdź do serwisu gminy".into(), format!("{gmina_url}/"))),
        };
        pestor_mail::enqueue(
            &mut tx,
            &emails::compose(&state, &page.site, &address, &letter)?,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(page
        .render(
            &state,
            "accounts/message.html",
            json!({
                "title": "Zgłoszenie przyjęte",
                "paragraphs": [
                    format!("Organizacja „{}” została zgłoszona. Pracownicy urzędu sprawdzą kartę — do tego czasu nie jest widoczna publicznie.", card.name),
                    "O decyzji powiadomimy Cię e-mailem.",
                ],
                "link": { "href": "/", "label": "Wróć na stronę gminy" },
            }),
        )?
        .into_response())
}
