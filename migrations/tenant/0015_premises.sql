-- Polityka lokalowa: municipal premises offered to PES, calls (nabory) for them, applications,
-- leases and each premises' history. Money is in grosze; rents are per m² per month.

CREATE TABLE premises (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    address               text NOT NULL CHECK (length(address) BETWEEN 3 AND 200),
    district              text NOT NULL CHECK (length(district) BETWEEN 2 AND 100),
    area_m2               numeric(8, 2) NOT NULL CHECK (area_m2 > 0 AND area_m2 <= 10000),
    rooms                 integer NOT NULL CHECK (rooms BETWEEN 1 AND 100),
    floor                 integer NOT NULL CHECK (floor BETWEEN -2 AND 30),
    step_free             boolean NOT NULL DEFAULT false,
    accessible_toilet     boolean NOT NULL DEFAULT false,
    standard              text NOT NULL CHECK (standard IN ('do remontu', 'dostateczny', 'dobry', 'bardzo dobry')),
    uses                  text NOT NULL DEFAULT '' CHECK (length(uses) <= 1000),
    description           text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    rent_standard_grosze  bigint NOT NULL CHECK (rent_standard_grosze BETWEEN 0 AND 100000),
    rent_pes_grosze       bigint NOT NULL CHECK (rent_pes_grosze >= 0 AND rent_pes_grosze <= rent_standard_grosze),
    -- free: wolny; call: w naborze; leased_pes / leased_other: wynajęty; withdrawn: wycofany.
    status                text NOT NULL DEFAULT 'free'
                          CHECK (status IN ('free', 'call', 'leased_pes', 'leased_other', 'withdrawn')),
    lat                   double precision CHECK (lat BETWEEN 52.3 AND 53.9),
    lon                   double precision CHECK (lon BETWEEN 17.2 AND 19.8),
    resolution_title      text NOT NULL DEFAULT '' CHECK (length(resolution_title) <= 300),
    resolution_number     text NOT NULL DEFAULT '' CHECK (length(resolution_number) <= 50),
    resolution_date       date,
    resolution_url        text NOT NULL DEFAULT '' CHECK (resolution_url = '' OR resolution_url ~ '^https?://'),
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    district_key          text COLLATE "C" GENERATED ALWAYS AS (public.polish_key(district)) STORED,
    CHECK ((lat IS NULL) = (lon IS NULL))
);
CREATE INDEX premises_status ON premises (status);

-- What happened to a premises, for its page: added, changed, call opened, leased, withdrawn…
CREATE TABLE premises_history (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    premises_id bigint NOT NULL REFERENCES premises (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL,
    event       text NOT NULL CHECK (length(event) BETWEEN 2 AND 500)
);
CREATE INDEX premises_history_of ON premises_history (premises_id, at);

-- A call for one or more premises: PES apply until the deadline, then staff decide.
CREATE TABLE premises_calls (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title       text NOT NULL CHECK (length(title) BETWEEN 5 AND 200),
    criteria    text NOT NULL CHECK (length(criteria) BETWEEN 10 AND 5000),
    opened_at   timestamptz NOT NULL,
    -- Applications are accepted until the end of this day in Poland.
    deadline    date NOT NULL,
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'decided', 'cancelled')),
    decided_at  timestamptz
);

CREATE TABLE premises_call_items (
    call_id     bigint NOT NULL REFERENCES premises_calls (id) ON DELETE CASCADE,
    premises_id bigint NOT NULL REFERENCES premises (id),
    PRIMARY KEY (call_id, premises_id)
);

CREATE TABLE premises_applications (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id            bigint NOT NULL REFERENCES premises_calls (id) ON DELETE CASCADE,
    premises_id        bigint NOT NULL,
    organisation_teryt text NOT NULL CHECK (organisation_teryt ~ '^[0-9]{7}$'),
    organisation_id    bigint NOT NULL,
    organisation_name  text NOT NULL,
    submitted_by       bigint REFERENCES public.accounts (id) ON DELETE SET NULL,
    planned_use        text NOT NULL CHECK (length(planned_use) BETWEEN 10 AND 2000),
    justification      text NOT NULL CHECK (length(justification) BETWEEN 10 AND 5000),
    people_served      integer NOT NULL CHECK (people_served BETWEEN 1 AND 100000),
    -- An optional PDF in the object store (gmina/<teryt>/lokale/<uuid>.pdf).
    attachment         uuid UNIQUE,
    attachment_bytes   integer,
    submitted_at       timestamptz NOT NULL,
    score              integer CHECK (score BETWEEN 0 AND 100),
    result             text NOT NULL DEFAULT 'pending' CHECK (result IN ('pending', 'won', 'lost')),
    reason             text NOT NULL DEFAULT '' CHECK (length(reason) <= 2000),
    FOREIGN KEY (call_id, premises_id) REFERENCES premises_call_items (call_id, premises_id),
    -- One application per organisation and premises of a call.
    CONSTRAINT premises_applications_once UNIQUE (call_id, premises_id, organisation_teryt, organisation_id)
);
-- At most one winner per premises of a call.
CREATE UNIQUE INDEX premises_applications_one_winner ON premises_applications (call_id, premises_id)
    WHERE result = 'won';

-- Leases: to a PES (the winning application, or entered by staff) or to another entity. The
-- standard rent is kept as it was when the lease was signed, for the discount it gave.
CREATE TABLE premises_leases (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    premises_id          bigint NOT NULL REFERENCES premises (id),
    application_id       bigint REFERENCES premises_applications (id),
    tenant_name          text NOT NULL CHECK (length(tenant_name) BETWEEN 2 AND 300),
    to_pes               boolean NOT NULL,
    during               daterange NOT NULL CHECK (NOT isempty(during) AND lower_inc(during) AND NOT upper_inc(during)),
    area_m2              numeric(8, 2) NOT NULL CHECK (area_m2 > 0),
    rent_standard_grosze bigint NOT NULL CHECK (rent_standard_grosze >= 0),
    rent_charged_grosze  bigint NOT NULL CHECK (rent_charged_grosze >= 0),
    created_at           timestamptz NOT NULL DEFAULT now(),
    EXCLUDE USING gist (premises_id WITH =, during WITH &&)
);

-- Up to 8 ordered photos per premises, in the photo store like the Giełda's.
CREATE TABLE premises_photos (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    premises_id bigint NOT NULL REFERENCES premises (id) ON DELETE CASCADE,
    object      uuid NOT NULL UNIQUE,
    position    integer NOT NULL,
    alt         text NOT NULL CHECK (length(alt) BETWEEN 3 AND 300),
    width       integer NOT NULL,
    height      integer NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX premises_photos_of ON premises_photos (premises_id, position);
