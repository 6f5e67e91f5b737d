-- The gmina's stored sort keys computed again with the corrected public.polish_key() (public
-- migration 0021: punctuation no longer pushes a name to the end).
ALTER TABLE offers DROP COLUMN name_key;
ALTER TABLE offers
    ADD COLUMN name_key text COLLATE "C" GENERATED ALWAYS AS (public.polish_key(name)) STORED;
CREATE INDEX offers_active_by_name ON offers (name_key, id) WHERE status = 'active';
CREATE INDEX offers_active_by_price ON offers (price_grosze ASC NULLS LAST, name_key, id) WHERE status = 'active';

ALTER TABLE equipment_items DROP COLUMN name_key;
ALTER TABLE equipment_items
    ADD COLUMN name_key text COLLATE "C" GENERATED ALWAYS AS (public.polish_key(name)) STORED;

ALTER TABLE premises DROP COLUMN district_key;
ALTER TABLE premises
    ADD COLUMN district_key text COLLATE "C" GENERATED ALWAYS AS (public.polish_key(district)) STORED;
