//! Letters the platform sends, in Polish, with the sending site's branding. Text and HTML are made
//! from one [`Letter`]; the HTML layout is the template `mail/letter.html` (a gmina may override it).

use minijinja::value::Serde;
use pestor_mail::Mail;
use serde_json::json;

use sqlx::PgConnection;

use crate::error::AppResult;
use crate::page::Page;
use crate::site::Site;
use crate::state::AppState;

pub struct Letter {
    pub subject: String,
    pub paragraphs: Vec<String>,
    /// A button/link: label and absolute URL.
    pub action: Option<(String, String)>,
}

/// Turns a letter into a queued-ready message from `site` to `to`.
pub fn compose(state: &AppState, site: &Site, to: &str, letter: &Letter) -> AppResult<Mail> {
    let (sender, teryt) = match site {
        Site::Portal => (
            "Portal gmin województwa kujawsko-pomorskiego".to_owned(),
            None,
        ),
        Site::Tenant(t) => (
            t.branding.display_name.clone(),
            Some(t.tenant.gmina().teryt.as_str().to_owned()),
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

/// Queues `letter` to every address, in the caller's transaction.
pub async fn send_to(
    conn: &mut PgConnection,
    state: &AppState,
    page: &Page,
    addresses: &[String],
    letter: &Letter,
) -> AppResult<()> {
    for address in addresses {
        pestor_mail::enqueue(&mut *conn, &compose(state, &page.site, address, letter)?).await?;
    }
    Ok(())
}
