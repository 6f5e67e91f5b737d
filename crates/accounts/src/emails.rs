//! The letters accounts send: address verification, a repeated registration, password reset and change.

use pestor_kit::letters::Letter;

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
