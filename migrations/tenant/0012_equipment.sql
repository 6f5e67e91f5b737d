-- Bank sprzętu: equipment given away (przekazanie) or lent free of charge (użyczenie) to PES.

-- Categories are per gmina (it may rename or add some); these are the defaults.
CREATE TABLE equipment_categories (
    code     text PRIMARY KEY CHECK (code ~ '^[a-z0-9-]{2,40}$'),
    name     text NOT NULL CHECK (length(name) BETWEEN 2 AND 100),
    position integer NOT NULL
);
INSERT INTO equipment_categories (code, name, position) VALUES
    ('biuro', 'Dla firmy i biura', 1),
    ('komputery', 'Komputery i elektronika', 2),
    ('meble', 'Meble', 3),
    ('audio-wideo', 'Audio-wideo i foto', 4),
    ('instrumenty', 'Instrumenty', 5),
    ('sport', 'Sport i rekreacja', 6),
    ('inne', 'Inne', 7);

CREATE TABLE equipment_items (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL CHECK (length(name) BETWEEN 2 AND 200),
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    category        text NOT NULL REFERENCES equipment_categories (code),
    -- gift: given away for good; loan: lent free of charge for a time.
    kind            text NOT NULL CHECK (kind IN ('gift', 'loan')),
    condition       text NOT NULL CHECK (condition IN ('nowy', 'bardzo dobry', 'dobry', 'uzywany', 'do naprawy')),
    -- Identical pieces: `quantity` of them were offered; `available` are still to be given
    -- away (a gift leaves the list at zero, its history stays). A loan's units are 1..quantity.
    quantity        integer NOT NULL CHECK (quantity BETWEEN 1 AND 500),
    available       integer NOT NULL CHECK (available BETWEEN 0 AND quantity),
    pickup_place    text NOT NULL CHECK (length(pickup_place) BETWEEN 3 AND 300),
    pickup_hours    text NOT NULL DEFAULT '' CHECK (length(pickup_hours) <= 200),
    giver_id        bigint REFERENCES public.accounts (id) ON DELETE SET NULL,
    -- Given on behalf of one of the giver's organisations (a card of this gmina), or of the urząd.
    on_behalf_of    bigint,
    by_office       boolean NOT NULL DEFAULT false,
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'withdrawn', 'hidden')),
    status_reason   text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    name_key        text COLLATE "C" GENERATED ALWAYS AS (public.polish_key(name)) STORED,
    search_text     text GENERATED ALWAYS AS (public.fold(name || ' ' || description)) STORED,
    CHECK (NOT (by_office AND on_behalf_of IS NOT NULL))
);
CREATE INDEX equipment_items_list ON equipment_items (status, kind, category);
CREATE INDEX equipment_items_search ON equipment_items USING gin (search_text public.gin_trgm_ops);

-- Requests for a gift: a PES asks, the giver accepts one and marks it handed over.
CREATE TABLE equipment_requests (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id         bigint NOT NULL REFERENCES equipment_items (id) ON DELETE CASCADE,
    organisation_id bigint NOT NULL,
    requested_by    bigint REFERENCES public.accounts (id) ON DELETE SET NULL,
    justification   text NOT NULL CHECK (length(justification) BETWEEN 10 AND 1000),
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'accepted', 'declined', 'handed_over', 'withdrawn')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    decided_at      timestamptz
);
CREATE INDEX equipment_requests_item ON equipment_requests (item_id, status);

-- Loans: a PES asks for a date range of one unit; approved and lent loans of a unit never
-- overlap — the database refuses it, whatever the code does.
CREATE TABLE equipment_loans (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id         bigint NOT NULL REFERENCES equipment_items (id) ON DELETE CASCADE,
    unit            integer NOT NULL CHECK (unit >= 1),
    organisation_id bigint NOT NULL,
    requested_by    bigint REFERENCES public.accounts (id) ON DELETE SET NULL,
    during          daterange NOT NULL CHECK (NOT isempty(during) AND lower_inc(during) AND NOT upper_inc(during)),
    justification   text NOT NULL CHECK (length(justification) BETWEEN 10 AND 1000),
    status          text NOT NULL DEFAULT 'requested'
                    CHECK (status IN ('requested', 'approved', 'declined', 'lent', 'returned', 'withdrawn')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    decided_at      timestamptz,
    returned_at     timestamptz,
    EXCLUDE USING gist (item_id WITH =, unit WITH =, during WITH &&)
        WHERE (status IN ('approved', 'lent'))
);
CREATE INDEX equipment_loans_item ON equipment_loans (item_id, status);
