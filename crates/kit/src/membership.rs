//! Who belongs to which organisation of a gmina, as the roles table records it (`pes_member` with an
//! organisation id), and the staff decisions whose letters go to an organisation's members. Shared by
//! Baza PES, Giełda and every module where an organisation acts.

use pestor_db::{GminaScoped, TenantTx};

use crate::error::AppResult;
use crate::letters::{Letter, send_to};
use crate::page::Page;
use crate::state::AppState;

/// The organisations of this gmina the viewer is a member of (their ids; whether one is verified is
/// Baza PES' to say).
pub async fn organisations_of(state: &AppState, page: &Page) -> AppResult<Vec<i64>> {
    let Some(a) = &page.viewer.0 else {
        return Ok(Vec::new());
    };
    let db = state.db.tenant(&page.gmina()?.tenant);
    Ok(db
        .scoped_scalar(
            "SELECT organisation_id FROM gmina_roles
             WHERE teryt = $1 AND account_id = $2 AND role = 'pes_member' AND organisation_id IS NOT NULL",
        )
        .bind(a.id)
        .fetch_all(db.platform())
        .await?)
}

/// Whether the viewer is a member of organisation `id` of this gmina.
pub async fn is_member(state: &AppState, page: &Page, id: i64) -> AppResult<bool> {
    let Some(a) = &page.viewer.0 else {
        return Ok(false);
    };
    let db = state.db.tenant(&page.gmina()?.tenant);
    Ok(db
        .scoped_scalar(
            "SELECT EXISTS (SELECT 1 FROM gmina_roles WHERE teryt = $1 AND account_id = $2
                             AND role = 'pes_member' AND organisation_id = $3)",
        )
        .bind(a.id)
        .bind(id)
        .fetch_one(db.platform())
        .await?)
}

/// E-mail addresses of organisation `id`'s members.
pub async fn member_emails(tx: &mut TenantTx, id: i64) -> sqlx::Result<Vec<String>> {
    tx.scoped_scalar(
        "SELECT a.email FROM public.gmina_roles r JOIN public.accounts a ON a.id = r.account_id
         WHERE r.teryt = $1 AND r.role = 'pes_member' AND r.organisation_id = $2 ORDER BY 1",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await
}

/// What staff hid or showed again: `kind` names it in the audit log (`organisation`, `offer`),
/// `organisation` owns it and its members read the reason.
pub struct Visibility<'a> {
    pub kind: &'a str,
    pub id: i64,
    pub name: &'a str,
    pub organisation: i64,
    pub hidden: bool,
    pub reason: &'a str,
    /// The letter to the members when hidden: its subject (the name follows), its first paragraph
    /// (the reason follows) and any advice after the reason.
    pub subject: &'a str,
    pub lead: String,
    pub advice: Option<&'a str>,
}

/// The rest of a staff hide/show decision, in its transaction: the audit entry and, for a hide,
/// a letter stating the reason to the organisation's members.
pub async fn record_visibility(
    tx: &mut TenantTx,
    state: &AppState,
    page: &Page,
    v: &Visibility<'_>,
) -> AppResult<()> {
    let me = page.account()?;
    let action = format!("{}.{}", v.kind, if v.hidden { "hidden" } else { "shown" });
    crate::audit::record(
        tx,
        me,
        &action,
        serde_json::json!({ "id": v.id, "name": v.name, "reason": v.reason }),
    )
    .await?;
    if v.hidden {
        let mut paragraphs = vec![v.lead.clone(), format!("Uzasadnienie: {}", v.reason)];
        paragraphs.extend(v.advice.map(str::to_owned));
        let letter = Letter {
            subject: format!("{}: {}", v.subject, v.name),
            paragraphs,
            action: None,
        };
        let members = member_emails(tx, v.organisation).await?;
        send_to(tx, state, page, &members, &letter).await?;
    }
    Ok(())
}
