//! The kit's own rules, checked without a running app: hosts, return paths, tokens, passwords,
//! page numbers, Polish dates and plurals, template overrides, NUL detection, the catalogue.
//! (They live here rather than in the kit's own unit tests so that a kit change relinks one test
//! binary fewer; see docs/benchmarks.md.)

mod input {
    use pestor_kit::input::{encodes_nul, line_of_nul};

    #[test]
    fn nul_is_found_however_it_is_written() {
        assert!(encodes_nul(b"q=a%00b"));
        assert!(encodes_nul(b"name=x&q=%00"));
        assert!(encodes_nul(b"raw\0byte"));
        assert!(!encodes_nul(b"q=%20100%25&x=%0A"));
        assert!(!encodes_nul(b"cena=100&strona=2"));
        assert_eq!(line_of_nul("a\nb\n\0c"), Some(3));
        assert_eq!(line_of_nul("a;b\n"), None);
    }
}

mod forms {
    use pestor_kit::forms::*;

    #[test]
    fn email_shapes() {
        for ok in ["ala@torun.pl", "a.b+pes@fundacja.org.pl"] {
            assert!(valid_email(ok), "{ok}");
        }
        for bad in [
            "",
            "ala",
            "@torun.pl",
            "ala@torun",
            "ala @torun.pl",
            "a@b.pl, c@d.pl",
            "a@.pl",
            "<a@b.pl>",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
    }
}

mod tokens {
    use pestor_kit::auth::tokens::*;

    #[test]
    fn tokens_are_unique_and_hashes_stable() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash(&a), hash(&a));
        assert_ne!(hash(&a), hash(&b));
    }

    #[test]
    fn signatures_bind_every_part() {
        let key = b"k";
        let s = sign(key, &["torun.localhost", "abc"]);
        assert!(verify(key, &["torun.localhost", "abc"], &s));
        assert!(!verify(key, &["bydgoszcz.localhost", "abc"], &s));
        assert!(!verify(key, &["torun.localhost", "abd"], &s));
        assert!(!verify(b"other", &["torun.localhost", "abc"], &s));
        // The separator keeps ("ab","c") and ("a","bc") apart.
        assert_ne!(sign(key, &["ab", "c"]), sign(key, &["a", "bc"]));
        assert!(!verify(key, &["torun.localhost", "abc"], ""));
    }
}

mod access {
    use pestor_kit::auth::access::*;

    fn account(roles: &[GminaRole], region: Option<RegionRole>) -> Viewer {
        Viewer(Some(Account {
            id: 1,
            email: "a@b.pl".into(),
            display_name: "A".into(),
            region_role: region,
            roles: roles.to_vec(),
            login_id: 1,
        }))
    }

    #[test]
    fn return_paths_are_ascii() {
        assert_eq!(
            safe_return_path(Some("/podmioty?q=żółw ab")),
            "/podmioty?q=%C5%BC%C3%B3%C5%82w%20ab"
        );
        assert_eq!(safe_return_path(Some("//evil.example")), "/");
        assert_eq!(safe_return_path(Some("/a?b=1&c=%20")), "/a?b=1&c=%20");
    }

    #[test]
    fn staff_rules() {
        let staff = account(&[GminaRole::Staff], None);
        assert!(Access::Staff.allows(&staff));
        assert!(!Access::Admin.allows(&staff));
        assert!(!Access::Staff.allows(&account(&[GminaRole::PesMember], None)));
        assert!(Access::Admin.allows(&account(&[], Some(RegionRole::Operator))));
        assert!(!Access::Admin.allows(&account(&[], Some(RegionRole::Coordinator))));
        assert!(!Access::SignedIn.allows(&Viewer(None)));
        assert!(Access::Anyone.allows(&Viewer(None)));
    }

    #[test]
    fn return_paths_stay_on_this_host() {
        assert_eq!(safe_return_path(Some("/konto?x=1")), "/konto?x=1");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "",
            "konto",
            "/a\nb",
        ] {
            assert_eq!(safe_return_path(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_return_path(None), "/");
    }
}

mod password {
    use pestor_kit::auth::password::*;

    #[tokio::test]
    async fn argon2id_round_trip() {
        let h = hash("zielona łąka 2026".into()).await;
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify("zielona łąka 2026".into(), h.clone()).await);
        assert!(!verify("zielona laka 2026".into(), h).await);
        assert!(!verify("x".into(), "not a hash".into()).await);
    }

    #[test]
    fn weak_passwords_are_refused_in_polish() {
        assert!(
            check_new("krótkie", "a@b.pl")
                .unwrap()
                .contains("10 znaków")
        );
        assert!(check_new("ala@torun.pl", "ALA@torun.pl").is_some());
        assert!(check_new(&"x".repeat(201), "a@b.pl").is_some());
        assert_eq!(check_new("dość długie hasło", "a@b.pl"), None);
    }
}

mod page {
    #[test]
    fn page_numbers_are_bounded() {
        use pestor_kit::page::{MAX_PAGE, page_number, parse_page};
        assert_eq!(page_number(""), 1);
        assert_eq!(page_number("3"), 3);
        assert_eq!(page_number("abc"), 1);
        assert_eq!(page_number("-2"), 1);
        assert_eq!(page_number("0"), 1);
        assert_eq!(page_number("9223372036854775807"), MAX_PAGE);
        assert_eq!(page_number("99999999999999999999999"), MAX_PAGE);
        assert_eq!(parse_page("1e3"), None);
        assert_eq!(parse_page(" 2"), None);
    }

