-- E-mail notices of new offers. Anyone may subscribe; nothing is sent until the address confirms
-- (double opt-in). Empty filter arrays mean "all".
CREATE TABLE offer_subscriptions (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email          text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    categories     text[] NOT NULL DEFAULT '{}',
    target_groups  text[] NOT NULL DEFAULT '{}',
    organisations  bigint[] NOT NULL DEFAULT '{}',
    frequency      text NOT NULL CHECK (frequency IN ('immediate', 'daily')),
    -- SHA-256 of the secret in the confirmation and unsubscribe links.
    token_hash     bytea NOT NULL UNIQUE,
    confirmed_at   timestamptz,
    -- New offers after this moment go into the next daily digest.
    digest_from    timestamptz NOT NULL DEFAULT now(),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX offer_subscriptions_confirmed ON offer_subscriptions (frequency) WHERE confirmed_at IS NOT NULL;
