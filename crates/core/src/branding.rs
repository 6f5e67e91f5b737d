//! Per-gmina branding: defaults derived from the registry, overrides from `tenants/<teryt>/branding.toml`
//! and from edits in the admin panel. The branding's colours become the design system's tokens
//! ([`Theme`]); every text/background pair the components draw must keep WCAG 2.1 AA contrast.

use crate::registry::Gmina;

/// WCAG 2.1 AA minimum contrast ratio for normal text (1.4.3).
pub const MIN_TEXT_CONTRAST: f64 = 4.5;
/// WCAG 2.1 AA minimum contrast of a focus ring, border or other non-text part (1.4.11).
pub const MIN_NON_TEXT_CONTRAST: f64 = 3.0;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BrandingError {
    #[error("pole „{field}”: „{value}” nie jest kolorem w zapisie #RRGGBB")]
    BadColour { field: &'static str, value: String },
    #[error(
        "{what}: kontrast {fg} na tle {bg} wynosi {ratio:.2}:1, a WCAG 2.1 AA wymaga co najmniej {required}"
    )]
    LowContrast {
        what: &'static str,
        fg: String,
        bg: String,
        ratio: f64,
        required: &'static str,
    },
    #[error("pole „{field}” jest zbyt długie (najwyżej {max} znaków)")]
    TooLong { field: &'static str, max: usize },
    #[error("pole „{field}” nie może być puste")]
    Empty { field: &'static str },
    #[error(
        "środek mapy musi leżeć w Polsce (szerokość 49–55, długość 14–24,5), podano {lat}, {lon}"
    )]
    MapCentre { lat: f64, lon: f64 },
    #[error(
        "adres kafelków mapy musi zaczynać się od https:// i zawierać {{z}}, {{x}} i {{y}}, podano „{0}”"
    )]
    MapTiles(String),
    #[error("nie można odczytać pliku marki {path}: {message}")]
    File { path: String, message: String },
}

/// An sRGB colour, written `#rrggbb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour([u8; 3]);

impl Colour {
    pub fn parse(s: &str) -> Option<Self> {
        let hex = s.strip_prefix('#')?;
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        Some(Self([byte(0)?, byte(2)?, byte(4)?]))
    }

    /// Relative luminance as defined by WCAG 2.1.
    fn luminance(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let [r, g, b] = self.0;
        0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    }

    /// WCAG contrast ratio between two colours, from 1.0 to 21.0.
    pub fn contrast(self, other: Colour) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (hi, lo) = if a > b { (a, b) } else { (b, a) };
        (hi + 0.05) / (lo + 0.05)
    }
}

impl Colour {
    /// `self` moved towards `other` by `share` (0 = self, 1 = other), channel by channel in sRGB,
    /// as Sass' `mix` does: the design system's tints (towards white) and shades (towards black).
    pub fn mix(self, other: Colour, share: f64) -> Colour {
        let channel = |a: u8, b: u8| {
            (f64::from(a) + (f64::from(b) - f64::from(a)) * share)
                .round()
                .clamp(0.0, 255.0) as u8
        };
        let ([r, g, b], [r2, g2, b2]) = (self.0, other.0);
        Colour([channel(r, r2), channel(g, g2), channel(b, b2)])
    }
}

impl std::fmt::Display for Colour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [r, g, b] = self.0;
        write!(f, "#{r:02x}{g:02x}{b:02x}")
    }
}

/// The effective branding of one gmina, as templates see it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Branding {
    pub display_name: String,
    /// Header background and the text on it.
    pub primary_colour: String,
    pub on_primary_colour: String,
    /// Links and buttons on the white page background.
    pub accent_colour: String,
    /// File name of the coat of arms or logo inside the tenant's branding folder; `None` means the default emblem.
    pub logo: Option<String>,
    /// Object-store key of a logo uploaded in the panel; wins over `logo`.
    pub logo_object: Option<String>,
    pub logo_alt: String,
    pub contact_address: String,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub website: Option<String>,
    pub map_centre: (f64, f64),
    pub map_zoom: u8,
    /// Map tiles: a URL template with `{z}`, `{x}`, `{y}` (a gmina may use its own tile server),
    /// and the attribution its licence requires.
    pub map_tiles: String,
    pub map_attribution: String,
    pub welcome_text: String,
}

