//! Sign-in with an OpenID Connect provider (authorization code + PKCE, state and nonce checked,
//! the ID token's signature, issuer, audience and expiry verified by `openidconnect`).
//!
//! Everything happens on the portal, whose one callback URL is registered at the provider; a gmina
//! target is handed over afterwards exactly as after a password sign-in. A returning identity signs
//! into its linked account; a new one is linked to the verified account with the same verified
//! e-mail, or gets a new account.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use pestor_config::ProviderSettings;
use pestor_kit::input::Query;

use super::sign_in::{LoginQuery, finish_sign_in, gmina_at, with_cookie};
use pestor_kit::auth::access::safe_return_path;
use pestor_kit::auth::session::{RequestHost, cookie_name, read_cookie, set_cookie};
use pestor_kit::auth::tokens;
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::state::AppState;

const STATE_COOKIE: &str = "pestor_oidc";
/// How long the user may spend at the provider.
const REQUEST_MINUTES: i32 = 10;

/// Providers offered for a sign-in into `gmina` (`None`: the portal itself).
pub(crate) fn providers_for<'a>(
    state: &'a AppState,
    gmina: Option<&pestor_core::Gmina>,
) -> Vec<&'a ProviderSettings> {
    state
        .settings
        .auth
        .providers
        .iter()
        .filter(|p| {
            p.gminas.is_empty()
                || gmina.is_some_and(|g| {
                    p.gminas
                        .iter()
                        .any(|k| k == g.slug.as_str() || k == g.teryt.as_str())
                })
        })
        .collect()
}

fn provider<'a>(state: &'a AppState, id: &str) -> AppResult<&'a ProviderSettings> {
    state
        .settings
        .auth
        .providers
        .iter()
        .find(|p| p.id == id)
        .ok_or(AppError::NotFound)
}

fn failed(what: impl std::fmt::Display) -> AppError {
    tracing::warn!(%what, "OpenID Connect sign-in failed");
    AppError::BadRequest(
        "Logowanie przez zewnętrznego dostawcę nie powiodło się. Spróbuj ponownie albo zaloguj się hasłem.".into(),
    )
}

fn http() -> AppResult<openidconnect::reqwest::Client> {
    openidconnect::reqwest::ClientBuilder::new()
        // Following redirects would let a provider's response steer our requests (SSRF).
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(failed)
}

fn callback_url(state: &AppState) -> String {
    format!("{}/logowanie/oidc/powrot", state.settings.host_url(None))
}

async fn client(
    state: &AppState,
    p: &ProviderSettings,
    http: &openidconnect::reqwest::Client,
) -> AppResult<
    CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
> {
    let issuer = IssuerUrl::new(p.issuer.clone()).map_err(failed)?;
    let metadata = CoreProviderMetadata::discover_async(issuer, http)
        .await
        .map_err(failed)?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(p.client_id.clone()),
        Some(ClientSecret::new(p.client_secret.expose().to_owned())),
    )
    .set_redirect_uri(RedirectUrl::new(callback_url(state)).map_err(failed)?))
}

/// `/logowanie/oidc/{provider}?do=&powrot=`: remembers the request and sends the browser to the provider.
pub async fn start(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<LoginQuery>,
) -> AppResult<Response> {
    let p = provider(&state, &id)?;
    let target = q.target.to_ascii_lowercase();
    let gmina = if target.is_empty() {
        None
    } else {
        // Checked before anything is stored: the target is handed over to after the provider.
        Some(gmina_at(&state, &target).await?.ok_or_else(|| {
            AppError::BadRequest("Nie ma aktywnego serwisu gminy pod tym adresem.".into())
        })?)
    };
    if !providers_for(&state, gmina.as_ref().map(|t| t.tenant.gmina()))
        .iter()
        .any(|o| o.id == p.id)
    {
        return Err(AppError::BadRequest(
            "Ten dostawca logowania nie obsługuje wybranej gminy.".into(),
        ));
    }
    let http = http()?;
    let client = client(&state, p, &http).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    sqlx::query(
        "INSERT INTO oidc_requests (state_hash, provider, pkce_verifier, nonce, target, return_path, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(mins => $7))",
    )
    .bind(tokens::hash(csrf.secret()))
    .bind(&p.id)
    .bind(verifier.secret())
    .bind(nonce.secret())
    .bind(&target)
    .bind(safe_return_path(Some(&q.powrot)))
    .bind(REQUEST_MINUTES)
    .execute(state.db.platform())
    .await?;
    // The state is also bound to this browser, so a callback URL replayed elsewhere is refused.
    Ok(with_cookie(
        Redirect::to(url.as_str()).into_response(),
        set_cookie(
            &state,
            STATE_COOKIE,
            csrf.secret(),
            Some(60 * REQUEST_MINUTES as u64),
        ),
    ))
}

