-- Giełda: products and services PES offer to the gmina, residents, other PES and firms.

-- Categories are per gmina (a gmina may rename or add some); these are the defaults.
CREATE TABLE offer_categories (
    code     text PRIMARY KEY CHECK (code ~ '^[a-z0-9-]{2,40}$'),
    name     text NOT NULL CHECK (length(name) BETWEEN 2 AND 100),
    position integer NOT NULL
);
INSERT INTO offer_categories (code, name, position) VALUES
    ('edukacja', 'Edukacja, doradztwo, szkolenia', 1),
    ('rozrywka', 'Rozrywka, imprezy', 2),
    ('catering', 'Catering', 3),
    ('porzadkowe', 'Usługi porządkowe', 4),
    ('budowlane', 'Usługi budowlane i remontowe', 5),
    ('rekodzielo', 'Rękodzieło', 6),
    ('opiekuncze', 'Usługi opiekuńcze', 7),
    ('poligrafia', 'Druk i poligrafia', 8),
    ('zielen', 'Zieleń i ogrodnictwo', 9),
    ('inne', 'Inne', 10);

CREATE TABLE offers (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) BETWEEN 2 AND 200),
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    category        text NOT NULL REFERENCES offer_categories (code),
    price_grosze    bigint CHECK (price_grosze BETWEEN 0 AND 99999999999),
    price_note      text NOT NULL DEFAULT '' CHECK (length(price_note) <= 200),
    target_groups   text[] NOT NULL
                    CHECK (cardinality(target_groups) > 0
                           AND target_groups <@ ARRAY['urzad', 'mieszkancy', 'pes', 'firmy']),
    -- active ↔ archived (by the organisation); active/archived → hidden (by staff, with a reason).
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived', 'hidden')),
    status_reason   text NOT NULL DEFAULT '',
    created_by      bigint REFERENCES public.accounts (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    name_key        text COLLATE "C" GENERATED ALWAYS AS (public.polish_key(name)) STORED,
    search_text     text GENERATED ALWAYS AS (public.fold(name || ' ' || description)) STORED
);
CREATE INDEX offers_organisation ON offers (organisation_id);
CREATE INDEX offers_search_trgm ON offers USING gin (search_text public.gin_trgm_ops);

-- Up to 8 ordered photos per offer; the object store keeps their variants under
-- gmina/<TERYT>/zdjecia/<object>/… (see pestor_photos::photo_key).
CREATE TABLE offer_photos (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    offer_id   bigint NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
    object     uuid NOT NULL UNIQUE,
    position   integer NOT NULL,
    alt        text NOT NULL CHECK (length(alt) BETWEEN 3 AND 300),
    width      integer NOT NULL,
    height     integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX offer_photos_offer ON offer_photos (offer_id, position);
