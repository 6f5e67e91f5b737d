//! Archives made by hand, as someone who builds a file without the deployment's key would: parts
//! changed or added, the manifest's sizes, rows and checksums computed again, the signature kept
//! (or dropped). Used by the archive tests of the platform and of the command line.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

/// The members of an archive in order: (path, bytes).
pub fn members(file: &Path) -> Vec<(String, Vec<u8>)> {
    let mut input = tar::Archive::new(flate2::read::GzDecoder::new(
        std::fs::File::open(file).unwrap(),
    ));
    input
        .entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let path = e.path().unwrap().to_string_lossy().into_owned();
            let mut data = Vec::new();
            e.read_to_end(&mut data).unwrap();
            (path, data)
        })
        .collect()
}

/// Writes `members` as a `.tar.gz`, in order.
pub fn write(to: &Path, members: &[(String, Vec<u8>)]) {
    let mut output = tar::Builder::new(flate2::write::GzEncoder::new(
        std::fs::File::create(to).unwrap(),
        flate2::Compression::fast(),
    ));
    for (path, data) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        output.append_data(&mut header, path, &data[..]).unwrap();
    }
    output.into_inner().unwrap().finish().unwrap();
}

fn sha256(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Copies the archive `from` to `to`, letting `change` edit the manifest (as JSON) and the parts;
/// then describes every table part in the manifest again as a forger would (rows, size,
/// checksum). The signature stays the original's.
pub fn forge(
    from: &Path,
    to: &Path,
    change: impl FnOnce(&mut serde_json::Value, &mut [(String, Vec<u8>)]),
) {
    let mut all = members(from);
    let mut manifest: serde_json::Value = serde_json::from_slice(&all[0].1).unwrap();
    change(&mut manifest, &mut all);
    for t in manifest["tables"].as_array_mut().unwrap() {
        let path = match t["part"].as_str().unwrap() {
            "accounts" => "accounts.copy".to_owned(),
            part => format!("{part}/{}.copy", t["table"].as_str().unwrap()),
        };
        if let Some((_, data)) = all.iter().find(|(p, _)| *p == path) {
            t["rows"] = data.iter().filter(|b| **b == b'\n').count().into();
            t["bytes"] = data.len().into();
            t["sha256"] = sha256(data).into();
        }
    }
    all[0].1 = serde_json::to_vec_pretty(&manifest).unwrap();
    write(to, &all);
}

/// The part at `path` of `members`, for changing it.
pub fn part<'a>(members: &'a mut [(String, Vec<u8>)], path: &str) -> &'a mut Vec<u8> {
    &mut members
        .iter_mut()
        .find(|(p, _)| p == path)
        .unwrap_or_else(|| panic!("no {path} in the archive"))
        .1
}

/// A forger's change (for [`forge`]): every account in the archive, and one added, given the
/// operator's role and a password hash the forger chose.
pub fn grant_operator(manifest: &mut serde_json::Value, members: &mut [(String, Vec<u8>)]) {
    for t in manifest["tables"].as_array_mut().unwrap() {
        if t["part"] == "accounts" {
            t["columns"]
                .as_array_mut()
                .unwrap()
                .extend(["password_hash".into(), "region_role".into()]);
        }
    }
    let hash = "$argon2id$v=19$m=19456,t=2,p=1$c29sdA$aGFzaA";
    let accounts = part(members, "accounts.copy");
    let mut text: String = String::from_utf8(accounts.clone())
        .unwrap()
        .lines()
        .map(|l| format!("{l}\t{hash}\toperator\n"))
        .collect();
    text.push_str(&format!(
        "999999\tatak@example.pl\tAtak\t\\N\t2026-01-01 00:00:00+00\t{hash}\toperator\n"
    ));
    *accounts = text.into_bytes();
}