/// Optional overrides, as stored in `branding.toml` or in the tenant row.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrandingOverrides {
    pub display_name: Option<String>,
    pub primary_colour: Option<String>,
    pub on_primary_colour: Option<String>,
    pub accent_colour: Option<String>,
    pub logo: Option<String>,
    pub logo_object: Option<String>,
    pub logo_alt: Option<String>,
    pub contact_address: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub website: Option<String>,
    pub map_centre: Option<(f64, f64)>,
    pub map_zoom: Option<u8>,
    pub map_tiles: Option<String>,
    pub map_attribution: Option<String>,
    pub welcome_text: Option<String>,
}

impl BrandingOverrides {
    pub fn from_toml(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.message().to_owned())
    }
}

/// The region's neutral blue, for the portal and any gmina that has not chosen its colours.
pub const DEFAULT_PRIMARY: &str = "#1d4f91";
pub const DEFAULT_ON_PRIMARY: &str = "#ffffff";

const WHITE: Colour = Colour([255, 255, 255]);
const BLACK: Colour = Colour([0, 0, 0]);

/// The design system's colours that no branding changes (GOV.UK Frontend's palette, as built
/// into `crates/kit/static/pestor.css`; a test keeps the two equal).
pub mod fixed {
    use super::Colour;
    pub const TEXT: Colour = Colour([0x0b, 0x0c, 0x0c]);
    pub const SECONDARY_TEXT: Colour = Colour([0x48, 0x49, 0x49]);
    pub const LINK_VISITED: Colour = Colour([0x54, 0x31, 0x9f]);
    pub const FOCUS: Colour = Colour([0xff, 0xdd, 0x00]);
    pub const FOCUS_TEXT: Colour = Colour([0x0b, 0x0c, 0x0c]);
    pub const ERROR: Colour = Colour([0xca, 0x35, 0x35]);
    pub const SUCCESS: Colour = Colour([0x0f, 0x7a, 0x52]);
    pub const BUTTON: Colour = Colour([0x0f, 0x7a, 0x52]);
    pub const BUTTON_HOVER: Colour = Colour([0x0b, 0x5c, 0x3e]);
    pub const BUTTON_SECONDARY: Colour = Colour([0xf3, 0xf3, 0xf3]);
    pub const BUTTON_WARNING: Colour = Colour([0xca, 0x35, 0x35]);
    /// `govuk-tag` and its colour modifiers we use: (class, text, background).
    pub const TAGS: [(&str, Colour, Colour); 6] = [
        (
            "govuk-tag",
            Colour([0x0f, 0x38, 0x5c]),
            Colour([0xd2, 0xe2, 0xf1]),
        ),
        (
            "govuk-tag--green",
            Colour([0x08, 0x3d, 0x29]),
            Colour([0xcf, 0xe4, 0xdc]),
        ),
        (
            "govuk-tag--red",
            Colour([0x65, 0x1b, 0x1b]),
            Colour([0xf4, 0xd7, 0xd7]),
        ),
        (
            "govuk-tag--yellow",
            Colour([0x7a, 0x3c, 0x1c]),
            Colour([0xff, 0xee, 0x80]),
        ),
        (
            "govuk-tag--grey",
            Colour([0x0b, 0x0c, 0x0c]),
            Colour([0xce, 0xce, 0xce]),
        ),
        (
            "govuk-tag--orange",
            Colour([0x7a, 0x3c, 0x1c]),
            Colour([0xfd, 0xe4, 0xd7]),
        ),
    ];
}

/// One text (or focus ring, or border) colour drawn on one background, and the contrast WCAG
/// asks of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColourPair {
    pub what: &'static str,
    pub fg: Colour,
    pub bg: Colour,
    pub non_text: bool,
}

impl ColourPair {
    pub fn required(&self) -> f64 {
        if self.non_text {
            MIN_NON_TEXT_CONTRAST
        } else {
            MIN_TEXT_CONTRAST
        }
    }

    pub fn ratio(&self) -> f64 {
        self.fg.contrast(self.bg)
    }

    pub fn passes(&self) -> bool {
        self.ratio() >= self.required()
    }
}

