//! The organisations a person may act for in a gmina: verified PES of this gmina and of other
//! gminas whose cards say they work here (and are not hidden here) — Baza PES' published view
//! `pes_visible` joined with the person's memberships in each organisation's home gmina. Modules
//! where a PES asks for something (equipment, premises) take the requester from here.

use crate::error::AppResult;
use crate::page::Page;
use crate::state::AppState;

/// An organisation as a requester: its home gmina's TERYT and its id there, and its name.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct ActingOrganisation {
    pub teryt: String,
    pub id: i64,
    pub name: String,
}

impl ActingOrganisation {
    /// The form value naming it: `<teryt>-<id>`.
    pub fn code(&self) -> String {
        format!("{}-{}", self.teryt, self.id)
    }

    /// Whether this gmina is the organisation's home.
    pub fn is_home(&self, teryt: &str) -> bool {
        self.teryt == teryt
    }
}

/// The viewer's organisations that may act on this gmina's site, in Polish order of names.
pub async fn acting_organisations(
    state: &AppState,
    page: &Page,
) -> AppResult<Vec<ActingOrganisation>> {
    let Some(a) = &page.viewer.0 else {
        return Ok(Vec::new());
    };
    let teryt = page.gmina()?.tenant.gmina().teryt.as_str();
    // Memberships live in the organisation's home gmina: across gminas on purpose.
    Ok(sqlx::query_as(
        "SELECT v.teryt, v.organisation_id AS id, v.name FROM pes_visible v
         JOIN gmina_roles r ON r.teryt = v.teryt AND r.organisation_id = v.organisation_id
         WHERE v.gmina = $1 AND r.account_id = $2 AND r.role = 'pes_member'
         ORDER BY public.polish_key(v.name), v.teryt, v.organisation_id",
    )
    .bind(teryt)
    .bind(a.id)
    .fetch_all(state.db.platform())
    .await?)
}
