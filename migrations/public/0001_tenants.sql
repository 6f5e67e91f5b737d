-- The region's tenants and what routes to them. Tenant data itself lives in one schema per gmina
-- (named gmina_<TERYT>); nothing in this schema shares a name with a tenant table.

CREATE TABLE powiats (
    teryt text PRIMARY KEY CHECK (teryt ~ '^[0-9]{4}$'),
    name  text NOT NULL,
    seat  text NOT NULL
);

CREATE TABLE tenants (
    teryt             text PRIMARY KEY CHECK (teryt ~ '^[0-9]{6}[1-5]$'),
    slug              text NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name              text NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('miejska', 'wiejska', 'miejsko-wiejska')),
    powiat_teryt      text NOT NULL REFERENCES powiats (teryt),
    seat              text NOT NULL,
    lat               double precision,
    lon               double precision,
    status            text NOT NULL DEFAULT 'registered'
                      CHECK (status IN ('registered', 'active', 'suspended', 'archived')),
    -- Highest tenant migration applied to the schema; NULL until provisioned.
    schema_version    bigint,
    -- Branding edits made in the admin panel; layered over tenants/<teryt>/branding.toml.
    branding          jsonb NOT NULL DEFAULT '{}'::jsonb,
    provisioned_at    timestamptz,
    status_changed_at timestamptz NOT NULL DEFAULT now(),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    -- Deferred so that one sync may swap two slugs.
    CONSTRAINT tenants_slug_key UNIQUE (slug) DEFERRABLE INITIALLY DEFERRED
);

CREATE INDEX tenants_status_idx ON tenants (status);

-- Extra host names (custom domains) of a gmina, lower-case, without port.
CREATE TABLE tenant_domains (
    domain     text PRIMARY KEY CHECK (domain = lower(domain) AND domain ~ '^[a-z0-9.-]+$'),
    teryt      text NOT NULL REFERENCES tenants (teryt) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Slugs a gmina used before; their hosts redirect (301) to the current one.
CREATE TABLE tenant_slug_history (
    slug       text PRIMARY KEY,
    teryt      text NOT NULL REFERENCES tenants (teryt) ON DELETE CASCADE,
    retired_at timestamptz NOT NULL DEFAULT now()
);

-- Operator actions on tenants (sync, provision, suspend, resume, domains).
CREATE TABLE tenant_events (
    id         bigserial PRIMARY KEY,
    teryt      text NOT NULL REFERENCES tenants (teryt) ON DELETE CASCADE,
    action     text NOT NULL,
    detail     text NOT NULL DEFAULT '',
    actor      text NOT NULL DEFAULT 'cli',
    created_at timestamptz NOT NULL DEFAULT now()
);
