//! People with roles in the gmina, invitations by e-mail, role changes and revocation.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pestor_kit::input::Query;
use serde_json::json;

use pestor_db::{GminaScoped, TenantDb};
use pestor_kit::audit;
use pestor_kit::auth::{GminaRole, tokens};
use pestor_kit::error::{AppError, AppResult, OnConstraint};
use pestor_kit::forms::{Form, PathId, TokenQuery, valid_email};
use pestor_kit::invitations::{Invited, invite_person};
use pestor_kit::page::{Gmina, Notice, Page};
use pestor_kit::state::AppState;

/// The invitation form; missing fields read as empty and get the form's own message.
#[derive(serde::Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

#[derive(serde::Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

pub async fn overview(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Query(n): Query<Notice>,
) -> AppResult<Response> {
    render(
        &state,
        &page,
        &gmina,
        &n.komunikat,
        None,
        "",
        StatusCode::OK,
    )
    .await
}

async fn render(
    state: &AppState,
    page: &Page,
    gmina: &Gmina,
    notice: &str,
    error: Option<&str>,
    invite_email: &str,
    status: StatusCode,
) -> AppResult<Response> {
    let db = &gmina.db;
    let people: Vec<(i64, String, String, String)> = db
        .scoped_as(
            "SELECT r.id, a.display_name, a.email, r.role FROM gmina_roles r JOIN accounts a ON a.id = r.account_id
             WHERE r.teryt = $1 ORDER BY public.polish_key(a.display_name), r.role",
        )
        .fetch_all(db.platform())
        .await?;
    let people: Vec<_> = people
        .into_iter()
        .map(|(id, name, email, role)| {
            json!({ "id": id, "name": name, "email": email, "role": role,
                    "label": GminaRole::parse(&role).map_or("", GminaRole::label) })
        })
        .collect();
    let pending: Vec<(String, String, time::OffsetDateTime)> = db
        .scoped_as(
            "SELECT email, role, expires_at FROM invitations WHERE teryt = $1 AND accepted_at IS NULL AND expires_at > now()
             ORDER BY created_at DESC",
        )
        .fetch_all(db.platform())
        .await?;
    let pending: Vec<_> = pending
        .into_iter()
        .map(|(email, role, until)| {
            json!({ "email": email, "label": GminaRole::parse(&role).map_or("", GminaRole::label),
                    "until": pestor_kit::page::polish_date(until.date()) })
        })
        .collect();
    let notice = match notice {
        "zaproszono" => Some("Wysłaliśmy zaproszenie e-mailem."),
        "nadano" => {
            Some("Ta osoba ma już konto — rola została nadana i wysłaliśmy jej powiadomienie.")
        }
        "zmieniono" => Some("Rola została zmieniona."),
        "usunieto" => Some("Rola została odebrana."),
        "wyglad" => Some("Zapisano wygląd serwisu. Zmiany są już widoczne."),
        "logo" => Some("Wgrano nowe logo. Jest już widoczne w nagłówku."),
        _ => None,
    };
    page.respond(state,
        "panel/people.html",
        json!({ "people": people, "pending": pending, "notice": notice, "error": error, "invite_email": invite_email }), status)
}

fn panel_role(s: &str) -> Option<GminaRole> {
    match s {
        "staff" => Some(GminaRole::Staff),
        "admin" => Some(GminaRole::Admin),
        _ => None,
    }
}

