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
