-- The projection carries every public field of a card, so the lists, the map and the open-data
-- API of a gmina can show, in one query, its own organisations and those of other gminas that
-- declare they also work there. Rows are rewritten by every change to their card.
ALTER TABLE pes_directory
    ADD COLUMN regon        text,
    ADD COLUMN year_founded integer,
    ADD COLUMN description  text NOT NULL DEFAULT '',
    ADD COLUMN postal_code  text,
    ADD COLUMN locality     text NOT NULL DEFAULT '',
    ADD COLUMN street       text NOT NULL DEFAULT '',
    ADD COLUMN powiat_teryt text NOT NULL DEFAULT '',
    ADD COLUMN phone        text,
    ADD COLUMN email        text,
    ADD COLUMN website      text,
    ADD COLUMN verified_at  timestamptz,
    ADD COLUMN created_at   timestamptz NOT NULL DEFAULT now();

-- The lists ask "verified cards of this gmina or working in it".
CREATE INDEX pes_directory_teryt_status ON pes_directory (teryt, status);
CREATE INDEX pes_directory_name_trgm ON pes_directory USING gin (public.fold(name) public.gin_trgm_ops);
