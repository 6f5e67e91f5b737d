-- Mapa wsparcia: support for the social economy entered once by the region's coordinators (ROPS,
-- the region's OWES, loan funds…) and shown on every gmina's support page beside its own entries
-- (tenant migration 0016, the same columns).
CREATE TABLE support_regional (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 3 AND 200),
    institution text NOT NULL CHECK (institution IN ('owes', 'rops', 'pup', 'ops', 'cis_kis', 'inkubator',
                                                      'fundusz', 'centrum_ngo', 'inne')),
    services    text[] NOT NULL CHECK (cardinality(services) >= 1 AND services <@ ARRAY['doradztwo', 'szkolenia',
                                       'dotacje', 'pozyczki', 'lokal', 'ksiegowosc', 'promocja']),
    audiences   text[] NOT NULL CHECK (cardinality(audiences) >= 1 AND audiences <@ ARRAY['zakladajacy', 'pes',
                                       'ngo', 'bezrobotni', 'niepelnosprawni', 'wykluczeni']),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    address     text NOT NULL CHECK (length(address) BETWEEN 3 AND 300),
    phone       text NOT NULL DEFAULT '' CHECK (length(phone) <= 50),
    email       text NOT NULL DEFAULT '' CHECK (length(email) <= 200),
    website     text NOT NULL DEFAULT '' CHECK (website = '' OR website ~ '^https?://'),
    hours       text NOT NULL DEFAULT '' CHECK (length(hours) <= 200),
    lat         double precision CHECK (lat BETWEEN 52.3 AND 53.9),
    lon         double precision CHECK (lon BETWEEN 17.2 AND 19.8),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    name_key    text COLLATE "C" GENERATED ALWAYS AS (public.polish_key(name)) STORED,
    CHECK ((lat IS NULL) = (lon IS NULL))
);
