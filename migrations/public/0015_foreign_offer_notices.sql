-- Immediate notices of offers other gminas' PES make available in a gmina: queued for each gmina
-- the organisation's card shows in when an active offer becomes available across gminas, in the
-- transaction that projects it; Giełda's worker sends them to that gmina's immediate subscribers.
CREATE TABLE foreign_offer_notices (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    teryt        text NOT NULL REFERENCES tenants (teryt),
    source_teryt text NOT NULL REFERENCES tenants (teryt),
    offer_id     bigint NOT NULL,
    queued_at    timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz
);
CREATE INDEX foreign_offer_notices_unsent ON foreign_offer_notices (id) WHERE sent_at IS NULL;

CREATE FUNCTION queue_foreign_offer_notices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.across_gminas AND (TG_OP = 'INSERT' OR NOT OLD.across_gminas) THEN
        INSERT INTO public.foreign_offer_notices (teryt, source_teryt, offer_id)
        SELECT v.gmina, NEW.teryt, NEW.offer_id FROM public.pes_visible v
        WHERE v.teryt = NEW.teryt AND v.organisation_id = NEW.organisation_id AND v.gmina <> NEW.teryt;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER offer_directory_foreign_notices AFTER INSERT OR UPDATE ON offer_directory
    FOR EACH ROW EXECUTE FUNCTION queue_foreign_offer_notices();
