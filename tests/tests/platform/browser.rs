//! Real headless Chromium: the portal and a gmina render with their branding, and axe-core finds no
//! serious or critical WCAG 2.1 A/AA violation.

use pestor_tests::browser::Browser;
use pestor_tests::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_and_gmina_pages_render_branded_and_pass_axe() {
    let app = spawn_app().await;
    let browser = Browser::start().await;

    browser.goto(&app.url("localhost", "/")).await;
    let title = browser
        .eval("return document.querySelector('h1').textContent")
        .await;
    assert_eq!(
        title,
        "Platforma ekonomii społecznej województwa kujawsko-pomorskiego"
    );
    let links = browser
        .eval("return document.querySelectorAll('.gminas a').length")
        .await;
    assert_eq!(links, 3);
    assert_eq!(
        browser.serious_accessibility_violations().await,
        Vec::<String>::new(),
        "portal"
    );

    browser.goto(&app.url("torun.localhost", "/")).await;
    let header = browser
        .eval("return getComputedStyle(document.querySelector('.site-header')).backgroundColor")
        .await;
    assert_eq!(
        header, "rgb(139, 26, 26)",
        "Toruń's colour from its branding"
    );
    let logo_loaded = browser.eval("const i = document.querySelector('.brand img'); return i.complete && i.naturalWidth > 0").await;
    assert_eq!(logo_loaded, true);
    assert_eq!(
        browser.serious_accessibility_violations().await,
        Vec::<String>::new(),
        "Toruń"
    );

    browser.goto(&app.url("bydgoszcz.localhost", "/")).await;
    let header = browser
        .eval("return getComputedStyle(document.querySelector('.site-header')).backgroundColor")
        .await;
    assert_eq!(header, "rgb(29, 79, 145)", "default colour");
    assert_eq!(
        browser.serious_accessibility_violations().await,
        Vec::<String>::new(),
        "Bydgoszcz"
    );

    // Control: the checker does catch a real violation (an image without alternative text).
    browser.eval("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/branding/logo\">')").await;
    let found = browser.serious_accessibility_violations().await;
    assert!(
        found.iter().any(|v| v.starts_with("image-alt")),
        "{found:?}"
    );
}
