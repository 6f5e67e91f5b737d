//! Atom feeds (RFC 4287) of a gmina's newest records — the Giełda's offers, the equipment bank's
//! items — written by hand: a feed is a few fixed elements, and every text goes through [`xml`].

use axum::http::header;
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// One entry: a record's title, its page, when it was published, who offers it, its category
/// (code and name) and a short text.
pub struct Entry {
    pub title: String,
    pub url: String,
    pub published: OffsetDateTime,
    pub author: String,
    pub category: (String, String),
    pub summary: String,
}

/// The feed's own facts: its title, its address (with the filters asked for) and the HTML page
/// it follows.
pub struct Feed<'a> {
    pub title: &'a str,
    pub self_url: &'a str,
    pub page_url: &'a str,
}

/// Text for XML character data and attribute values.
pub fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn stamp(d: OffsetDateTime) -> String {
    d.format(&Rfc3339).unwrap_or_default()
}

impl Feed<'_> {
    /// The feed document; `updated` is the newest entry's time (the epoch when there is none).
    pub fn document(&self, entries: &[Entry]) -> String {
        let updated = entries
            .iter()
            .map(|e| e.published)
            .max()
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let mut out = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"pl\">\n\
             <title>{}</title>\n<id>{}</id>\n<link rel=\"self\" href=\"{}\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n<updated>{}</updated>\n",
            xml(self.title),
            xml(self.self_url),
            xml(self.self_url),
            xml(self.page_url),
            stamp(updated),
        );
        for e in entries {
            out.push_str(&format!(
                "<entry>\n<title>{}</title>\n<id>{}</id>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n\
                 <published>{}</published>\n<updated>{}</updated>\n<author><name>{}</name></author>\n\
                 <category term=\"{}\" label=\"{}\"/>\n<summary>{}</summary>\n</entry>\n",
                xml(&e.title),
                xml(&e.url),
                xml(&e.url),
                stamp(e.published),
                stamp(e.published),
                xml(&e.author),
                xml(&e.category.0),
                xml(&e.category.1),
                xml(&e.summary),
            ));
        }
        out.push_str("</feed>\n");
        out
    }

    /// The feed as a response, cacheable for five minutes.
    pub fn respond(&self, entries: &[Entry]) -> Response {
        (
            [
                (header::CONTENT_TYPE, "application/atom+xml; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            self.document(entries),
        )
            .into_response()
    }
}
