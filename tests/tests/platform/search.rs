//! The database's text tools that the registry and offer searches rely on: accent folding, trigram
//! similarity, and Polish collation that agrees with the Rust-side sort key.

use pestor_tests::spawn_app;

#[tokio::test]
async fn folding_finds_polish_words_typed_without_diacritics() {
    let app = spawn_app().await;
    let folded: String =
        sqlx::query_scalar("SELECT public.fold('Fundacja Bank Żywności w Łodzi — ŚWIĘTA')")
            .fetch_one(app.db.platform())
            .await
            .unwrap();
    // unaccent also folds typographic dashes to "-".
    assert_eq!(folded, "fundacja bank zywnosci w lodzi - swieta");
    let hit: bool = sqlx::query_scalar(
        "SELECT public.fold('Bank Żywności') LIKE '%' || public.fold('zywnosc') || '%'",
    )
    .fetch_one(app.db.platform())
    .await
    .unwrap();
    assert!(hit);
    // A typo still scores well above an unrelated word.
    let (typo, other): (f32, f32) = sqlx::query_as(
        "SELECT public.similarity(public.fold('Stowarzyszenie JESTEM'), public.fold('stowazyszenie')),
                public.similarity(public.fold('Stowarzyszenie JESTEM'), public.fold('catering'))",
    )
    .fetch_one(app.db.platform())
    .await
    .unwrap();
    assert!(typo > 0.3 && other < 0.1, "{typo} {other}");
}

#[tokio::test]
async fn polish_collation_in_the_database_agrees_with_the_sort_key() {
    let app = spawn_app().await;
    let names = [
        "Łódzkie Stowarzyszenie",
        "Lubicz",
        "Źródło",
        "Żywność",
        "Zakład",
        "Śląsk",
        "Szkoła",
        "Ćma",
        "Czar",
        "Cel",
        "Ala",
        "Ąb",
        "Bank",
        "Ósemka",
        "Oaza",
        "Pomoc",
        "Ńa",
        "Nowa",
    ];
    let sql = "SELECT n FROM unnest($1::text[]) AS n ORDER BY n COLLATE \"pl-x-icu\"";
    let by_database: Vec<String> = sqlx::query_scalar(sql)
        .bind(names.to_vec())
        .fetch_all(app.db.platform())
        .await
        .unwrap();
    let mut by_rust: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    by_rust.sort_by_cached_key(|n| pestor_core::polish_sort_key(n));
    assert_eq!(by_database, by_rust);
    // The precomputed key the lists sort by gives the same order, compared byte by byte.
    let by_key: Vec<String> = sqlx::query_scalar(
        "SELECT n FROM unnest($1::text[]) AS n ORDER BY polish_key(n) COLLATE \"C\", n",
    )
    .bind(names.to_vec())
    .fetch_all(app.db.platform())
    .await
    .unwrap();
    assert_eq!(by_key, by_rust);
    let pos = |n: &str| by_database.iter().position(|x| x == n).unwrap();
    assert!(
        pos("Lubicz") < pos("Łódzkie Stowarzyszenie")
            && pos("Łódzkie Stowarzyszenie") < pos("Nowa")
    );
    assert!(
        pos("Szkoła") < pos("Śląsk")
            && pos("Zakład") < pos("Źródło")
            && pos("Źródło") < pos("Żywność")
    );
}

/// Names with typographic quotes, dashes and double spaces sort as Polish readers expect: on the
/// list, in the API and the CSV, in the search across gminas — and the database's key orders
/// them exactly as the Rust key does.
#[tokio::test]
async fn quoted_names_sort_among_their_letters_everywhere() {
    let app = pestor_tests::spawn_app().await;
    let names = [
        "Stowarzyszenie Sąsiedzkie Łazienna",
        "Warsztat Terapii Zajęciowej „Słonecznik”",
        "Stowarzyszenie „JESTEM”",
        "\"Caritas\" Diecezji Toruńskiej",
        "Stowarzyszenie  Amazonki",
        "Fundacja – Dobry Start",
        "Élan Spółdzielnia Socjalna",
    ];
    let expected = [
        "\"Caritas\" Diecezji Toruńskiej",
        "Élan Spółdzielnia Socjalna",
        "Fundacja – Dobry Start",
        "Stowarzyszenie  Amazonki",
        "Stowarzyszenie „JESTEM”",
        "Stowarzyszenie Sąsiedzkie Łazienna",
        "Warsztat Terapii Zajęciowej „Słonecznik”",
    ];
    let mut in_rust = names.to_vec();
    in_rust.sort_by_key(|n| pestor_core::polish_sort_key(n));
    assert_eq!(in_rust, expected);
    let in_sql: Vec<String> = sqlx::query_scalar(
        "SELECT n FROM unnest($1::text[]) n ORDER BY public.polish_key(n) COLLATE \"C\"",
    )
    .bind(&names[..])
    .fetch_all(app.db.platform())
    .await
    .unwrap();
    assert_eq!(in_sql, expected);

    for name in names {
        pestor_tests::add_card(
            &app,
            "torun",
            &[
                ("name", name),
                ("legal_form", "stowarzyszenie"),
                ("gmina_teryt", "0463011"),
            ],
            &["1"],
            &[],
            "verified",
        )
        .await;
    }
    let order = |text: &str| -> Vec<usize> {
        let mut at: Vec<(usize, usize)> = expected
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let escaped = n.replace('"', "&quot;");
                let json = n.replace('"', "\\\"");
                let csv = n.replace('"', "\"\"");
                let found = [n.to_string(), escaped, json, csv]
                    .into_iter()
                    .filter_map(|form| text.find(&form))
                    .min()
                    .unwrap_or_else(|| panic!("{n} not in {text}"));
                (found, i)
            })
            .collect();
        at.sort();
        at.into_iter().map(|(_, i)| i).collect()
    };
    let sorted: Vec<usize> = (0..expected.len()).collect();
    for path in [
        "/podmioty?sort=nazwa",
        "/api/v1/podmioty?sort=nazwa&na_strone=100",
        "/api/v1/podmioty.csv?sort=nazwa",
    ] {
        let (status, body) = app.page("torun.localhost", path).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(order(&body), sorted, "{path}");
    }
    let (status, body) = app
        .page(
            "localhost",
            "/api/v1/szukaj?gmina=0463011&typ=podmiot&sort=nazwa&na_strone=100",
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(order(&body), sorted, "search across gminas");
}
