//! Who may do what. Every route is added through [`Routes::add`] with exactly one [`Access`] rule
//! and the hosts it exists on; the same table drives enforcement and the authorisation-matrix test.

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::MethodRouter;

pub use crate::catalogue::Hosts;
use crate::error::AppError;
use crate::site::Site;
use crate::state::AppState;

/// A role within one gmina.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GminaRole {
    PesMember,
    Staff,
    Admin,
}

impl GminaRole {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pes_member" => Some(Self::PesMember),
            "staff" => Some(Self::Staff),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PesMember => "pes_member",
            Self::Staff => "staff",
            Self::Admin => "admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::PesMember => "członek organizacji (PES)",
            Self::Staff => "pracownik urzędu",
            Self::Admin => "administrator gminy",
        }
    }
}

/// A role across the region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionRole {
    Coordinator,
    Operator,
}

impl RegionRole {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "coordinator" => Some(Self::Coordinator),
            "operator" => Some(Self::Operator),
            _ => None,
        }
    }
}

/// The signed-in person, with their roles in the gmina of this request.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub region_role: Option<RegionRole>,
    /// Roles in the gmina being viewed (empty on the portal).
    pub roles: Vec<GminaRole>,
    #[serde(skip)]
    pub login_id: i64,
}

impl Account {
    pub fn has(&self, role: GminaRole) -> bool {
        self.roles.contains(&role)
    }
    pub fn is_operator(&self) -> bool {
        self.region_role == Some(RegionRole::Operator)
    }
}

/// Who is asking: set on every request by the session layer.
#[derive(Debug, Clone, Default)]
pub struct Viewer(pub Option<Account>);

/// The rule of one route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Everyone, signed in or not.
    Anyone,
    /// Any signed-in account (a resident has no role).
    SignedIn,
    /// A member of an organisation in this gmina.
    PesMember,
    /// A member of an organisation in this gmina, or its staff (the handler then checks which
    /// organisation).
    MemberOrStaff,
    /// Staff or admin of this gmina; operators too.
    Staff,
    /// Admin of this gmina; operators too.
    Admin,
    /// Regional coordinators and operators.
    Coordinator,
}

impl Access {
    pub fn allows(self, viewer: &Viewer) -> bool {
        let Some(a) = &viewer.0 else {
            return self == Access::Anyone;
        };
        match self {
            Access::Anyone | Access::SignedIn => true,
            Access::PesMember => a.has(GminaRole::PesMember),
            Access::MemberOrStaff => {
                Access::PesMember.allows(viewer) || Access::Staff.allows(viewer)
            }
            Access::Staff => a.is_operator() || a.has(GminaRole::Staff) || a.has(GminaRole::Admin),
            Access::Admin => a.is_operator() || a.has(GminaRole::Admin),
            Access::Coordinator => a.region_role.is_some(),
        }
    }
}

/// What a route answers with, errors included: a page for people, or JSON for programs (the
/// open-data API: `{"error": {"title", "message"}}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Page,
    Json,
}

/// One row of the route table.
#[derive(Debug, Clone)]
pub struct RouteRule {
    /// The module that registered the route ([`crate::module::Module::name`]).
    pub module: &'static str,
    pub path: &'static str,
    pub methods: &'static [&'static str],
    pub hosts: Hosts,
    pub access: Access,
    pub format: Format,
}

/// A router that remembers the rule of every route it was given.
pub struct Routes {
    router: Router<AppState>,
    rules: Vec<RouteRule>,
    module: &'static str,
}

impl Default for Routes {
    fn default() -> Self {
        Self {
            router: Router::new(),
            rules: Vec::new(),
            module: "",
        }
    }
}

impl Routes {
    /// Marks the routes added next as `name`'s (the app does this before each module's turn).
    pub fn module(mut self, name: &'static str) -> Self {
        self.module = name;
        self
    }

    pub fn add(
        self,
        path: &'static str,
        methods: &'static [&'static str],
        hosts: Hosts,
        access: Access,
        handler: MethodRouter<AppState>,
    ) -> Self {
        self.with_format(path, methods, hosts, access, Format::Page, handler)
    }

    /// A form that sends a file (multipart). Its handler reads the body itself within the one
    /// upload limit, `storage.max_upload_bytes` ([`crate::photos::read_upload`] refuses more with
    /// a message naming it), so axum's default 2 MB body limit must not cut it short first.
    pub fn upload(
        self,
        path: &'static str,
        methods: &'static [&'static str],
        hosts: Hosts,
        access: Access,
        handler: MethodRouter<AppState>,
    ) -> Self {
        let handler = handler.layer(axum::extract::DefaultBodyLimit::disable());
        self.with_format(path, methods, hosts, access, Format::Page, handler)
    }

    /// A read-only route of the open-data API: GET only, answers and errors in JSON. Its path is
    /// fixed (no `{…}` segments), so layers that run before routing can tell it by its path.
    pub fn api(
        self,
        path: &'static str,
        hosts: Hosts,
        access: Access,
        handler: MethodRouter<AppState>,
    ) -> Self {
        assert!(!path.contains('{'), "API paths are fixed: {path}");
        self.with_format(path, &["GET"], hosts, access, Format::Json, handler)
    }

    fn with_format(
        mut self,
        path: &'static str,
        methods: &'static [&'static str],
        hosts: Hosts,
        access: Access,
        format: Format,
        handler: MethodRouter<AppState>,
    ) -> Self {
        let rule = RouteRule {
            module: self.module,
            path,
            methods,
            hosts,
            access,
            format,
        };
        self.router = self.router.route(
            path,
            handler.layer(from_fn_with_state(rule.clone(), enforce)),
        );
        self.rules.push(rule);
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<RouteRule>) {
        (self.router, self.rules)
    }
}

/// Checks a route's rule before its handler runs. Anonymous visitors are sent to sign in (GET) or
/// refused with 401; signed-in people without the role get 403; a route on the wrong host is 404.
async fn enforce(State(rule): State<RouteRule>, req: Request, next: Next) -> Response {
    let site = req.extensions().get::<Site>().cloned();
    let viewer = req
        .extensions()
        .get::<Viewer>()
        .cloned()
        .unwrap_or_default();
    let Some(site) = site else {
        return next.run(req).await; // host-independent routes (probes, static files)
    };
    if !rule.hosts.admits(&site) {
        return AppError::NotFound.into_response();
    }
    if rule.access.allows(&viewer) {
        return next.run(req).await;
    }
    if viewer.0.is_none() {
        if req.method() == axum::http::Method::GET {
            let back = req.uri().path_and_query().map_or("/", |p| p.as_str());
            let target = format!("/logowanie?powrot={}", urlencode(back));
            return Redirect::to(&target).into_response();
        }
        return AppError::SignInRequired.into_response();
    }
    AppError::Forbidden.into_response()
}

/// Percent-encodes a query-string value.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A path on this host that is safe to redirect to after sign-in; anything else becomes `/`.
pub fn safe_return_path(p: Option<&str>) -> String {
    match p {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && !p.chars().any(char::is_control) =>
        {
            // Non-ASCII text (a typed Polish path) is percent-encoded: it ends up in `Location`,
            // which carries ASCII only.
            let mut out = String::with_capacity(p.len());
            for c in p.chars() {
                if c.is_ascii_graphic() {
                    out.push(c);
                } else {
                    let mut buf = [0; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        out.push_str(&format!("%{b:02X}"));
                    }
                }
            }
            out
        }
        _ => "/".to_owned(),
    }
}