/// A gmina's design tokens: the custom properties `/branding/theme.css` sets for GOV.UK
/// Frontend's components, derived from the branding's three colours.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theme {
    /// Header, banner titles, card and filter-panel top borders.
    pub brand: Colour,
    /// Text and links on the brand colour.
    pub on_brand: Colour,
    pub link: Colour,
    pub link_hover: Colour,
    /// Background of the menu bar, the filter panel and the footer: the brand colour at 5 %.
    pub surface: Colour,
    pub surface_border: Colour,
}

impl Theme {
    pub fn derive(primary: Colour, on_primary: Colour, accent: Colour) -> Self {
        Self {
            brand: primary,
            on_brand: on_primary,
            link: accent,
            link_hover: accent.mix(BLACK, 0.5),
            surface: primary.mix(WHITE, 0.95),
            surface_border: primary.mix(WHITE, 0.5),
        }
    }

    /// The theme of the portal and of a gmina without its own colours.
    pub fn region() -> Self {
        let blue = Colour::parse(DEFAULT_PRIMARY).unwrap_or(BLACK);
        Self::derive(blue, WHITE, blue)
    }

    /// Every pair of colours the pages draw, with what it is in words a gmina's staff understand.
    pub fn pairs(&self) -> Vec<ColourPair> {
        let text = |what, fg, bg| ColourPair {
            what,
            fg,
            bg,
            non_text: false,
        };
        let non_text = |what, fg, bg| ColourPair {
            what,
            fg,
            bg,
            non_text: true,
        };
        let mut pairs = vec![
            text(
                "tekst i linki nagłówka oraz tytuł banera komunikatu",
                self.on_brand,
                self.brand,
            ),
            non_text("obwódka fokusu w nagłówku", fixed::FOCUS, self.brand),
            non_text(
                "kolor główny jako ramka banera i kart na białym tle",
                self.brand,
                WHITE,
            ),
            text("linki na białym tle", self.link, WHITE),
            text(
                "linki w menu, panelu filtrów i stopce",
                self.link,
                self.surface,
            ),
            text("linki po najechaniu na białym tle", self.link_hover, WHITE),
            text(
                "linki po najechaniu w menu i stopce",
                self.link_hover,
                self.surface,
            ),
            text("odwiedzone linki na białym tle", fixed::LINK_VISITED, WHITE),
            text(
                "odwiedzone linki w stopce",
                fixed::LINK_VISITED,
                self.surface,
            ),
            text(
                "tekst w menu, panelu filtrów i stopce",
                fixed::TEXT,
                self.surface,
            ),
            text(
                "tekst pomocniczy w stopce",
                fixed::SECONDARY_TEXT,
                self.surface,
            ),
            text("tekst na białym tle", fixed::TEXT, WHITE),
            text(
                "tekst pomocniczy i podpowiedzi",
                fixed::SECONDARY_TEXT,
                WHITE,
            ),
            text("tekst pola z fokusem", fixed::FOCUS_TEXT, fixed::FOCUS),
            text("przycisk", WHITE, fixed::BUTTON),
            text("przycisk po najechaniu", WHITE, fixed::BUTTON_HOVER),
            text("przycisk drugorzędny", fixed::TEXT, fixed::BUTTON_SECONDARY),
            text("przycisk ostrzegawczy", WHITE, fixed::BUTTON_WARNING),
            text("komunikat o błędzie", fixed::ERROR, WHITE),
            text("tytuł banera potwierdzenia", WHITE, fixed::SUCCESS),
            text("link w banerze potwierdzenia", fixed::SUCCESS, WHITE),
        ];
        pairs.extend(
            fixed::TAGS
                .iter()
                .map(|&(class, fg, bg)| text(tag_label(class), fg, bg)),
        );
        pairs
    }

    /// The stylesheet that turns these tokens into GOV.UK Frontend's custom properties.
    pub fn css(&self) -> String {
        format!(
            ":root {{\n  --govuk-brand-colour: {};\n  --govuk-inverse-text-colour: {};\n  \
             --govuk-link-colour: {};\n  --govuk-link-hover-colour: {};\n  \
             --govuk-template-background-colour: {};\n  --govuk-surface-background-colour: {};\n  \
             --govuk-surface-border-colour: {};\n}}\n",
            self.brand,
            self.on_brand,
            self.link,
            self.link_hover,
            self.surface,
            self.surface,
            self.surface_border,
        )
    }
}

