//! The security headers' policies: the Content Security Policy of every page (and the two ways a
//! handler may widen it) and the Permissions Policy.

/// Content Security Policy of every page (a handler may widen `form-action`, see
/// [`csp_with_form_target`]).
pub const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// No page uses the camera, microphone, location or payment features; a script injected into one
/// cannot ask for them either (the map locates nobody: markers come from the cards).
pub const PERMISSIONS_POLICY: &str = "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()";

/// The page CSP, also allowing forms to end at `origin`: Chrome applies `form-action` to the
/// redirects that follow a submission, and sign-in on the portal redirects to the gmina's host.
pub fn csp_with_form_target(origin: &str) -> String {
    CSP.replace(
        "form-action 'self'",
        &format!("form-action 'self' {origin}"),
    )
}

/// The page CSP, also allowing map tiles from `tiles_origin` (the gmina's configured tile server).
pub fn csp_with_tiles(tiles_origin: &str) -> String {
    CSP.replace(
        "img-src 'self' data:",
        &format!("img-src 'self' data: {tiles_origin}"),
    )
}
