-- Identities at external OpenID Connect providers linked to accounts, and sign-ins in flight.
CREATE TABLE account_identities (
    provider   text NOT NULL,
    subject    text NOT NULL,
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email      text,
    linked_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, subject)
);
CREATE INDEX account_identities_account ON account_identities (account_id);

-- An authorization request sent to a provider: found again by its state when the browser
-- returns, used once. The PKCE verifier and nonce never leave the server.
CREATE TABLE oidc_requests (
    state_hash    bytea PRIMARY KEY,
    provider      text NOT NULL,
    pkce_verifier text NOT NULL,
    nonce         text NOT NULL,
    target        text NOT NULL DEFAULT '',
    return_path   text NOT NULL DEFAULT '/',
    expires_at    timestamptz NOT NULL
);