fn tag_label(class: &str) -> &'static str {
    match class {
        "govuk-tag" => "znacznik statusu (niebieski)",
        "govuk-tag--green" => "znacznik statusu (zielony)",
        "govuk-tag--red" => "znacznik statusu (czerwony)",
        "govuk-tag--yellow" => "znacznik statusu (żółty)",
        "govuk-tag--grey" => "znacznik statusu (szary)",
        _ => "znacznik statusu (pomarańczowy)",
    }
}

/// OpenStreetMap's own tile server; fine for a gmina's traffic under its usage policy, but a
/// production deployment should name its own tile provider.
pub const DEFAULT_TILES: &str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
pub const DEFAULT_ATTRIBUTION: &str = "© autorzy OpenStreetMap";

/// An https URL template with the three tile placeholders and nothing that could break out of
/// an HTML attribute or a CSP source.
fn valid_tile_template(t: &str) -> bool {
    t.starts_with("https://")
        && t.len() <= 300
        && ["{z}", "{x}", "{y}"].iter().all(|p| t.contains(p))
        && t.chars().all(|c| {
            c.is_ascii_graphic() && !matches!(c, '"' | '\'' | '<' | '>' | ';' | ',' | '\\')
        })
}

impl Branding {
    /// The design tokens of this branding (its colours are valid: [`Branding::validate`] passed).
    pub fn theme(&self) -> Theme {
        let c = |s: &str| Colour::parse(s).unwrap_or(BLACK);
        Theme::derive(
            c(&self.primary_colour),
            c(&self.on_primary_colour),
            c(&self.accent_colour),
        )
    }

    /// The origin of the tile server (`https://tile.openstreetmap.org`), for the map page's CSP.
    pub fn map_tiles_origin(&self) -> String {
        let rest = &self.map_tiles["https://".len()..];
        let end = rest
            .find('/')
            .map_or(self.map_tiles.len(), |i| i + "https://".len());
        // Subdomain placeholders (`{s}.tile…`) are not valid CSP hosts: allow any subdomain.
        self.map_tiles[..end].replace("{s}", "*")
    }
}

impl Branding {
    /// What a gmina looks like before anyone customises it.
    pub fn defaults_for(g: &Gmina) -> Self {
        let display_name = g.default_display_name();
        Self {
            logo_alt: format!("Herb: {display_name}"),
            welcome_text: format!(
                "Witamy na platformie współpracy samorządu i podmiotów ekonomii społecznej — {display_name}."
            ),
            // The registry has no street addresses: name the seat and where it lies until the
            // gmina's staff enter the office's address in the panel.
            contact_address: format!(
                "Siedziba urzędu: {}, {}, województwo kujawsko-pomorskie",
                g.seat,
                if g.powiat_name.starts_with("powiat") {
                    g.powiat_name.as_str()
                } else {
                    "miasto na prawach powiatu"
                }
            ),
            display_name,
            primary_colour: DEFAULT_PRIMARY.into(),
            on_primary_colour: DEFAULT_ON_PRIMARY.into(),
            accent_colour: DEFAULT_PRIMARY.into(),
            logo: None,
            logo_object: None,
            contact_phone: None,
            contact_email: None,
            website: None,
            map_centre: g.location.unwrap_or((53.0138, 18.5984)),
            map_zoom: 12,
            map_tiles: DEFAULT_TILES.into(),
            map_attribution: DEFAULT_ATTRIBUTION.into(),
        }
    }

