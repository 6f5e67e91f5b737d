-- The regional projection of every gmina's Bank sprzętu: one row per item the public sees (active;
-- a gift while a piece is left), written by triggers on the gmina's `equipment_items` (tenant
-- migration 0014) in the transaction of the change. It answers the search across gminas and the
-- lists of a powiat's other gminas (`powiat_wide` items); never the source of truth.
CREATE TABLE equipment_directory (
    teryt         text NOT NULL REFERENCES tenants (teryt),
    item_id       bigint NOT NULL,
    name          text NOT NULL,
    description   text NOT NULL,
    kind          text NOT NULL,
    category      text NOT NULL,
    category_name text NOT NULL,
    condition     text NOT NULL,
    quantity      integer NOT NULL,
    available     integer NOT NULL,
    powiat_wide   boolean NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    name_key      text COLLATE "C" GENERATED ALWAYS AS (public.polish_key(name)) STORED,
    search_text   text GENERATED ALWAYS AS (public.fold(name || ' ' || description)) STORED,
    PRIMARY KEY (teryt, item_id)
);
CREATE INDEX equipment_directory_powiat ON equipment_directory (teryt) WHERE powiat_wide;
CREATE INDEX equipment_directory_search_trgm ON equipment_directory USING gin (search_text public.gin_trgm_ops);
