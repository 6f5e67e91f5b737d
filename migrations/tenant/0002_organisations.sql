-- Baza PES: the gmina's registry of social economy entities. Rows are checked by
-- pestor_core::organisation before they get here; the constraints are the last line of defence.
CREATE TABLE organisations (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL CHECK (length(name) BETWEEN 2 AND 300),
    legal_form    text NOT NULL,
    krs           text CHECK (krs ~ '^[0-9]{10}$'),
    nip           text CHECK (nip ~ '^[0-9]{10}$'),
    regon         text CHECK (regon ~ '^([0-9]{9}|[0-9]{14})$'),
    year_founded  integer CHECK (year_founded BETWEEN 1800 AND 2100),
    areas         text[] NOT NULL DEFAULT '{}',
    description   text NOT NULL DEFAULT '' CHECK (length(description) <= 10000),
    postal_code   text CHECK (postal_code ~ '^[0-9]{2}-[0-9]{3}$'),
    locality      text NOT NULL DEFAULT '',
    street        text NOT NULL DEFAULT '',
    gmina_teryt   text NOT NULL CHECK (gmina_teryt ~ '^[0-9]{6}[1-5]$'),
    powiat_teryt  text NOT NULL CHECK (powiat_teryt ~ '^[0-9]{4}$'),
    phone         text,
    email         text,
    website       text,
    lat           double precision,
    lon           double precision,
    also_in       text[] NOT NULL DEFAULT '{}',
    -- pending → verified | rejected; verified ↔ hidden (by staff, with a reason).
    status        text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'verified', 'rejected', 'hidden')),
    status_reason text NOT NULL DEFAULT '',
    verified_at   timestamptz,
    created_by    bigint REFERENCES public.accounts (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((lat IS NULL) = (lon IS NULL))
);
-- One card per KRS / NIP within a gmina (also what CSV import matches on).
CREATE UNIQUE INDEX organisations_krs_key ON organisations (krs) WHERE krs IS NOT NULL;
CREATE UNIQUE INDEX organisations_nip_key ON organisations (nip) WHERE nip IS NOT NULL;
CREATE INDEX organisations_status ON organisations (status);
-- Accent-insensitive, typo-tolerant name search ("zywnosc" finds "Bank Żywności").
CREATE INDEX organisations_name_trgm ON organisations USING gin (public.fold(name) public.gin_trgm_ops);
