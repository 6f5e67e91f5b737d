//! Sign-in through an OpenID Connect provider running on loopback (real discovery, code + PKCE,
//! signed ID token), including a wrong state, a replayed code, a provider error and a bad nonce.

use pestor_config::ProviderSettings;
use pestor_tests::idp::{CLIENT_ID, CLIENT_SECRET, Identity, Idp};
use pestor_tests::{TestApp, Visitor, create_account, spawn_app_with};

const PORTAL: &str = "localhost";

async fn app_with_idp() -> (TestApp, Idp) {
    let idp = Idp::start().await;
    let provider = |id: &str, label: &str, gminas: &[&str]| ProviderSettings {
        id: id.into(),
        label: label.into(),
        issuer: idp.issuer.clone(),
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        gminas: gminas.iter().map(|g| g.to_string()).collect(),
    };
    let providers = vec![
        provider("region", "Konto regionalne (test)", &[]),
        provider(
            "um-torun",
            "Konto służbowe Urzędu Miasta Torunia",
            &["torun"],
        ),
    ];
    let app = spawn_app_with(move |s| s.auth.providers = providers).await;
    (app, idp)
}

fn identity(subject: &str, email: &str, verified: bool) -> Identity {
    Identity {
        subject: subject.into(),
        email: email.into(),
        email_verified: verified,
        name: "Grażyna Zewnętrzna".into(),
    }
}

/// Starts at the provider button's URL and follows to the end; returns the last reply and URL.
async fn via_provider(v: &Visitor, start: &str) -> (pestor_tests::Reply, String) {
    v.follow(&v.url(PORTAL, start)).await
}

/// Starts a sign-in and lets the provider answer, without following its redirect back: the
/// callback URL, its code and its state.
async fn to_callback(v: &Visitor) -> (String, String, String) {
    let to_idp = v
        .get(PORTAL, "/logowanie/oidc/region")
        .await
        .location
        .unwrap();
    let callback = v.get_url(&to_idp).await.location.unwrap();
    let param = |name: &str| {
        callback
            .split(&format!("{name}="))
            .nth(1)
            .and_then(|rest| rest.split('&').next())
            .unwrap()
            .to_owned()
    };
    let (code, state) = (param("code"), param("state"));
    (callback, code, state)
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(app.db.platform())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_new_identity_gets_an_account_and_signs_into_it_again() {
    let (app, idp) = app_with_idp().await;
    let v = app.visitor();
    let form = v.get(PORTAL, "/logowanie").await.body;
    assert!(form.contains("Konto regionalne (test)"), "{form}");
    assert!(
        !form.contains("Urzędu Miasta Torunia"),
        "a Toruń-only provider is not offered on the portal"
    );

    idp.sign_in_as(identity("sub-1", "grazyna@example.pl", true));
    let (home, url) = via_provider(&v, "/logowanie/oidc/region?powrot=/konto").await;
    assert_eq!(url, v.url(PORTAL, "/konto"), "{}", home.body);
    assert!(home.body.contains("grazyna@example.pl") && home.body.contains("Grażyna Zewnętrzna"));
    assert_eq!(count(&app, "SELECT count(*) FROM account_identities WHERE provider = 'region' AND subject = 'sub-1'").await, 1);
    assert_eq!(count(&app, "SELECT count(*) FROM accounts WHERE email_verified_at IS NOT NULL AND password_hash IS NULL").await, 1);

    v.submit(PORTAL, "/konto", "/wyloguj", &[]).await;
    // The same subject later, even with another e-mail, is the same account.
    idp.sign_in_as(identity("sub-1", "inny@example.pl", true));
    let (home, _) = via_provider(&v, "/logowanie/oidc/region").await;
    assert!(
        home.body
            .contains("Zalogowano: <a href=\"/konto\">Grażyna Zewnętrzna</a>"),
        "{}",
        home.body
    );
    assert_eq!(count(&app, "SELECT count(*) FROM accounts").await, 1);
}

#[tokio::test]
async fn a_verified_email_links_to_the_existing_account_but_never_to_an_unverified_one() {
    let (app, idp) = app_with_idp().await;
    let existing =
        create_account(&app, "jan@example.pl", "Jan Istniejący", "hasło jana 1234").await;
    idp.sign_in_as(identity("sub-jan", "JAN@example.pl", true));
    let v = app.visitor();
    let (home, _) = via_provider(&v, "/logowanie/oidc/region").await;
    assert!(home.body.contains("Jan Istniejący"), "{}", home.body);
    let linked: i64 =
        sqlx::query_scalar("SELECT account_id FROM account_identities WHERE subject = 'sub-jan'")
            .fetch_one(app.db.platform())
            .await
            .unwrap();
    assert_eq!(linked, existing);

    // The provider does not vouch for the address: no link, no account.
    idp.sign_in_as(identity("sub-x", "jan@example.pl", false));
    let (r, _) = via_provider(&app.visitor(), "/logowanie/oidc/region").await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("nie potwierdził adresu e-mail"));

    // A local account still waiting for verification is not taken over.
    sqlx::query("INSERT INTO accounts (email, display_name, password_hash) VALUES ('czeka@example.pl', 'Czeka', 'x')")
        .execute(app.db.platform())
        .await
        .unwrap();
    idp.sign_in_as(identity("sub-y", "czeka@example.pl", true));
    let (r, _) = via_provider(&app.visitor(), "/logowanie/oidc/region").await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("czeka na potwierdzenie adresu e-mail"));
    assert_eq!(
        count(&app, "SELECT count(*) FROM account_identities").await,
        1
    );
}