    /// Applies overrides on top of `self` and validates the result. On error nothing is applied.
    pub fn with_overrides(&self, o: &BrandingOverrides) -> Result<Self, Vec<BrandingError>> {
        let mut b = self.clone();
        let set = |target: &mut String, v: &Option<String>| {
            if let Some(v) = v {
                *target = v.trim().to_owned();
            }
        };
        set(&mut b.display_name, &o.display_name);
        set(&mut b.primary_colour, &o.primary_colour);
        set(&mut b.on_primary_colour, &o.on_primary_colour);
        set(&mut b.accent_colour, &o.accent_colour);
        set(&mut b.logo_alt, &o.logo_alt);
        set(&mut b.contact_address, &o.contact_address);
        set(&mut b.welcome_text, &o.welcome_text);
        set(&mut b.map_tiles, &o.map_tiles);
        set(&mut b.map_attribution, &o.map_attribution);
        let opt = |v: &Option<String>, cur: &Option<String>| match v {
            Some(v) if v.trim().is_empty() => None,
            Some(v) => Some(v.trim().to_owned()),
            None => cur.clone(),
        };
        b.logo = opt(&o.logo, &b.logo);
        b.logo_object = opt(&o.logo_object, &b.logo_object);
        b.contact_phone = opt(&o.contact_phone, &b.contact_phone);
        b.contact_email = opt(&o.contact_email, &b.contact_email);
        b.website = opt(&o.website, &b.website);
        if let Some(c) = o.map_centre {
            b.map_centre = c;
        }
        if let Some(z) = o.map_zoom {
            b.map_zoom = z.clamp(5, 18);
        }
        let errors = b.validate();
        if errors.is_empty() {
            Ok(b)
        } else {
            Err(errors)
        }
    }

    /// Every rule the branding must satisfy; empty means valid.
    pub fn validate(&self) -> Vec<BrandingError> {
        let mut errors = Vec::new();
        let mut colour = |field: &'static str, value: &str| {
            let c = Colour::parse(value);
            if c.is_none() {
                errors.push(BrandingError::BadColour {
                    field,
                    value: value.to_owned(),
                });
            }
            c
        };
        let primary = colour("primary_colour", &self.primary_colour);
        let on_primary = colour("on_primary_colour", &self.on_primary_colour);
        let accent = colour("accent_colour", &self.accent_colour);
        if let (Some(primary), Some(on_primary), Some(accent)) = (primary, on_primary, accent) {
            for pair in Theme::derive(primary, on_primary, accent).pairs() {
                if !pair.passes() {
                    errors.push(BrandingError::LowContrast {
                        what: pair.what,
                        fg: pair.fg.to_string(),
                        bg: pair.bg.to_string(),
                        ratio: pair.ratio(),
                        required: if pair.non_text { "3:1" } else { "4,5:1" },
                    });
                }
            }
        }
        for (field, value, max) in [
            ("display_name", &self.display_name, 120),
            ("logo_alt", &self.logo_alt, 200),
            ("contact_address", &self.contact_address, 300),
            ("welcome_text", &self.welcome_text, 4000),
            ("map_attribution", &self.map_attribution, 300),
        ] {
            if value.trim().is_empty() {
                errors.push(BrandingError::Empty { field });
            } else if value.chars().count() > max {
                errors.push(BrandingError::TooLong { field, max });
            }
        }
        let (lat, lon) = self.map_centre;
        if !(49.0..=55.0).contains(&lat) || !(14.0..=24.5).contains(&lon) {
            errors.push(BrandingError::MapCentre { lat, lon });
        }
        if !valid_tile_template(&self.map_tiles) {
            errors.push(BrandingError::MapTiles(self.map_tiles.clone()));
        }
        if let Some(key) = &self.logo_object {
            let safe = key.starts_with("gmina/")
                && key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'.'))
                && !key.contains("..");
            if !safe {
                errors.push(BrandingError::File {
                    path: key.clone(),
                    message: "niedozwolony klucz obiektu".into(),
                });
            }
        }
        if let Some(logo) = &self.logo {
            let safe = !logo.is_empty()
                && !logo.starts_with('.')
                && logo
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !safe {
                errors.push(BrandingError::File {
                    path: logo.clone(),
                    message: "niedozwolona nazwa pliku".into(),
                });
            }
        }
        errors
    }
}

