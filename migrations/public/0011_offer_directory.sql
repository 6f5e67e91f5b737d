-- The regional projection of every gmina's Giełda: one row per active offer, written by a trigger
-- on the gmina's `offers` table (tenant migration 0010) in the transaction that changes the offer.
-- With pes_directory it answers the search across gminas; never the source of truth. Whether the
-- offering organisation is verified is read from pes_directory at query time.
CREATE TABLE offer_directory (
    teryt           text NOT NULL REFERENCES tenants (teryt),
    offer_id        bigint NOT NULL,
    organisation_id bigint NOT NULL,
    name            text NOT NULL,
    description     text NOT NULL,
    category        text NOT NULL,
    category_name   text NOT NULL,
    price_grosze    bigint,
    price_note      text NOT NULL,
    target_groups   text[] NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    name_key        text COLLATE "C" GENERATED ALWAYS AS (public.polish_key(name)) STORED,
    search_text     text GENERATED ALWAYS AS (public.fold(name || ' ' || description)) STORED,
    PRIMARY KEY (teryt, offer_id)
);
CREATE INDEX offer_directory_organisation ON offer_directory (teryt, organisation_id);
CREATE INDEX offer_directory_search_trgm ON offer_directory USING gin (search_text public.gin_trgm_ops);
CREATE INDEX pes_directory_name_key ON pes_directory (name_key) WHERE status = 'verified';
CREATE INDEX offer_directory_name_key ON offer_directory (name_key);
