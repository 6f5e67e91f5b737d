//! People with roles in the gmina, invitations by e-mail, role changes and revocation.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pestor_kit::input::Query;
use serde_json::json;

use pestor_kit::audit;
use pestor_kit::auth::{GminaRole, tokens};
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::forms::{Fields, TokenQuery, field, valid_email};
use pestor_kit::letters::{self, Letter};
use pestor_kit::page::Notice;
use pestor_kit::page::Page;
use pestor_kit::state::AppState;

const INVITATION_DAYS: i32 = 14;

pub async fn overview(
    State(state): State<AppState>,
    page: Page,
    Query(n): Query<Notice>,
) -> AppResult<Response> {
    render(&state, &page, &n.komunikat, None, "", StatusCode::OK).await
}

async fn render(
    state: &AppState,
    page: &Page,
    notice: &str,
    error: Option<&str>,
    invite_email: &str,
    status: StatusCode,
) -> AppResult<Response> {
    let t = page.gmina()?;
    let teryt = t.tenant.gmina.teryt.as_str();
    let people: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT r.id, a.display_name, a.email, r.role FROM gmina_roles r JOIN accounts a ON a.id = r.account_id
         WHERE r.teryt = $1 ORDER BY a.display_name, r.role",
    )
    .bind(teryt)
    .fetch_all(&state.db.pool)
    .await?;
    let people: Vec<_> = people
        .into_iter()
        .map(|(id, name, email, role)| {
            json!({ "id": id, "name": name, "email": email, "role": role,
                    "label": GminaRole::parse(&role).map_or("", GminaRole::label) })
        })
        .collect();
    let pending: Vec<(String, String, time::OffsetDateTime)> = sqlx::query_as(
        "SELECT email, role, expires_at FROM invitations WHERE teryt = $1 AND accepted_at IS NULL AND expires_at > now()
         ORDER BY created_at DESC",
    )
    .bind(teryt)
    .fetch_all(&state.db.pool)
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
    axum::Form(f): Fields,
) -> AppResult<Response> {
    let t = page.gmina()?;
    let me = page.account()?;
    let email = field(&f, "email").trim().to_owned();
    let Some(role) = panel_role(field(&f, "role")) else {
        return render(
            &state,
            &page,
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
            "",
            Some("Podaj poprawny adres e-mail osoby zapraszanej."),
            &email,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let teryt = t.tenant.gmina.teryt.as_str();
    let gmina_url = state.settings.host_url(Some(t.tenant.gmina.slug.as_str()));
    let mut tx = pestor_db::begin(&state.db.pool).await?;
    let existing: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM accounts WHERE lower(email) = lower($1) AND email_verified_at IS NOT NULL",
    )
    .bind(&email)
    .fetch_optional(&mut *tx)
    .await?;
    let (letter, notice, action) = match existing {
        Some(account) => {
            sqlx::query(
                "INSERT INTO gmina_roles (account_id, teryt, role, granted_by) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
            )
            .bind(account)
            .bind(teryt)
            .bind(role.as_str())
            .bind(me.id)
            .execute(&mut *tx)
            .await?;
            let letter = Letter {
                subject: format!("Nowa rola: {} — {}", role.label(), t.branding.display_name),
                paragraphs: vec![format!(
                    "{} nadał(a) Ci rolę „{}” w serwisie {} na Platformie PES.",
                    me.display_name,
                    role.label(),
                    t.branding.display_name
                )],
                action: Some(("Przejdź do serwisu gminy".into(), format!("{gmina_url}/"))),
            };
            (letter, "nadano", "role.grant")
        }
        None => {
            let token = tokens::random_token();
            sqlx::query(
                "INSERT INTO invitations (teryt, email, role, token_hash, invited_by, expires_at)
                 VALUES ($1, $2, $3, $4, $5, now() + make_interval(days => $6))",
            )
            .bind(teryt)
            .bind(&email)
            .bind(role.as_str())
            .bind(tokens::hash(&token))
            .bind(me.id)
            .bind(INVITATION_DAYS)
            .execute(&mut *tx)
            .await?;
            let letter = Letter {
                subject: format!("Zaproszenie: {} — {}", role.label(), t.branding.display_name),
                paragraphs: vec![
                    format!(
                        "{} zaprasza Cię do serwisu {} na Platformie PES w roli „{}”.",
                        me.display_name,
                        t.branding.display_name,
                        role.label()
                    ),
                    "Aby przyjąć zaproszenie, otwórz link i zaloguj się lub załóż konto na ten adres e-mail. Zaproszenie jest ważne 14 dni.".into(),
                ],
                action: Some(("Przyjmij zaproszenie".into(), format!("{gmina_url}/zaproszenie?token={token}"))),
            };
            (letter, "zaproszono", "role.invite")
        }
    };
    let details = json!({ "email": email, "role": role.as_str() });
    audit::record(&mut tx, me, Some(teryt), action, details).await?;
    pestor_mail::enqueue(
        &mut tx,
        &letters::compose(&state, &page.site, &email, &letter)?,
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/panel?komunikat={notice}")).into_response())
}

/// A role row of this gmina, by its id in the URL; anything else is 404.
async fn role_row(
    state: &AppState,
    teryt: &str,
    id: &str,
) -> AppResult<(i64, i64, String, String, String)> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    sqlx::query_as(
        "SELECT r.id, r.account_id, r.role, a.display_name, a.email FROM gmina_roles r JOIN accounts a ON a.id = r.account_id
         WHERE r.id = $1 AND r.teryt = $2",
    )
    .bind(id)
    .bind(teryt)
    .fetch_optional(&state.db.pool)
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
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    axum::Form(f): Fields,
) -> AppResult<Response> {
    let t = page.gmina()?;
    let me = page.account()?;
    let teryt = t.tenant.gmina.teryt.as_str();
    let (id, account, old, _, email) = role_row(&state, teryt, &id).await?;
    let Some(new) = panel_role(field(&f, "role")) else {
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
    let mut tx = pestor_db::begin(&state.db.pool).await?;
    sqlx::query(
        "UPDATE gmina_roles SET role = $2, granted_by = $3, granted_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(new.as_str())
    .bind(me.id)
    .execute(&mut *tx)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.constraint() == Some("gmina_roles_key") => {
            AppError::BadRequest("Ta osoba ma już tę rolę.".into())
        }
        _ => e.into(),
    })?;
    audit::record(
        &mut tx,
        me,
        Some(teryt),
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
    Path(id): Path<String>,
) -> AppResult<Response> {
    let t = page.gmina()?;
    let (id, _, role, name, email) = role_row(&state, t.tenant.gmina.teryt.as_str(), &id).await?;
    Ok(page
        .render(
            &state,
            "panel/revoke.html",
            json!({ "id": id, "name": name, "email": email, "label": GminaRole::parse(&role).map_or("", GminaRole::label) }),
        )?
        .into_response())
}

pub async fn revoke(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let t = page.gmina()?;
    let me = page.account()?;
    let teryt = t.tenant.gmina.teryt.as_str();
    let (id, account, role, _, email) = role_row(&state, teryt, &id).await?;
    not_yourself(me, account, &role)?;
    let mut tx = pestor_db::begin(&state.db.pool).await?;
    sqlx::query("DELETE FROM gmina_roles WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        me,
        Some(teryt),
        "role.revoke",
        json!({ "email": email, "role": role }),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/panel?komunikat=usunieto").into_response())
}

type Invitation = (i64, String, String);

async fn live_invitation(state: &AppState, teryt: &str, token: &str) -> AppResult<Invitation> {
    sqlx::query_as(
        "SELECT id, email, role FROM invitations
         WHERE token_hash = $1 AND teryt = $2 AND accepted_at IS NULL AND expires_at > now()",
    )
    .bind(tokens::hash(token))
    .bind(teryt)
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or_else(|| {
        AppError::BadRequest("Zaproszenie jest nieprawidłowe, wygasło albo zostało już przyjęte. Poproś administratora gminy o nowe.".into())
    })
}

pub async fn invitation(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<TokenQuery>,
) -> AppResult<Response> {
    let t = page.gmina()?;
    let (_, email, role) = live_invitation(&state, t.tenant.gmina.teryt.as_str(), &q.token).await?;
    Ok(page
        .render(
            &state,
            "panel/invitation.html",
            json!({ "token": q.token, "email": email, "label": GminaRole::parse(&role).map_or("", GminaRole::label),
                    "return_to": format!("/zaproszenie?token={}", q.token) }),
        )?
        .into_response())
}

pub async fn accept(
    State(state): State<AppState>,
    page: Page,
    axum::Form(f): Fields,
) -> AppResult<Response> {
    let t = page.gmina()?;
    let me = page.viewer.0.as_ref().ok_or(AppError::SignInRequired)?;
    let teryt = t.tenant.gmina.teryt.as_str();
    let (id, email, role) = live_invitation(&state, teryt, field(&f, "token")).await?;
    if !email.eq_ignore_ascii_case(&me.email) {
        return Err(AppError::BadRequest(format!(
            "To zaproszenie jest dla adresu {email}, a jesteś zalogowany jako {}. Zaloguj się na konto z tym adresem.",
            me.email
        )));
    }
    let mut tx = pestor_db::begin(&state.db.pool).await?;
    sqlx::query("UPDATE invitations SET accepted_at = now(), accepted_by = $2 WHERE id = $1")
        .bind(id)
        .bind(me.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO gmina_roles (account_id, teryt, role, granted_by)
         SELECT $1, teryt, role, invited_by FROM invitations WHERE id = $2 ON CONFLICT DO NOTHING",
    )
    .bind(me.id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        me,
        Some(teryt),
        "role.grant",
        json!({ "email": email, "role": role, "invitation": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(if role == "admin" { "/panel" } else { "/" }).into_response())
}