pub async fn invite(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Form(f): Form<InviteForm>,
) -> AppResult<Response> {
    let t = &gmina.site;
    let me = page.account()?;
    let email = f.email.trim().to_owned();
    let Some(role) = panel_role(&f.role) else {
        return render(
            &state,
            &page,
            &gmina,
            "",
            Some("Wybierz rolę: pracownik urzędu albo administrator gminy."),
            &email,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    if !valid_email(&email) {
        return render(
            &state,
            &page,
            &gmina,
            "",
            Some("Podaj poprawny adres e-mail osoby zapraszanej."),
            &email,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let mut tx = gmina.begin().await?;
    let notice = match invite_person(&mut tx, &state, t, me, &email, role).await? {
        Invited::RoleGranted => "nadano",
        Invited::InvitationSent => "zaproszono",
    };
    tx.commit().await?;
    Ok(Redirect::to(&format!("/panel?komunikat={notice}")).into_response())
}

/// A role row of this gmina, by its id in the URL; anything else is 404.
async fn role_row(db: &TenantDb, id: i64) -> AppResult<(i64, i64, String, String, String)> {
    db.scoped_as(
        "SELECT r.id, r.account_id, r.role, a.display_name, a.email FROM gmina_roles r JOIN accounts a ON a.id = r.account_id
         WHERE r.teryt = $1 AND r.id = $2",
    )
    .bind(id)
    .fetch_optional(db.platform())
    .await?
    .ok_or(AppError::NotFound)
}

fn not_yourself(me: &pestor_kit::auth::Account, account: i64, role: &str) -> AppResult<()> {
    if me.id == account && role == "admin" {
        return Err(AppError::BadRequest(
            "Nie możesz odebrać ani zmienić własnej roli administratora — poproś o to innego administratora gminy.".into(),
        ));
    }
    Ok(())
}

pub async fn change_role(
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
    Form(f): Form<RoleForm>,
) -> AppResult<Response> {
    let me = page.account()?;
    let (id, account, old, _, email) = role_row(&gmina.db, id).await?;
    let Some(new) = panel_role(&f.role) else {
        return Err(AppError::BadRequest(
            "Wybierz rolę: pracownik urzędu albo administrator gminy.".into(),
        ));
    };
    if old == "pes_member" {
        return Err(AppError::BadRequest(
            "Członkostwo w organizacji zmienia się na karcie organizacji.".into(),
        ));
    }
    not_yourself(me, account, &old)?;
    let mut tx = gmina.begin().await?;
    tx.scoped(
        "UPDATE gmina_roles SET role = $3, granted_by = $4, granted_at = now() WHERE teryt = $1 AND id = $2",
    )
    .bind(id)
    .bind(new.as_str())
    .bind(me.id)
    .execute(&mut *tx)
    .await
    .on_constraint("gmina_roles_key", |_| {
        AppError::BadRequest("Ta osoba ma już tę rolę.".into())
    })?;
    audit::record(
        &mut tx,
        me,
        "role.change",
        json!({ "email": email, "from": old, "to": new.as_str() }),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/panel?komunikat=zmieniono").into_response())
}

pub async fn confirm_revoke(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
) -> AppResult<Response> {
    let (id, _, role, name, email) = role_row(&gmina.db, id).await?;
    Ok(page
        .render(
            &state,
            "panel/revoke.html",
            json!({ "id": id, "name": name, "email": email, "label": GminaRole::parse(&role).map_or("", GminaRole::label) }),
        )?
        .into_response())
}

pub async fn revoke(page: Page, gmina: Gmina, PathId(id): PathId) -> AppResult<Response> {
    let me = page.account()?;
    let (id, account, role, _, email) = role_row(&gmina.db, id).await?;
    not_yourself(me, account, &role)?;
    let mut tx = gmina.begin().await?;
    tx.scoped("DELETE FROM gmina_roles WHERE teryt = $1 AND id = $2")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        me,
        "role.revoke",
        json!({ "email": email, "role": role }),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/panel?komunikat=usunieto").into_response())
}

type Invitation = (i64, String, String);

async fn live_invitation(db: &TenantDb, token: &str) -> AppResult<Invitation> {
    db.scoped_as(
        "SELECT id, email, role FROM invitations
         WHERE teryt = $1 AND token_hash = $2 AND accepted_at IS NULL AND expires_at > now()",
    )
    .bind(tokens::hash(token))
    .fetch_optional(db.platform())
    .await?
    .ok_or_else(|| {
        AppError::BadRequest("Zaproszenie jest nieprawidłowe, wygasło albo zostało już przyjęte. Poproś administratora gminy o nowe.".into())
    })
}

pub async fn invitation(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Query(q): Query<TokenQuery>,
) -> AppResult<Response> {
    let (_, email, role) = live_invitation(&gmina.db, &q.token).await?;
    Ok(page
        .render(
            &state,
            "panel/invitation.html",
            json!({ "token": q.token, "email": email, "label": GminaRole::parse(&role).map_or("", GminaRole::label),
                    "return_to": format!("/zaproszenie?token={}", q.token) }),
        )?
        .into_response())
}

pub async fn accept(page: Page, gmina: Gmina, Form(f): Form<TokenQuery>) -> AppResult<Response> {
    let me = page.viewer.0.as_ref().ok_or(AppError::SignInRequired)?;
    let (id, email, role) = live_invitation(&gmina.db, &f.token).await?;
    if !email.eq_ignore_ascii_case(&me.email) {
        return Err(AppError::BadRequest(format!(
            "To zaproszenie jest dla adresu {email}, a jesteś zalogowany jako {}. Zaloguj się na konto z tym adresem.",
            me.email
        )));
    }
    let mut tx = gmina.begin().await?;
    tx.scoped(
        "UPDATE invitations SET accepted_at = now(), accepted_by = $3 WHERE teryt = $1 AND id = $2",
    )
    .bind(id)
    .bind(me.id)
    .execute(&mut *tx)
    .await?;
    tx.scoped(
        "INSERT INTO gmina_roles (teryt, account_id, role, granted_by)
         SELECT teryt, $2, role, invited_by FROM invitations WHERE teryt = $1 AND id = $3 ON CONFLICT DO NOTHING",
    )
    .bind(me.id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        me,
        "role.grant",
        json!({ "email": email, "role": role, "invitation": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(if role == "admin" { "/panel" } else { "/" }).into_response())
}
