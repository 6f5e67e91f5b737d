-- Why a gmina is suspended, shown on its site while it is.
ALTER TABLE tenants ADD COLUMN status_reason text NOT NULL DEFAULT '';

-- A coordinator's request to bring a gmina onto the platform, and how far it got. The work runs
-- outside the request (a coordinator may close the tab); the page shows this row as progress.
CREATE TABLE tenant_onboardings (
    id           bigserial PRIMARY KEY,
    teryt        text NOT NULL REFERENCES tenants (teryt),
    admin_email  text NOT NULL,
    branding     jsonb NOT NULL DEFAULT '{}',
    requested_by bigint REFERENCES accounts (id) ON DELETE SET NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    -- 'schema' (creating and migrating the schema), 'activation' (branding, the invitation and the
    -- status, in one transaction), 'done'.
    step         text NOT NULL DEFAULT 'schema' CHECK (step IN ('schema', 'activation', 'done')),
    finished_at  timestamptz,
    error        text
);

-- One onboarding at a time per gmina.
CREATE UNIQUE INDEX tenant_onboardings_running_idx ON tenant_onboardings (teryt) WHERE finished_at IS NULL;
CREATE INDEX tenant_onboardings_teryt_idx ON tenant_onboardings (teryt, started_at DESC);
