//! An OpenID Connect provider on loopback for tests. It speaks the real protocol — discovery,
//! `/authorize` with PKCE (S256), a `/token` endpoint that checks the code, redirect URI, client
//! secret and code verifier and answers with an ID token signed with HS256 under the client secret
//! — but has no login screen: `/authorize` signs in whoever the test set with [`Idp::sign_in_as`].
//! Codes work once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};
use serde_json::json;
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "platforma-pes";
pub const CLIENT_SECRET: &str = "sekret-klienta-do-testow-0123456789";

/// Who the provider says is signing in.
#[derive(Clone, Debug)]
pub struct Identity {
    pub subject: String,
    pub email: String,
    pub email_verified: bool,
    pub name: String,
}

#[derive(Default)]
struct Inner {
    identity: Option<Identity>,
    /// `error=` to answer `/authorize` with instead of a code.
    error: Option<String>,
    codes: HashMap<String, Grant>,
    issued: usize,
    /// When set, the ID token carries this nonce instead of the one requested.
    forced_nonce: Option<String>,
}

struct Grant {
    identity: Identity,
    redirect_uri: String,
    challenge: String,
    nonce: String,
}

#[derive(Clone)]
pub struct Idp {
    pub issuer: String,
    inner: Arc<Mutex<Inner>>,
    task: Arc<tokio::task::JoinHandle<()>>,
}

impl Drop for Idp {
    fn drop(&mut self) {
        if Arc::strong_count(&self.task) == 1 {
            self.task.abort();
        }
    }
}

impl Idp {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind idp");
        let issuer = format!(
            "http://127.0.0.1:{}",
            listener.local_addr().expect("addr").port()
        );
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(|| async { Json(json!({ "keys": [] })) }))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .with_state((issuer.clone(), inner.clone()));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("idp");
        });
        Self {
            issuer,
            inner,
            task: Arc::new(task),
        }
    }

    pub fn sign_in_as(&self, identity: Identity) {
        let mut i = self.inner.lock().expect("lock");
        i.identity = Some(identity);
        i.error = None;
    }

    pub fn fail_with(&self, error: &str) {
        self.inner.lock().expect("lock").error = Some(error.to_owned());
    }

    pub fn force_nonce(&self, nonce: &str) {
        self.inner.lock().expect("lock").forced_nonce = Some(nonce.to_owned());
    }
}

type Shared = State<(String, Arc<Mutex<Inner>>)>;

async fn discovery(State((issuer, _)): Shared) -> Json<serde_json::Value> {
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["HS256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    }))
}

async fn authorize(
    State((_, inner)): Shared,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let redirect_uri = get("redirect_uri");
    let state = get("state");
    if get("client_id") != CLIENT_ID
        || get("code_challenge_method") != "S256"
        || get("response_type") != "code"
    {
        return (StatusCode::BAD_REQUEST, "invalid_request").into_response();
    }
    let mut i = inner.lock().expect("lock");
    if let Some(error) = i.error.clone() {
        return Redirect::to(&format!("{redirect_uri}?error={error}&state={state}"))
            .into_response();
    }
    let Some(identity) = i.identity.clone() else {
        return (StatusCode::BAD_REQUEST, "nobody signed in").into_response();
    };
    i.issued += 1;
    let code = format!("kod-{}", i.issued);
    i.codes.insert(
        code.clone(),
        Grant {
            identity,
            redirect_uri: redirect_uri.clone(),
            challenge: get("code_challenge"),
            nonce: get("nonce"),
        },
    );
    Redirect::to(&format!("{redirect_uri}?code={code}&state={state}")).into_response()
}

async fn token(
    State((issuer, inner)): Shared,
    headers: axum::http::HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let bad = |e: &str| (StatusCode::BAD_REQUEST, Json(json!({ "error": e }))).into_response();
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let client_ok = basic.as_deref() == Some(&format!("{CLIENT_ID}:{CLIENT_SECRET}"))
        || (get("client_id") == CLIENT_ID && get("client_secret") == CLIENT_SECRET);
    if !client_ok {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "invalid_client" })),
        )
            .into_response();
    }
    let mut i = inner.lock().expect("lock");
    let Some(grant) = i.codes.remove(&get("code")) else {
        return bad("invalid_grant");
    };
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(get("code_verifier").as_bytes()));
    if get("grant_type") != "authorization_code"
        || get("redirect_uri") != grant.redirect_uri
        || challenge != grant.challenge
    {
        return bad("invalid_grant");
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let claims = json!({
        "iss": issuer, "sub": grant.identity.subject, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
        "nonce": i.forced_nonce.clone().unwrap_or(grant.nonce),
        "email": grant.identity.email, "email_verified": grant.identity.email_verified,
        "name": grant.identity.name,
    });
    Json(json!({
        "access_token": "dostep",
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": jwt_hs256(&claims),
    }))
    .into_response()
}

fn jwt_hs256(claims: &serde_json::Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(CLIENT_SECRET.as_bytes()).expect("key");
    mac.update(format!("{header}.{payload}").as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{header}.{payload}.{signature}")
}