#[tokio::test]
async fn a_wrong_state_a_replayed_code_a_provider_error_and_a_bad_nonce_sign_nobody_in() {
    let (app, idp) = app_with_idp().await;
    idp.sign_in_as(identity("sub-2", "ktos@example.pl", true));
    let v = app.visitor();

    // Walk to the callback without following it, to keep its code.
    let (callback, code, _) = to_callback(&v).await;

    let forged = v
        .get(
            PORTAL,
            &format!("/logowanie/oidc/powrot?code={code}&state=podrobiony"),
        )
        .await;
    assert_eq!(forged.status, 400);
    assert!(
        forged
            .body
            .contains("Logowanie przez zewnętrznego dostawcę nie powiodło się")
    );

    // The real callback in another browser (no state cookie) is refused too…
    let elsewhere = app.visitor().get_url(&callback).await;
    assert_eq!(elsewhere.status, 400);
    // …and the state is spent, so the owner's own browser cannot use it either.
    assert_eq!(v.get_url(&callback).await.status, 400);

    // A code works once: used with its own state it signs in; with a later state it is refused.
    let (_, code, state) = to_callback(&v).await;
    let first = v
        .get(
            PORTAL,
            &format!("/logowanie/oidc/powrot?code={code}&state={state}"),
        )
        .await;
    assert_eq!(
        first.status, 303,
        "the first use of a code works: {}",
        first.body
    );
    v.submit(PORTAL, "/konto", "/wyloguj", &[]).await;
    let (_, _, later_state) = to_callback(&v).await;
    let replay = v
        .get(
            PORTAL,
            &format!("/logowanie/oidc/powrot?code={code}&state={later_state}"),
        )
        .await;
    assert_eq!(replay.status, 400, "a replayed code");

    idp.fail_with("access_denied");
    let (denied, _) = via_provider(&v, "/logowanie/oidc/region").await;
    assert_eq!(denied.status, 400);

    idp.sign_in_as(identity("sub-2", "ktos@example.pl", true));
    idp.force_nonce("nie-ten");
    let (bad_nonce, _) = via_provider(&v, "/logowanie/oidc/region").await;
    assert_eq!(bad_nonce.status, 400);

    assert!(
        v.get(PORTAL, "/").await.body.contains("Zaloguj się"),
        "nobody is signed in"
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM logins WHERE ended_at IS NULL").await,
        0
    );
}

#[tokio::test]
async fn a_gmina_only_provider_is_offered_and_accepted_for_that_gmina_alone() {
    let (app, idp) = app_with_idp().await;
    let v = app.visitor();
    let (torun_form, _) = v.follow(&v.url("torun.localhost", "/logowanie")).await;
    assert!(
        torun_form
            .body
            .contains("Konto służbowe Urzędu Miasta Torunia")
    );
    let (bydgoszcz_form, _) = v.follow(&v.url("bydgoszcz.localhost", "/logowanie")).await;
    assert!(!bydgoszcz_form.body.contains("Urzędu Miasta Torunia"));

    let refused = v
        .get(PORTAL, "/logowanie/oidc/um-torun?do=bydgoszcz.localhost")
        .await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("nie obsługuje wybranej gminy"));
    assert_eq!(v.get(PORTAL, "/logowanie/oidc/nieznany").await.status, 404);
    let nowhere = v
        .get(PORTAL, "/logowanie/oidc/region?do=evil.example")
        .await;
    assert_eq!(
        nowhere.status, 400,
        "only active gminas can be handed over to"
    );

    idp.sign_in_as(identity("urzednik-7", "urzednik@torun.example", true));
    let (home, url) =
        via_provider(&v, "/logowanie/oidc/um-torun?do=torun.localhost&powrot=/").await;
    assert_eq!(url, v.url("torun.localhost", "/"));
    assert!(home.body.contains("Zalogowano: Grażyna Zewnętrzna"));
}
