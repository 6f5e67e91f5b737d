-- Klauzule społeczne: the gmina's register of procurements with social clauses, what each clause
-- requires, and the checks made while the contract runs. Money in grosze (euro in cents).
CREATE TABLE procurements (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference            text NOT NULL UNIQUE CHECK (length(reference) BETWEEN 2 AND 60),
    subject              text NOT NULL CHECK (length(subject) BETWEEN 5 AND 500),
    kind                 text NOT NULL CHECK (kind IN ('uslugi', 'dostawy', 'roboty')),
    value_grosze         bigint NOT NULL CHECK (value_grosze >= 0),
    value_euro_cents     bigint CHECK (value_euro_cents >= 0),
    procedure            text NOT NULL CHECK (procedure IN ('zapytanie_ofertowe', 'tryb_podstawowy',
                             'przetarg_nieograniczony', 'przetarg_ograniczony', 'negocjacje', 'z_wolnej_reki', 'inny')),
    department           text NOT NULL DEFAULT '' CHECK (length(department) <= 200),
    published_on         date,
    offers_due           date,
    status               text NOT NULL DEFAULT 'planned'
                         CHECK (status IN ('planned', 'announced', 'decided', 'in_progress', 'completed', 'cancelled')),
    contractor_name      text NOT NULL DEFAULT '' CHECK (length(contractor_name) <= 300),
    contractor_nip       text CHECK (contractor_nip ~ '^[0-9]{10}$'),
    -- A contractor that is a PES: its card (home gmina and id); its name kept as it was.
    contractor_teryt     text CHECK (contractor_teryt ~ '^[0-9]{7}$'),
    contractor_org_id    bigint,
    contract_value_grosze bigint CHECK (contract_value_grosze >= 0),
    responsible_id       bigint REFERENCES public.accounts (id) ON DELETE SET NULL,
    -- Historic or made-up figures of the demo are marked as such.
    demo                 boolean NOT NULL DEFAULT false,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK ((contractor_teryt IS NULL) = (contractor_org_id IS NULL)),
    CHECK (offers_due IS NULL OR published_on IS NULL OR offers_due >= published_on)
);
CREATE INDEX procurements_status ON procurements (status);

CREATE TABLE procurement_clauses (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    procurement_id bigint NOT NULL REFERENCES procurements (id) ON DELETE CASCADE,
    clause         text NOT NULL REFERENCES public.social_clause_types (code),
    requirement    text NOT NULL CHECK (length(requirement) BETWEEN 5 AND 1000),
    people         integer CHECK (people BETWEEN 1 AND 10000),
    target_group   text CHECK (target_group IN ('bezrobotni', 'niepelnosprawni', 'cis_kis', 'mlodociani', 'inni')),
    months         integer CHECK (months BETWEEN 1 AND 120),
    share_percent  integer CHECK (share_percent BETWEEN 1 AND 100),
    -- The next check of its fulfilment, for the staff's queue and the reminders.
    next_check_on  date,
    reminded_on    date,
    UNIQUE (procurement_id, clause)
);
CREATE INDEX procurement_clauses_due ON procurement_clauses (next_check_on) WHERE next_check_on IS NOT NULL;

CREATE TABLE clause_checks (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clause_id        bigint NOT NULL REFERENCES procurement_clauses (id) ON DELETE CASCADE,
    checked_on       date NOT NULL,
    checked_by       bigint REFERENCES public.accounts (id) ON DELETE SET NULL,
    checked_by_name  text NOT NULL,
    people_employed  integer CHECK (people_employed BETWEEN 0 AND 10000),
    months           integer CHECK (months BETWEEN 0 AND 120),
    evidence         text NOT NULL DEFAULT '' CHECK (length(evidence) <= 2000),
    evidence_pdf     uuid UNIQUE,
    verdict          text NOT NULL CHECK (verdict IN ('spelniona', 'czesciowo', 'niespelniona')),
    penalty_grosze   bigint CHECK (penalty_grosze >= 0),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX clause_checks_of ON clause_checks (clause_id, checked_on);

-- The programme's yearly target: how many procurements should use a clause.
CREATE TABLE clause_targets (
    year   integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    target integer NOT NULL CHECK (target BETWEEN 0 AND 10000)
);

-- PES told of a planned procurement so they can prepare: each once per procurement.
CREATE TABLE procurement_notices (
    procurement_id     bigint NOT NULL REFERENCES procurements (id) ON DELETE CASCADE,
    organisation_teryt text NOT NULL CHECK (organisation_teryt ~ '^[0-9]{7}$'),
    organisation_id    bigint NOT NULL,
    organisation_name  text NOT NULL,
    notified_at        timestamptz NOT NULL,
    PRIMARY KEY (procurement_id, organisation_teryt, organisation_id)
);

-- E-mail notices of newly announced procurements, by kind (empty: all). Nothing is sent until the
-- address confirms (double opt-in); every notice carries a one-click unsubscribe link.
CREATE TABLE procurement_subscriptions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email        text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    kinds        text[] NOT NULL DEFAULT '{}',
    -- SHA-256 of the secret in the confirmation and unsubscribe links.
    token_hash   bytea NOT NULL UNIQUE,
    confirmed_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
