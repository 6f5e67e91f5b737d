//! The organisation card form, shared by registration (`/podmioty/nowy`) and editing
//! (`/podmioty/{id}/edycja`): reading the submitted fields, and showing the form with the values
//! typed and the errors found.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::Response;
use pestor_core::organisation::{FieldErrors, Organisation, OrganisationDraft};
use pestor_core::pes::{legal_forms, public_benefit_areas};
use serde_json::json;

use pestor_kit::error::AppResult;
use pestor_kit::page::Page;
use pestor_kit::state::AppState;

/// A submitted form with repeated keys (checkboxes, multi-selects) kept.
pub use pestor_kit::forms::RawForm;

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

/// What was typed into the card form.
#[derive(Default)]
pub struct Submitted {
    pub fields: HashMap<String, String>,
    pub areas: Vec<String>,
    pub also_in: Vec<String>,
}

impl Submitted {
    pub fn from_pairs(raw: Vec<(String, String)>) -> Self {
        let mut s = Submitted::default();
        for (k, v) in raw {
            match k.as_str() {
                "areas" => s.areas.push(v),
                "also_in" => s.also_in.push(v),
                _ => {
                    s.fields.insert(k, v);
                }
            }
        }
        s
    }

    /// The form as it was stored: the values an edit starts from.
    pub fn from_card(o: &Organisation) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let fields = [
            ("name", o.name.clone()),
            ("legal_form", o.legal_form.clone()),
            ("krs", text(&o.krs)),
            ("nip", text(&o.nip)),
            ("regon", text(&o.regon)),
            (
                "year_founded",
                o.year_founded.map(|y| y.to_string()).unwrap_or_default(),
            ),
            ("description", o.description.clone()),
            ("postal_code", text(&o.postal_code)),
            ("locality", o.locality.clone()),
            ("street", o.street.clone()),
            ("gmina_teryt", o.gmina_teryt.clone()),
            ("phone", text(&o.phone)),
            ("email", text(&o.email)),
            ("website", text(&o.website)),
            (
                "lat",
                o.location.map(|l| l.0.to_string()).unwrap_or_default(),
            ),
            (
                "lon",
                o.location.map(|l| l.1.to_string()).unwrap_or_default(),
            ),
        ];
        Submitted {
            fields: fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            areas: o.areas.clone(),
            also_in: o.also_in.clone(),
        }
    }

    /// Checks every field; the errors are keyed by field for the form.
    pub fn validate(&self, state: &AppState) -> Result<Organisation, FieldErrors> {
        OrganisationDraft {
            fields: &self.fields,
            areas: &self.areas,
            also_in: &self.also_in,
        }
        .validate(&state.registry, time::OffsetDateTime::now_utc().year())
    }
}

/// Which form is shown: its heading, what it says first, where it posts and its button.
pub struct Mode<'a> {
    pub title: &'a str,
    pub intro: &'a str,
    pub action: String,
    pub button: &'a str,
}

/// Shows the card form with `submitted` values and `errors`.
pub fn render(
    state: &AppState,
    page: &Page,
    mode: &Mode,
    submitted: &Submitted,
    errors: &FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let values: serde_json::Map<_, _> = FIELDS
        .iter()
        .map(|f| {
            let v = submitted.fields.get(*f).map_or("", |v| v.as_str());
            (f.to_string(), json!(v))
        })
        .collect();
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
            "mode": { "title": mode.title, "intro": mode.intro, "action": mode.action, "button": mode.button },
            "values": values, "areas_chosen": submitted.areas, "also_in_chosen": submitted.also_in,
            "errors": errors, "legal_forms": legal_forms(), "areas": public_benefit_areas(), "powiats": powiats,
        }),
        status,
    )
}
