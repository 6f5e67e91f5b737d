//! The open-data APIs (a gmina's and the portal's) against their own OpenAPI documents: schemathesis (every check, deterministic)
//! through `scripts/fuzz-api.sh`. Any failure — a 500, a schema-valid request refused, a
//! schema-violating one accepted, a response not matching the document — fails the suite.

use pestor_tests::{add_card, repo_root, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_keeps_to_its_openapi_document_under_fuzzing() {
    let app = spawn_app().await;
    add_card(
        &app,
        "torun",
        &[
            ("name", "Fundacja Na Próbę"),
            ("legal_form", "fundacja"),
            ("gmina_teryt", "0463011"),
            ("postal_code", "87-100"),
            ("locality", "Toruń"),
        ],
        &["1", "4"],
        &["0461011"],
        "verified",
    )
    .await;
    let port = app.addr.port();
    // A gmina's API and the portal's (the search across gminas).
    for host in ["torun.localhost", "localhost"] {
        let out = tokio::process::Command::new(repo_root().join("scripts/fuzz-api.sh"))
            .arg(format!("http://127.0.0.1:{port}"))
            .arg(format!("{host}:{port}"))
            .env("FUZZ_EXAMPLES", "30")
            .output()
            .await
            .expect("run scripts/fuzz-api.sh");
        let report = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "schemathesis found failures on {host}:\n{report}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(report.contains("No issues found"), "{host}: {report}");
    }
}
