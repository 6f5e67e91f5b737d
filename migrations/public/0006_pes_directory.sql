-- The regional projection of every gmina's PES registry: one row per organisation card, kept in
-- step by the same transaction that changes the card. Used for search across gminas and for
-- "PES working in several gminas"; never the source of truth.
CREATE TABLE pes_directory (
    teryt           text NOT NULL REFERENCES tenants (teryt),
    organisation_id bigint NOT NULL,
    name            text NOT NULL,
    legal_form      text NOT NULL,
    krs             text,
    nip             text,
    status          text NOT NULL,
    areas           text[] NOT NULL,
    gmina_teryt     text NOT NULL,
    also_in         text[] NOT NULL,
    lat             double precision,
    lon             double precision,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (teryt, organisation_id)
);
CREATE INDEX pes_directory_also_in ON pes_directory USING gin (also_in);
CREATE INDEX pes_directory_krs ON pes_directory (krs) WHERE krs IS NOT NULL;
