//! The organisations a person may act for in a gmina: verified PES of this gmina and of other
//! gminas whose cards say they work here (and are not hidden here) — Baza PES' published view
//! `pes_visible` joined with the person's memberships in each organisation's home gmina — and, for
//! what is offered to a whole powiat, verified PES of the powiat's other gminas too. Modules where
//! a PES asks for something (equipment, premises) take the requester from here.

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

/// Whom something is offered to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// PES of this gmina and those that work here.
    Gmina,
    /// Those, and verified PES of every gmina of this gmina's powiat.
    Powiat,
}

/// The viewer's organisations that may act on this gmina's site for something offered to
/// `reach`, in Polish order of names.
pub async fn acting_organisations(
    state: &AppState,
    page: &Page,
    reach: Reach,
) -> AppResult<Vec<ActingOrganisation>> {
    let Some(a) = &page.viewer.0 else {
        return Ok(Vec::new());
    };
    let teryt = page.gmina()?.tenant.gmina().teryt.as_str();
    // Memberships live in the organisation's home gmina: across gminas on purpose.
    Ok(sqlx::query_as(
        "SELECT v.teryt, v.organisation_id AS id, v.name FROM (
             SELECT teryt, organisation_id, name FROM pes_visible WHERE gmina = $1
             UNION
             SELECT d.teryt, d.organisation_id, d.name FROM pes_directory d
             JOIN tenants home ON home.teryt = d.teryt AND home.status = 'active'
             JOIN tenants here ON here.teryt = $1 AND here.powiat_teryt = home.powiat_teryt
             WHERE $3 AND d.status = 'verified'
         ) v
         JOIN gmina_roles r ON r.teryt = v.teryt AND r.organisation_id = v.organisation_id
         WHERE r.account_id = $2 AND r.role = 'pes_member'
         ORDER BY public.polish_key(v.name), v.teryt, v.organisation_id",
    )
    .bind(teryt)
    .bind(a.id)
    .bind(reach == Reach::Powiat)
    .fetch_all(state.db.platform())
    .await?)
}

/// E-mail addresses of the members of organisation `id` of gmina `teryt` (any gmina: a PES that
/// works here may be told of something here), in `conn`'s transaction.
pub async fn member_emails(
    conn: &mut sqlx::PgConnection,
    teryt: &str,
    id: i64,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT a.email FROM public.gmina_roles r JOIN public.accounts a ON a.id = r.account_id
         WHERE r.teryt = $1 AND r.organisation_id = $2 AND r.role = 'pes_member' ORDER BY 1",
    )
    .bind(teryt)
    .bind(id)
    .fetch_all(conn)
    .await
}