/// Reads `branding.toml` from a gmina's folder (if present) and applies it to the registry defaults.
/// The folder is named by TERYT code, so renaming a slug keeps the branding.
pub fn load_branding_file(
    tenants_dir: &std::path::Path,
    g: &Gmina,
) -> Result<Branding, Vec<BrandingError>> {
    let defaults = Branding::defaults_for(g);
    let path = tenants_dir.join(g.teryt.as_str()).join("branding.toml");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(defaults),
        Err(e) => {
            return Err(vec![BrandingError::File {
                path: path.display().to_string(),
                message: e.to_string(),
            }]);
        }
    };
    let overrides = BrandingOverrides::from_toml(&text).map_err(|message| {
        vec![BrandingError::File {
            path: path.display().to_string(),
            message,
        }]
    })?;
    let branding = defaults.with_overrides(&overrides)?;
    if let Some(logo) = &branding.logo {
        let logo_path = path.with_file_name(logo);
        if !logo_path.is_file() {
            return Err(vec![BrandingError::File {
                path: logo_path.display().to_string(),
                message: "brak pliku herbu lub logo".into(),
            }]);
        }
    }
    Ok(branding)
}

#[cfg(test)]
mod tests {
    #[test]
    fn map_tiles_must_be_an_https_template_and_give_their_origin() {
        let base = Branding::defaults_for(&torun());
        assert_eq!(base.map_tiles_origin(), "https://tile.openstreetmap.org");
        let with = |t: &str| {
            base.with_overrides(&BrandingOverrides {
                map_tiles: Some(t.into()),
                ..Default::default()
            })
        };
        let own = with("https://{s}.kafle.torun.pl/{z}/{x}/{y}.png").unwrap();
        assert_eq!(own.map_tiles_origin(), "https://*.kafle.torun.pl");
        for bad in [
            "http://kafle.example/{z}/{x}/{y}.png",
            "https://kafle.example/{z}/{x}.png",
            "https://kafle.example/{z}/{x}/{y}.png' onerror='x",
            "https://kafle.example/{z}/{x}/{y}.png; script-src *",
        ] {
            assert!(
                matches!(with(bad).unwrap_err()[..], [BrandingError::MapTiles(_)]),
                "{bad}"
            );
        }
    }

    use super::*;
    use crate::{GminaKind, Slug, Teryt};

    fn torun() -> Gmina {
        Gmina {
            teryt: Teryt::parse("0463011").unwrap(),
            slug: Slug::parse("torun").unwrap(),
            name: "Toruń".into(),
            kind: GminaKind::Miejska,
            powiat_teryt: "0463".into(),
            powiat_name: "Toruń".into(),
            seat: "Toruń".into(),
            location: Some((53.01375, 18.59814)),
        }
    }

