-- A gmina's say over the cards of other gminas' PES that declare they also work there (their
-- "also works in" list puts them in its registry, map and open data): its staff are told, and may
-- hide such a card from their own site with a reason. The home gmina's verification stands.

-- Cards hidden by gmina `teryt` from its site; `source_teryt` holds the card.
CREATE TABLE foreign_hidden (
    teryt           text NOT NULL REFERENCES tenants (teryt),
    source_teryt    text NOT NULL REFERENCES tenants (teryt),
    organisation_id bigint NOT NULL,
    reason          text NOT NULL CHECK (length(reason) BETWEEN 10 AND 500),
    hidden_by       bigint REFERENCES accounts (id) ON DELETE SET NULL,
    hidden_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (teryt, source_teryt, organisation_id)
);

-- Letters to a gmina's staff that a card of another gmina now appears in its registry. Queued by
-- the trigger below in the transaction that projects the card; a worker sends them.
CREATE TABLE foreign_notices (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    teryt           text NOT NULL REFERENCES tenants (teryt),
    source_teryt    text NOT NULL REFERENCES tenants (teryt),
    organisation_id bigint NOT NULL,
    queued_at       timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);
CREATE INDEX foreign_notices_unsent ON foreign_notices (id) WHERE sent_at IS NULL;

-- A verified card that starts to name a gmina (or is verified while naming it) is news there.
CREATE FUNCTION queue_foreign_notices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.foreign_notices (teryt, source_teryt, organisation_id)
    SELECT g, NEW.teryt, NEW.organisation_id
    FROM unnest(NEW.also_in) g JOIN public.tenants t ON t.teryt = g
    WHERE NEW.status = 'verified' AND g <> NEW.teryt
      AND (TG_OP = 'INSERT' OR OLD.status <> 'verified' OR NOT (g = ANY (OLD.also_in)));
    RETURN NEW;
END
$$;

CREATE TRIGGER pes_directory_foreign_notices AFTER INSERT OR UPDATE ON pes_directory
    FOR EACH ROW EXECUTE FUNCTION queue_foreign_notices();
