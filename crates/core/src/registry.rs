//! The region's gminas and powiats, read from `tenants/gminy.csv` and `tenants/powiaty.csv`.
//!
//! The files carry the TERC facts of `shared/data` plus one column of ours: the slug (see `tenants/README.md`).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use crate::ids::{IdError, Slug, Teryt};

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("nie można odczytać {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{file}, wiersz {line}: {message}")]
    Row {
        file: &'static str,
        line: u64,
        message: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GminaKind {
    Miejska,
    Wiejska,
    MiejskoWiejska,
}

impl GminaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GminaKind::Miejska => "miejska",
            GminaKind::Wiejska => "wiejska",
            GminaKind::MiejskoWiejska => "miejsko-wiejska",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            GminaKind::Miejska,
            GminaKind::Wiejska,
            GminaKind::MiejskoWiejska,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// The TERC type digit (last digit of the code) that goes with this kind.
    fn type_digit(self) -> u8 {
        match self {
            GminaKind::Miejska => b'1',
            GminaKind::Wiejska => b'2',
            GminaKind::MiejskoWiejska => b'3',
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Gmina {
    pub teryt: Teryt,
    pub slug: Slug,
    pub name: String,
    pub kind: GminaKind,
    pub powiat_teryt: String,
    pub powiat_name: String,
    pub seat: String,
    /// Seat coordinates; absent where no trustworthy source exists (see shared/data/README.md).
    pub location: Option<(f64, f64)>,
}

impl Gmina {
    /// The name with its kind, which tells apart the town and the rural gmina of one name:
    /// "Chełmża (gmina miejska)".
    pub fn label(&self) -> String {
        format!("{} (gmina {})", self.name, self.kind.as_str())
    }

    /// The gmina's powiat as regional pages name it: cities with powiat rights carry their own
    /// name instead of "powiat …".
    pub fn powiat_label(&self) -> String {
        powiat_label(&self.powiat_name)
    }

    /// The name the gmina's pages carry unless branding overrides it.
    pub fn default_display_name(&self) -> String {
        match self.kind {
            GminaKind::Miejska => format!("Miasto {}", self.name),
            GminaKind::Wiejska => format!("Gmina {}", self.name),
            GminaKind::MiejskoWiejska => format!("Miasto i Gmina {}", self.name),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Powiat {
    pub teryt: String,
    pub name: String,
    pub seat: String,
}

impl Powiat {
    /// The powiat as regional pages name it (see [`Gmina::powiat_label`]).
    pub fn label(&self) -> String {
        powiat_label(&self.name)
    }
}

fn powiat_label(name: &str) -> String {
    if name.starts_with("powiat ") {
        name.to_owned()
    } else {
        format!("{name} (miasto na prawach powiatu)")
    }
}

#[derive(Debug, Clone)]
pub struct Registry {
    pub gminas: Vec<Gmina>,
    pub powiats: Vec<Powiat>,
}

#[derive(serde::Deserialize)]
struct GminaRow {
    teryt: String,
    slug: String,
    name: String,
    kind: String,
    powiat_teryt: String,
    powiat_name: String,
    seat: String,
    lat: String,
    lon: String,
}

impl Registry {
    /// Reads and validates `gminy.csv` and `powiaty.csv` from `dir`.
    pub fn load(dir: &Path) -> Result<Self, RegistryError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|source| RegistryError::Io {
                path: path.display().to_string(),
                source,
            })
        };
        Self::parse(&read("gminy.csv")?, &read("powiaty.csv")?)
    }

    pub fn parse(gminy_csv: &str, powiaty_csv: &str) -> Result<Self, RegistryError> {
        let powiats = parse_powiats(powiaty_csv)?;
        let known_powiats: BTreeMap<&str, &Powiat> =
            powiats.iter().map(|p| (p.teryt.as_str(), p)).collect();
        let mut gminas = Vec::new();
        let (mut terc_seen, mut slug_seen) = (HashSet::new(), HashSet::new());
        let mut reader = csv::Reader::from_reader(gminy_csv.as_bytes());
        for (index, row) in reader.deserialize::<GminaRow>().enumerate() {
            // Line 1 is the header; records never span lines in these files.
            let line = index as u64 + 2;
            let fail = |line: u64, message: String| RegistryError::Row {
                file: "gminy.csv",
                line,
                message,
            };
            let row = row.map_err(|e| fail(line, format!("niepoprawny wiersz: {e}")))?;
            let id_err = |e: IdError| fail(line, e.to_string());
            let teryt = Teryt::parse(&row.teryt).map_err(id_err)?;
            let slug = Slug::parse(&row.slug).map_err(id_err)?;
            let kind = GminaKind::parse(&row.kind)
                .ok_or_else(|| fail(line, format!("nieznany rodzaj gminy „{}”", row.kind)))?;
            if teryt.as_str().as_bytes()[6] != kind.type_digit() {
                return Err(fail(
                    line,
                    format!("rodzaj „{}” nie zgadza się z kodem {teryt}", row.kind),
                ));
            }
            if row.powiat_teryt != teryt.powiat()
                || !known_powiats.contains_key(row.powiat_teryt.as_str())
            {
                return Err(fail(
                    line,
                    format!("nieznany powiat {} dla gminy {teryt}", row.powiat_teryt),
                ));
            }
            if row.name.trim().is_empty() || row.seat.trim().is_empty() {
                return Err(fail(line, "brak nazwy gminy lub siedziby".into()));
            }
            let location = parse_location(&row.lat, &row.lon).map_err(|m| fail(line, m))?;
            if !terc_seen.insert(teryt.clone()) {
                return Err(fail(line, format!("kod {teryt} występuje dwa razy")));
            }
            if !slug_seen.insert(slug.clone()) {
                return Err(fail(line, format!("adres „{slug}” występuje dwa razy")));
            }
            gminas.push(Gmina {
                teryt,
                slug,
                name: row.name,
                kind,
                powiat_teryt: row.powiat_teryt,
                powiat_name: row.powiat_name,
                seat: row.seat,
                location,
            });
        }
        Ok(Self { gminas, powiats })
    }

    pub fn by_teryt(&self, teryt: &Teryt) -> Option<&Gmina> {
        self.gminas.iter().find(|g| &g.teryt == teryt)
    }

    /// "Toruń (gmina miejska)" for a TERYT code as stored; the code itself if no gmina has it.
    pub fn gmina_label(&self, teryt: &str) -> String {
        self.gminas
            .iter()
            .find(|g| g.teryt.as_str() == teryt)
            .map_or_else(|| teryt.to_owned(), Gmina::label)
    }

    pub fn by_slug(&self, slug: &str) -> Option<&Gmina> {
        self.gminas.iter().find(|g| g.slug.as_str() == slug)
    }
}

fn parse_powiats(csv_text: &str) -> Result<Vec<Powiat>, RegistryError> {
    #[derive(serde::Deserialize)]
    struct Row {
        teryt: String,
        name: String,
        seat: String,
    }
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let mut out = Vec::new();
    for (index, row) in reader.deserialize::<Row>().enumerate() {
        let line = index as u64 + 2;
        let row = row.map_err(|e| RegistryError::Row {
            file: "powiaty.csv",
            line,
            message: e.to_string(),
        })?;
        if row.teryt.len() != 4 || !row.teryt.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegistryError::Row {
                file: "powiaty.csv",
                line,
                message: format!("kod powiatu musi mieć 4 cyfry: „{}”", row.teryt),
            });
        }
        out.push(Powiat {
            teryt: row.teryt,
            name: row.name,
            seat: row.seat,
        });
    }
    Ok(out)
}

fn parse_location(lat: &str, lon: &str) -> Result<Option<(f64, f64)>, String> {
    if lat.is_empty() && lon.is_empty() {
        return Ok(None);
    }
    let lat: f64 = lat
        .parse()
        .map_err(|_| format!("niepoprawna szerokość geograficzna „{lat}”"))?;
    let lon: f64 = lon
        .parse()
        .map_err(|_| format!("niepoprawna długość geograficzna „{lon}”"))?;
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(format!("współrzędne poza zakresem: {lat}, {lon}"));
    }
    Ok(Some((lat, lon)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const POWIATY: &str = "teryt,name,seat\n0463,Toruń,Toruń\n0415,powiat toruński,Toruń\n";
    const HEADER: &str = "teryt,slug,name,kind,powiat_teryt,powiat_name,seat,lat,lon\n";

    fn parse(rows: &str) -> Result<Registry, RegistryError> {
        Registry::parse(&format!("{HEADER}{rows}"), POWIATY)
    }

    #[test]
    fn the_committed_registry_has_all_144_gminas_of_the_region() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tenants");
        let reg = Registry::load(&dir).unwrap();
        assert_eq!(reg.gminas.len(), 144);
        assert_eq!(reg.powiats.len(), 23);
        let count = |k| reg.gminas.iter().filter(|g| g.kind == k).count();
        assert_eq!(
            (
                count(GminaKind::Miejska),
                count(GminaKind::MiejskoWiejska),
                count(GminaKind::Wiejska)
            ),
            (17, 39, 88)
        );
        let torun = reg.by_slug("torun").unwrap();
        assert_eq!(torun.teryt.as_str(), "0463011");
        assert_eq!(torun.default_display_name(), "Miasto Toruń");
        // An urban and a rural gmina share a name: the rural one gets the "gmina-" prefix.
        assert_eq!(reg.by_slug("chelmza").unwrap().teryt.as_str(), "0415011");
        assert_eq!(
            reg.by_slug("gmina-chelmza").unwrap().teryt.as_str(),
            "0415022"
        );
        // Two rural gminas named Rogowo are told apart by their powiat.
        assert_eq!(reg.by_slug("rogowo-rypinski").unwrap().powiat_teryt, "0412");
        assert_eq!(reg.by_slug("rogowo-zninski").unwrap().powiat_teryt, "0419");
        assert_eq!(
            reg.by_teryt(&Teryt::parse("0404032").unwrap())
                .unwrap()
                .location,
            None
        );
    }

    #[test]
    fn the_registry_matches_the_shared_reference_data_where_it_is_present() {
        let shared = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/kujawsko-pomorskie-gminy.csv");
        let Ok(text) = std::fs::read_to_string(&shared) else {
            return;
        };
        let reg =
            Registry::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tenants")).unwrap();
        let mut n = 0;
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let g = reg.by_teryt(&Teryt::parse(f[0]).unwrap()).unwrap();
            assert_eq!(
                (g.name.as_str(), g.kind.as_str(), g.seat.as_str()),
                (f[1], f[2], f[5])
            );
            n += 1;
        }
        assert_eq!(n, 144);
    }

    #[test]
    fn bad_rows_are_refused_with_their_line_number() {
        let cases = [
            (
                "0463011,torun,Toruń,wiejska,0463,Toruń,Toruń,53.0,18.6\n",
                "rodzaj",
            ),
            (
                "0463011,Toruń,Toruń,miejska,0463,Toruń,Toruń,53.0,18.6\n",
                "małe litery",
            ),
            (
                "0463011,www,Toruń,miejska,0463,Toruń,Toruń,53.0,18.6\n",
                "zarezerwowana",
            ),
            (
                "0499011,torun,Toruń,miejska,0499,Toruń,Toruń,53.0,18.6\n",
                "nieznany powiat",
            ),
            (
                "0463011,torun,Toruń,miejska,0463,Toruń,Toruń,253.0,18.6\n",
                "poza zakresem",
            ),
            (
                "0463011,torun,Toruń,miejska,0463,Toruń,Toruń,x,18.6\n",
                "szerokość",
            ),
        ];
        for (row, expected) in cases {
            let err = parse(row).unwrap_err().to_string();
            assert!(
                err.contains("wiersz 2") && err.contains(expected),
                "{row}: {err}"
            );
        }
        let dup = "0463011,torun,Toruń,miejska,0463,Toruń,Toruń,,\n0415011,torun,Chełmża,miejska,0415,powiat toruński,Chełmża,,\n";
        assert!(
            parse(dup)
                .unwrap_err()
                .to_string()
                .contains("adres „torun” występuje dwa razy")
        );
    }
}