    #[test]
    fn contrast_ratio_follows_wcag() {
        let c = |s| Colour::parse(s).unwrap();
        assert!((c("#000000").contrast(c("#ffffff")) - 21.0).abs() < 1e-9);
        assert!((c("#777777").contrast(c("#ffffff")) - 4.48).abs() < 0.01);
        assert_eq!(c("#1D4F91").to_string(), "#1d4f91");
        for bad in ["1d4f91", "#1d4f9", "#1d4f9g", "red", "#1d4f911"] {
            assert_eq!(Colour::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn defaults_are_valid_and_named_after_the_gmina() {
        let b = Branding::defaults_for(&torun());
        assert_eq!(b.display_name, "Miasto Toruń");
        assert_eq!(
            b.contact_address,
            "Siedziba urzędu: Toruń, miasto na prawach powiatu, województwo kujawsko-pomorskie"
        );
        assert!(b.validate().is_empty());
    }

    #[test]
    fn low_contrast_pairs_are_refused_with_a_clear_message() {
        let base = Branding::defaults_for(&torun());
        let o = BrandingOverrides {
            primary_colour: Some("#ffff00".into()),
            on_primary_colour: Some("#ffffff".into()),
            ..Default::default()
        };
        let errors = base.with_overrides(&o).unwrap_err();
        let msg = errors[0].to_string();
        assert!(
            msg.starts_with("tekst i linki nagłówka")
                && msg.contains("#ffffff na tle #ffff00")
                && msg.contains("4,5:1"),
            "{msg}"
        );
        // A yellow header also hides GOV.UK's yellow focus ring: that pair is named too.
        assert!(
            errors
                .iter()
                .any(|e| e.to_string().starts_with("obwódka fokusu w nagłówku")
                    && e.to_string().contains("3:1")),
            "{errors:?}"
        );
        // Readable header text is not enough: a pale header still fails as a border on white.
        let o = BrandingOverrides {
            primary_colour: Some("#d8e4f0".into()),
            on_primary_colour: Some("#0b0c0c".into()),
            ..Default::default()
        };
        let errors = base.with_overrides(&o).unwrap_err();
        let named: Vec<&str> = errors
            .iter()
            .map(|e| match e {
                BrandingError::LowContrast { what, .. } => *what,
                other => panic!("{other:?}"),
            })
            .collect();
        assert!(
            named.contains(&"obwódka fokusu w nagłówku")
                && named.contains(&"kolor główny jako ramka banera i kart na białym tle")
                && !named.contains(&"tekst i linki nagłówka oraz tytuł banera komunikatu"),
            "{named:?}"
        );

        let o = BrandingOverrides {
            accent_colour: Some("#aaaaaa".into()),
            ..Default::default()
        };
        assert!(matches!(
            &base.with_overrides(&o).unwrap_err()[0],
            BrandingError::LowContrast { .. }
        ));
        let o = BrandingOverrides {
            accent_colour: Some("blue".into()),
            ..Default::default()
        };
        assert!(matches!(
            &base.with_overrides(&o).unwrap_err()[0],
            BrandingError::BadColour { .. }
        ));
    }

    #[test]
    fn overrides_apply_and_bad_ones_change_nothing() {
        let base = Branding::defaults_for(&torun());
        let o = BrandingOverrides::from_toml(
            "display_name = \"Gmina Miasta Toruń\"\nprimary_colour = \"#8b1a1a\"\nlogo = \"herb.svg\"\n",
        )
        .unwrap();
        let b = base.with_overrides(&o).unwrap();
        assert_eq!(
            (b.display_name.as_str(), b.logo.as_deref()),
            ("Gmina Miasta Toruń", Some("herb.svg"))
        );
        assert!(
            BrandingOverrides::from_toml("colour = 1")
                .unwrap_err()
                .contains("unknown field")
        );
        for logo in ["../secret", ".hidden", "a/b.svg"] {
            let o = BrandingOverrides {
                logo: Some(logo.into()),
                ..Default::default()
            };
            assert!(base.with_overrides(&o).is_err(), "{logo}");
        }
        let o = BrandingOverrides {
            map_centre: Some((0.0, 0.0)),
            ..Default::default()
        };
        assert!(matches!(
            &base.with_overrides(&o).unwrap_err()[0],
            BrandingError::MapCentre { .. }
        ));
    }

    #[test]
    fn branding_files_are_validated_including_contrast_and_logo() {
        let dir = std::env::temp_dir().join(format!("pestor-branding-{}", std::process::id()));
        let folder = dir.join("0463011");
        std::fs::create_dir_all(&folder).unwrap();
        assert_eq!(
            load_branding_file(&dir, &torun()).unwrap().display_name,
            "Miasto Toruń",
            "no file: defaults"
        );

        std::fs::write(
            folder.join("branding.toml"),
            "primary_colour = \"#777777\"\n",
        )
        .unwrap();
        let errors = load_branding_file(&dir, &torun()).unwrap_err();
        assert!(
            matches!(errors[0], BrandingError::LowContrast { .. }),
            "{errors:?}"
        );

        std::fs::write(folder.join("branding.toml"), "logo = \"herb.png\"\n").unwrap();
        let errors = load_branding_file(&dir, &torun()).unwrap_err();
        assert!(
            errors[0].to_string().contains("brak pliku herbu"),
            "{errors:?}"
        );
        std::fs::write(folder.join("herb.png"), b"png").unwrap();
        assert_eq!(
            load_branding_file(&dir, &torun()).unwrap().logo.as_deref(),
            Some("herb.png")
        );

        std::fs::write(folder.join("branding.toml"), "display_name = 3\n").unwrap();
        assert!(matches!(
            load_branding_file(&dir, &torun()).unwrap_err()[0],
            BrandingError::File { .. }
        ));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn links_must_read_on_the_tinted_menu_too_not_only_on_white() {
        // #6b6b6b passes on white (5.33:1) but not on Toruń's 5 % tint of a pale brand colour.
        let base = Branding::defaults_for(&torun());
        let o = BrandingOverrides {
            primary_colour: Some("#5a5a00".into()),
            accent_colour: Some("#747474".into()),
            ..Default::default()
        };
        let errors = base.with_overrides(&o).unwrap_err();
        let msgs: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("linki w menu, panelu filtrów i stopce")),
            "{msgs:?}"
        );
        assert!(
            !msgs.iter().any(|m| m.starts_with("linki na białym tle")),
            "{msgs:?}"
        );
    }

    #[test]
    fn tints_and_shades_mix_like_sass() {
        let c = |s| Colour::parse(s).unwrap();
        assert_eq!(c("#1d4f91").mix(WHITE, 0.95).to_string(), "#f4f6fa");
        assert_eq!(c("#1d4f91").mix(BLACK, 0.5).to_string(), "#0f2849");
        assert_eq!(c("#8b1a1a").mix(WHITE, 0.5).to_string(), "#c58d8d");
    }

    /// The fixed colours the contrast check assumes are the ones the built stylesheet draws, and
    /// its fallbacks are the region's default theme.
    #[test]
    fn the_checked_colours_are_the_stylesheets_colours() {
        let css = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../kit/static/pestor.css"),
        )
        .unwrap();
        let root_start = css
            .find(":root{--govuk-brand-colour")
            .expect(":root tokens");
        let root = &css[root_start..root_start + css[root_start..].find('}').unwrap()];
        let token = |name: &str| {
            let key = format!("--govuk-{name}-colour: ");
            let at = root.find(&key).unwrap_or_else(|| panic!("{name}")) + key.len();
            Colour::parse(&root[at..at + 7]).unwrap_or_else(|| panic!("{name}"))
        };
        let region = Theme::region();
        for (name, ours) in [
            ("brand", region.brand),
            ("inverse-text", region.on_brand),
            ("link", region.link),
            ("link-hover", region.link_hover),
            ("template-background", region.surface),
            ("surface-background", region.surface),
            ("surface-border", region.surface_border),
            ("text", fixed::TEXT),
            ("secondary-text", fixed::SECONDARY_TEXT),
            ("link-visited", fixed::LINK_VISITED),
            ("focus", fixed::FOCUS),
            ("focus-text", fixed::FOCUS_TEXT),
            ("error", fixed::ERROR),
            ("success", fixed::SUCCESS),
        ] {
            assert_eq!(token(name), ours, "--govuk-{name}-colour");
        }
        let rule = |selector: &str, colours: &str| {
            assert!(
                css.contains(&format!("{selector}{{{colours}")),
                "{selector} {colours}"
            );
        };
        for (class, fg, bg) in fixed::TAGS {
            let selector = format!(".{class}");
            rule(&selector, &format!("color:{fg};background-color:{bg}"));
        }
        assert!(css.contains(&format!("color:#fff;background-color:{}", fixed::BUTTON)));
        rule(
            ".govuk-button:hover",
            &format!("background-color:{}", fixed::BUTTON_HOVER),
        );
        rule(
            ".govuk-button--secondary",
            &format!("background-color:{}", fixed::BUTTON_SECONDARY),
        );
        rule(
            ".govuk-button--warning",
            &format!("background-color:{}", fixed::BUTTON_WARNING),
        );
    }

    #[test]
    fn every_pair_passes_for_every_gmina_and_the_defaults() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tenants");
        let registry = crate::Registry::load(&dir).unwrap();
        let mut themes = vec![("region".to_owned(), Theme::region())];
        for g in &registry.gminas {
            let b = load_branding_file(&dir, g).unwrap();
            themes.push((g.slug.to_string(), b.theme()));
        }
        assert_eq!(themes.len(), 145);
        for (who, theme) in &themes {
            let pairs = theme.pairs();
            assert!(pairs.len() >= 25, "{who}: {}", pairs.len());
            for p in pairs {
                assert!(
                    p.passes(),
                    "{who}: {} {} on {} = {:.2}",
                    p.what,
                    p.fg,
                    p.bg,
                    p.ratio()
                );
            }
        }
    }

    #[test]
    fn the_committed_branding_of_every_gmina_is_valid() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tenants");
        let registry = crate::Registry::load(&dir).unwrap();
        for g in &registry.gminas {
            assert!(load_branding_file(&dir, g).is_ok(), "{}", g.slug);
        }
        assert_eq!(
            load_branding_file(&dir, registry.by_slug("torun").unwrap())
                .unwrap()
                .primary_colour,
            "#8b1a1a"
        );
    }
}
