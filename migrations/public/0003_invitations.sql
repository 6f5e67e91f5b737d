-- Invitations by e-mail to a role in a gmina, sent from the gmina's admin panel.
CREATE TABLE invitations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    teryt       text NOT NULL REFERENCES tenants (teryt),
    email       text NOT NULL,
    role        text NOT NULL CHECK (role IN ('staff', 'admin')),
    token_hash  bytea NOT NULL UNIQUE,
    invited_by  bigint REFERENCES accounts (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz,
    accepted_by bigint REFERENCES accounts (id) ON DELETE SET NULL
);
CREATE INDEX invitations_teryt ON invitations (teryt, created_at DESC);
