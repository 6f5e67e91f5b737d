-- Accounts, sign-ins, sessions, roles, one-time tokens, the e-mail outbox and the audit log.
-- One person has one account for the whole region; roles are granted per gmina (by TERYT).

CREATE TABLE accounts (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email             text NOT NULL CHECK (length(email) <= 254),
    display_name      text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 120),
    -- argon2id PHC string; NULL for accounts that only sign in through an identity provider.
    password_hash     text,
    email_verified_at timestamptz,
    region_role       text CHECK (region_role IN ('coordinator', 'operator')),
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX accounts_email_key ON accounts (lower(email));

-- One sign-in of a person. Every host it reached (portal, gminas, custom domains) has its own
-- session row pointing here; ending the login signs out everywhere at once.
CREATE TABLE logins (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    ended_at   timestamptz
);
CREATE INDEX logins_account ON logins (account_id);

-- The cookie holds a random token; only its SHA-256 is stored, bound to the host that issued it.
CREATE TABLE sessions (
    token_hash   bytea PRIMARY KEY,
    login_id     bigint NOT NULL REFERENCES logins (id) ON DELETE CASCADE,
    host         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_login ON sessions (login_id);

-- One-time codes handing a portal sign-in over to a gmina host (single use, short-lived).
CREATE TABLE handover_codes (
    code_hash  bytea PRIMARY KEY,
    login_id   bigint NOT NULL REFERENCES logins (id) ON DELETE CASCADE,
    host       text NOT NULL,
    expires_at timestamptz NOT NULL
);

-- Links sent by e-mail: verification, password reset, change of e-mail, invitations.
CREATE TABLE account_tokens (
    token_hash bytea PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    purpose    text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'change_email')),
    new_email  text,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX account_tokens_account ON account_tokens (account_id, purpose);

-- Roles within a gmina. pes_member rows name the organisation (a row of the gmina's schema).
CREATE TABLE gmina_roles (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    teryt           text NOT NULL REFERENCES tenants (teryt),
    role            text NOT NULL CHECK (role IN ('pes_member', 'staff', 'admin')),
    organisation_id bigint,
    granted_by      bigint REFERENCES accounts (id) ON DELETE SET NULL,
    granted_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'pes_member') = (organisation_id IS NOT NULL))
);
CREATE UNIQUE INDEX gmina_roles_key ON gmina_roles (account_id, teryt, role, coalesce(organisation_id, 0));
CREATE INDEX gmina_roles_teryt ON gmina_roles (teryt);

-- Failed sign-ins and rate-limited requests, by key ("login:ip:…", "login:acct:…", "reset:ip:…").
-- In the database so that every replica sees the same counts.
CREATE TABLE throttle (
    key          text PRIMARY KEY,
    hits         integer NOT NULL,
    window_start timestamptz NOT NULL
);

-- Keys the platform generates for itself (signing CSRF tokens), shared by every replica.
CREATE TABLE server_secrets (
    name       text PRIMARY KEY,
    value      bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Every e-mail goes here first, in the transaction of the change that causes it; a background
-- sender delivers it with retries. Nothing acknowledged to a user is lost if SMTP is down.
CREATE TABLE outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    teryt       text REFERENCES tenants (teryt),
    to_address  text NOT NULL,
    subject     text NOT NULL,
    body_text   text NOT NULL,
    body_html   text NOT NULL,
    headers     jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    send_after  timestamptz NOT NULL DEFAULT now(),
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text,
    sent_at     timestamptz
);
CREATE INDEX outbox_pending ON outbox (send_after) WHERE sent_at IS NULL;

-- Staff, admin, coordinator and operator actions. teryt NULL: a region-level action.
CREATE TABLE audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    account_id bigint REFERENCES accounts (id) ON DELETE SET NULL,
    actor      text NOT NULL,
    teryt      text REFERENCES tenants (teryt),
    action     text NOT NULL,
    details    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_teryt ON audit_log (teryt, at DESC);
