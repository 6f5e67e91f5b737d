//! The messages accounts send, in Polish, with the sending site's branding. Text and HTML are made
//! from one [`Letter`]; the HTML layout is the template `mail/letter.html` (a gmina may override it).

use minijinja::value::Serde;
use pestor_mail::Mail;
use serde_json::json;

use crate::error::AppResult;
use crate::site::Site;
use crate::state::AppState;

pub(crate) struct Letter {
    pub subject: String,
    pub paragraphs: Vec<String>,
    /// A button/link: label and absolute URL.
    pub action: Option<(String, String)>,
}

/// Turns a letter into a queued-ready message from `site` to `to`.
pub(crate) fn compose(state: &AppState, site: &Site, to: &str, letter: &Letter) -> AppResult<Mail> {
    let (sender, teryt) = match site {
        Site::Portal => (
            "Portal gmin województwa kujawsko-pomorskiego".to_owned(),
            None,
        ),
        Site::Tenant(t) => (
            t.branding.display_name.clone(),
            Some(t.tenant.gmina.teryt.as_str().to_owned()),
        ),
    };
    let mut text = String::from("Dzień dobry,\n\n");
    for p in &letter.paragraphs {
        text.push_str(p);
        text.push_str("\n\n");
    }
    if let Some((label, url)) = &letter.action {
        text.push_str(&format!("{label}:\n{url}\n\n"));
    }
    text.push_str(&format!(
        "Pozdrawiamy\n{sender}\n-- \nWiadomość wysłana automatycznie z Platformy PES: {}/\n",
        state.settings.host_url(None)
    ));
    let ctx = json!({
        "subject": letter.subject,
        "paragraphs": letter.paragraphs,
        "action": letter.action.as_ref().map(|(label, url)| json!({ "label": label, "url": url })),
        "sender": sender,
        "branding": site.tenant().map(|t| &t.branding),
        "portal_url": state.settings.host_url(None),
    });
    let html = site
        .env(&state.portal_env)
        .get_template("mail/letter.html")?
        .render(Serde(&ctx))?;
    Ok(Mail {
        teryt,
        to: to.to_owned(),
        subject: letter.subject.clone(),
        text,
        html,
        headers: Vec::new(),
    })
}

pub(crate) fn verify_email(link: String) -> Letter {
    Letter {
        subject: "Potwierdź adres e-mail — Platforma PES".into(),
        paragraphs: vec![
            "ktoś (zapewne Ty) założył konto na Platformie PES województwa kujawsko-pomorskiego, podając ten adres e-mail.".into(),
            "Aby dokończyć rejestrację, potwierdź adres, otwierając poniższy link. Link jest ważny przez 24 godziny i działa tylko raz.".into(),
            "Jeśli to nie Ty, zignoruj tę wiadomość — konto bez potwierdzonego adresu zostanie usunięte.".into(),
        ],
        action: Some(("Potwierdź adres e-mail".into(), link)),
    }
}

pub(crate) fn already_registered(sign_in: String, reset: String) -> Letter {
    Letter {
        subject: "Próba rejestracji na Twój adres — Platforma PES".into(),
        paragraphs: vec![
            "ktoś próbował założyć konto na Platformie PES z tym adresem e-mail, ale konto z tym adresem już istnieje.".into(),
            format!("Jeśli to Ty, zaloguj się: {sign_in}. Jeśli nie pamiętasz hasła, ustaw nowe."),
            "Jeśli to nie Ty, zignoruj tę wiadomość — nic się nie zmieniło.".into(),
        ],
        action: Some(("Ustaw nowe hasło".into(), reset)),
    }
}

pub(crate) fn reset_password(link: String) -> Letter {
    Letter {
        subject: "Ustaw nowe hasło — Platforma PES".into(),
        paragraphs: vec![
            "otrzymaliśmy prośbę o ustawienie nowego hasła do konta na Platformie PES.".into(),
            "Link jest ważny przez godzinę i działa tylko raz. Po zmianie hasła zostaniesz wylogowany ze wszystkich urządzeń.".into(),
            "Jeśli to nie Ty, zignoruj tę wiadomość — hasło pozostanie bez zmian.".into(),
        ],
        action: Some(("Ustaw nowe hasło".into(), link)),
    }
}

pub(crate) fn password_changed() -> Letter {
    Letter {
        subject: "Hasło zostało zmienione — Platforma PES".into(),
        paragraphs: vec![
            "hasło do Twojego konta na Platformie PES zostało właśnie zmienione i wszystkie inne sesje zostały zakończone.".into(),
            "Jeśli to nie Ty, natychmiast ustaw nowe hasło przez „Nie pamiętam hasła” i skontaktuj się z administratorem.".into(),
        ],
        action: None,
    }
}