#[derive(serde::Deserialize)]
pub struct Callback {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    error: String,
}

/// `/logowanie/oidc/powrot`: the provider sends the browser back here with a code (or an error).
pub async fn callback(
    State(state): State<AppState>,
    RequestHost(host): RequestHost,
    headers: HeaderMap,
    Query(cb): Query<Callback>,
) -> AppResult<Response> {
    let mut tx = pestor_db::begin(state.db.platform()).await?;
    // Used once, whatever happens next.
    let pending: Option<(String, String, String, String, String)> = sqlx::query_as(
        "DELETE FROM oidc_requests WHERE state_hash = $1 AND expires_at > now()
         RETURNING provider, pkce_verifier, nonce, target, return_path",
    )
    .bind(tokens::hash(&cb.state))
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    let bound =
        read_cookie(&headers, &cookie_name(&state, STATE_COOKIE)).is_some_and(|c| c == cb.state);
    let Some((provider_id, verifier, nonce, target, back)) =
        pending.filter(|_| bound && !cb.state.is_empty())
    else {
        return Err(failed("unknown, expired or foreign state"));
    };
    if !cb.error.is_empty() {
        return Err(failed(format!("provider error: {}", cb.error)));
    }
    let p = provider(&state, &provider_id)?;
    let http = http()?;
    let client = client(&state, p, &http).await?;
    let response = client
        .exchange_code(AuthorizationCode::new(cb.code.clone()))
        .map_err(failed)?
        .set_pkce_verifier(PkceCodeVerifier::new(verifier))
        .request_async(&http)
        .await
        .map_err(failed)?;
    let id_token = response.id_token().ok_or_else(|| failed("no ID token"))?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &Nonce::new(nonce))
        .map_err(failed)?;
    let subject = claims.subject().as_str().to_owned();
    let email = claims.email().map(|e| e.as_str().to_owned());
    let email_verified = claims.email_verified().unwrap_or(false);
    let name = claims
        .name()
        .and_then(|n| n.get(None))
        .map(|n| n.as_str().to_owned())
        .or_else(|| email.clone())
        .unwrap_or_else(|| "Użytkownik".into());
    let account = link_or_create(
        &state,
        &p.id,
        &subject,
        email.as_deref(),
        email_verified,
        &name,
    )
    .await?;
    let response = finish_sign_in(&state, &headers, &host, account, &target, &back).await?;
    Ok(with_cookie(
        response,
        set_cookie(&state, STATE_COOKIE, "", Some(0)),
    ))
}

/// The account an identity signs into: already linked; else the verified account with the same
/// e-mail (only if the provider verified it too); else a new account.
async fn link_or_create(
    state: &AppState,
    provider: &str,
    subject: &str,
    email: Option<&str>,
    email_verified: bool,
    name: &str,
) -> AppResult<i64> {
    let mut tx = pestor_db::begin(state.db.platform()).await?;
    let linked: Option<i64> = sqlx::query_scalar(
        "SELECT account_id FROM account_identities WHERE provider = $1 AND subject = $2",
    )
    .bind(provider)
    .bind(subject)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(id) = linked {
        tx.commit().await?;
        return Ok(id);
    }
    let Some(email) = email.filter(|_| email_verified) else {
        return Err(AppError::BadRequest(
            "Dostawca logowania nie potwierdził adresu e-mail, więc nie możemy połączyć go z kontem. Zaloguj się hasłem.".into(),
        ));
    };
    let existing: Option<(i64, bool)> = sqlx::query_as(
        "SELECT id, email_verified_at IS NOT NULL FROM accounts WHERE lower(email) = lower($1)",
    )
    .bind(email)
    .fetch_optional(&mut *tx)
    .await?;
    let account = match existing {
        Some((id, true)) => id,
        Some((_, false)) => {
            return Err(AppError::BadRequest(
                "Konto z tym adresem czeka na potwierdzenie adresu e-mail. Potwierdź je linkiem z wiadomości, a potem zaloguj się ponownie.".into(),
            ));
        }
        None => sqlx::query_scalar(
            "INSERT INTO accounts (email, display_name, email_verified_at) VALUES ($1, $2, now()) RETURNING id",
        )
        .bind(email)
        .bind(name.chars().take(120).collect::<String>())
        .fetch_one(&mut *tx)
        .await?,
    };
    sqlx::query("INSERT INTO account_identities (provider, subject, account_id, email) VALUES ($1, $2, $3, $4)")
        .bind(provider)
        .bind(subject)
        .bind(account)
        .bind(email)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(account)
}
