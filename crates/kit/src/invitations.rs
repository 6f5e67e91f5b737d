//! Giving a person a role in a gmina by e-mail: the panel's invitation form and a coordinator
//! onboarding a gmina (its first admin) both use [`invite_person`].

use std::sync::Arc;

use pestor_db::{GminaScoped, TenantTx};
use serde_json::json;

use crate::audit;
use crate::auth::{Account, GminaRole, tokens};
use crate::error::AppResult;
use crate::letters::{self, Letter};
use crate::site::{Site, TenantSite};
use crate::state::AppState;

/// How long an invitation link stays valid.
pub const INVITATION_DAYS: i32 = 14;

/// What [`invite_person`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invited {
    /// The address belongs to a verified account, which now has the role.
    RoleGranted,
    /// An invitation link went out, valid for 14 days.
    InvitationSent,
}

/// Gives `role` in the gmina of `site` to the person at `email` (already validated): to their
/// account at once when one with that verified address exists, otherwise by an invitation link;
/// they are told by e-mail from the gmina's site, and the gmina's audit log names `inviter`. All in
/// `tx`, the gmina's transaction.
pub async fn invite_person(
    tx: &mut TenantTx,
    state: &AppState,
    site: &Arc<TenantSite>,
    inviter: &Account,
    email: &str,
    role: GminaRole,
) -> AppResult<Invited> {
    let name = &site.branding.display_name;
    let gmina_url = state
        .settings
        .host_url(Some(site.tenant.gmina().slug.as_str()));
    let existing: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM accounts WHERE lower(email) = lower($1) AND email_verified_at IS NOT NULL",
    )
    .bind(email)
    .fetch_optional(&mut **tx)
    .await?;
    let (letter, outcome, action) = match existing {
        Some(account) => {
            tx.scoped(
                "INSERT INTO gmina_roles (teryt, account_id, role, granted_by) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
            )
            .bind(account)
            .bind(role.as_str())
            .bind(inviter.id)
            .execute(&mut **tx)
            .await?;
            let letter = Letter {
                subject: format!("Nowa rola: {} — {name}", role.label()),
                paragraphs: vec![format!(
                    "{} nadał(a) Ci rolę „{}” w serwisie {name} na Platformie PES.",
                    inviter.display_name,
                    role.label(),
                )],
                action: Some(("Przejdź do serwisu gminy".into(), format!("{gmina_url}/"))),
            };
            (letter, Invited::RoleGranted, "role.grant")
        }
        None => {
            let token = tokens::random_token();
            tx.scoped(
                "INSERT INTO invitations (teryt, email, role, token_hash, invited_by, expires_at)
                 VALUES ($1, $2, $3, $4, $5, now() + make_interval(days => $6))",
            )
            .bind(email)
            .bind(role.as_str())
            .bind(tokens::hash(&token))
            .bind(inviter.id)
            .bind(INVITATION_DAYS)
            .execute(&mut **tx)
            .await?;
            let letter = Letter {
                subject: format!("Zaproszenie: {} — {name}", role.label()),
                paragraphs: vec![
                    format!(
                        "{} zaprasza Cię do serwisu {name} na Platformie PES w roli „{}”.",
                        inviter.display_name,
                        role.label()
                    ),
                    "Aby przyjąć zaproszenie, otwórz link i zaloguj się lub załóż konto na ten adres e-mail. Zaproszenie jest ważne 14 dni.".into(),
                ],
                action: Some(("Przyjmij zaproszenie".into(), format!("{gmina_url}/zaproszenie?token={token}"))),
            };
            (letter, Invited::InvitationSent, "role.invite")
        }
    };
    let details = json!({ "email": email, "role": role.as_str() });
    audit::record(tx, inviter, action, details).await?;
    let from = Site::Tenant(site.clone());
    pestor_mail::enqueue(tx, &letters::compose(state, &from, email, &letter)?).await?;
    Ok(outcome)
}