    use pestor_kit::page::*;

    #[test]
    fn dates_are_written_the_polish_way() {
        let d = time::Date::from_calendar_date(2026, time::Month::November, 29).unwrap();
        assert_eq!(polish_date(d), "29 listopada 2026");
    }
}

mod routing {
    use pestor_kit::routing::normalise_host;

    #[test]
    fn hosts_are_lower_cased_and_lose_their_port() {
        assert_eq!(
            normalise_host("Torun.LOCALHOST:8080").as_deref(),
            Some("torun.localhost")
        );
        assert_eq!(
            normalise_host("torun.localhost.").as_deref(),
            Some("torun.localhost")
        );
        assert_eq!(
            normalise_host("pes.torun.pl").as_deref(),
            Some("pes.torun.pl")
        );
        for bad in [
            "",
            ":80",
            "a..b",
            "-a.b",
            "a_b.pl",
            "torun.localhost:abc",
            "zażółć.pl",
            "a b",
            "[::1",
            "[::g]:80",
            "x:",
        ] {
            assert_eq!(normalise_host(bad), None, "{bad:?}");
        }
        // IPv6 literals keep their brackets (and are answered with the "open by name" page).
        assert_eq!(normalise_host("[::1]:80").as_deref(), Some("[::1]"));
        assert_eq!(
            normalise_host("[2001:DB8::1]").as_deref(),
            Some("[2001:db8::1]")
        );
    }
}

mod site {
    use std::path::Path;
    use std::sync::Arc;

    use minijinja::Value;
    use pestor_kit::catalogue::Catalogue;
    use pestor_kit::site::*;

    #[test]
    fn polish_plural_forms() {
        let p = |n: i64| {
            plural(
                Value::from(n),
                "oferta".into(),
                "oferty".into(),
                "ofert".into(),
            )
        };
        let got: Vec<String> = [0, 1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 102, 112]
            .into_iter()
            .map(p)
            .collect();
        assert_eq!(
            got,
            [
                "ofert", "oferta", "oferty", "oferty", "ofert", "ofert", "ofert", "ofert", "ofert",
                "oferty", "ofert", "oferty", "ofert"
            ]
        );
    }

    #[test]
    fn template_names_cannot_escape_the_override_folder() {
        let dir = Path::new("/srv/tenants/0463011/templates");
        assert_eq!(safe_join(dir, "base.html"), Some(dir.join("base.html")));
        for bad in ["../branding.toml", "a/../../x", ".hidden", "a//b", "a\\b"] {
            assert_eq!(safe_join(dir, bad), None, "{bad}");
        }
    }

    use pestor_kit::catalogue::{Asset, Source};

    #[test]
    fn an_override_file_wins_over_the_embedded_template() {
        let dir = std::env::temp_dir().join(format!("pestor-override-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("error.html"), "własny: {{ error.title }}").unwrap();
        let mut catalogue = Catalogue::default();
        catalogue
            .add(pestor_kit::catalogue::Contribution {
                module: "test",
                templates: &[
                    Asset {
                        name: "error.html",
                        source: Source::Embedded(b"wbudowany: {{ error.title }}"),
                    },
                    Asset {
                        name: "base.html",
                        source: Source::Embedded(b"baza"),
                    },
                ],
                static_files: &[],
                nav: &[],
                audit_labels: &[],
                csrf_exempt: &[],
                figures: &[],
                search_sources: &[],
                api_doc: None,
                gmina_data: Default::default(),
            })
            .unwrap();
        let env = environment(Arc::new(catalogue), Some(dir.clone()));
        let ctx = minijinja::context! { error => minijinja::context! { title => "T" } };
        assert_eq!(
            env.get_template("error.html").unwrap().render(ctx).unwrap(),
            "własny: T"
        );
        // Other templates still come from the modules.
        assert_eq!(
            env.get_template("base.html").unwrap().render(()).unwrap(),
            "baza"
        );
        assert!(env.get_template("missing.html").is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }
}

mod app {
    use pestor_kit::app::*;
    use pestor_kit::auth::Routes;
    use pestor_kit::catalogue::{Asset, Source};
    use pestor_kit::module::Module;

    struct Named(&'static str, &'static [Asset]);

    impl Module for Named {
        fn name(&self) -> &'static str {
            self.0
        }
        fn routes(&self, routes: Routes) -> Routes {
            routes
        }
        fn templates(&self) -> &'static [Asset] {
            self.1
        }
    }

    const LIST: &[Asset] = &[Asset {
        name: "offers/list.html",
        source: Source::Embedded(b""),
    }];

    #[test]
    fn two_modules_cannot_claim_one_template() {
        static A: Named = Named("offers", LIST);
        static B: Named = Named("equipment", LIST);
        let clash = Modules::new(&[&A, &B]).err().expect("a clash");
        assert_eq!(
            (clash.name, clash.first, clash.second),
            ("offers/list.html", "offers", "equipment")
        );
        assert!(Modules::new(&[&A]).is_ok());
        // The kit's own templates are claimed too.
        static C: Named = Named(
            "rogue",
            &[Asset {
                name: "base.html",
                source: Source::Embedded(b""),
            }],
        );
        assert_eq!(Modules::new(&[&C]).err().expect("a clash").first, "kit");
    }
}
