-- pestor tenant baseline, version 23
-- Written by `pestor tenants baseline` (pg_dump of a schema every tenant migration built);
-- do not edit: add a migration, then write the baseline again.
SET LOCAL check_function_bodies = false;

CREATE SCHEMA gmina_9999991;

CREATE FUNCTION gmina_9999991.project_equipment_category() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'gmina_9999991', 'public'
    AS $_$
BEGIN
    UPDATE public.equipment_directory SET category_name = NEW.name
    WHERE teryt = substring(TG_TABLE_SCHEMA FROM '^gmina_([0-9]{7})$') AND category = NEW.code;
    RETURN NEW;
END
$_$;

CREATE FUNCTION gmina_9999991.project_equipment_item() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'gmina_9999991', 'public'
    AS $_$
DECLARE
    gmina text := substring(TG_TABLE_SCHEMA FROM '^gmina_([0-9]{7})$');
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM public.equipment_directory WHERE teryt = gmina AND item_id = OLD.id;
        RETURN OLD;
    END IF;
    IF NEW.status <> 'active' OR (NEW.kind = 'gift' AND NEW.available = 0) THEN
        DELETE FROM public.equipment_directory WHERE teryt = gmina AND item_id = NEW.id;
        RETURN NEW;
    END IF;
    INSERT INTO public.equipment_directory AS d
        (teryt, item_id, name, description, kind, category, category_name, condition, quantity,
         available, powiat_wide, created_at, updated_at)
    SELECT gmina, NEW.id, NEW.name, NEW.description, NEW.kind, NEW.category, c.name, NEW.condition,
           NEW.quantity, NEW.available, NEW.powiat_wide, NEW.created_at, NEW.updated_at
    FROM equipment_categories c WHERE c.code = NEW.category
    ON CONFLICT (teryt, item_id) DO UPDATE SET
        name = EXCLUDED.name, description = EXCLUDED.description, kind = EXCLUDED.kind,
        category = EXCLUDED.category, category_name = EXCLUDED.category_name,
        condition = EXCLUDED.condition, quantity = EXCLUDED.quantity,
        available = EXCLUDED.available, powiat_wide = EXCLUDED.powiat_wide,
        updated_at = EXCLUDED.updated_at;
    RETURN NEW;
END
$_$;

CREATE FUNCTION gmina_9999991.project_offer() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'gmina_9999991', 'public'
    AS $_$
DECLARE
    gmina text := substring(TG_TABLE_SCHEMA FROM '^gmina_([0-9]{7})$');
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM public.offer_directory WHERE teryt = gmina AND offer_id = OLD.id;
        RETURN OLD;
    END IF;
    IF NEW.status <> 'active' THEN
        DELETE FROM public.offer_directory WHERE teryt = gmina AND offer_id = NEW.id;
        RETURN NEW;
    END IF;
    INSERT INTO public.offer_directory AS d
        (teryt, offer_id, organisation_id, name, description, category, category_name,
         price_grosze, price_note, target_groups, created_at, updated_at, across_gminas)
    SELECT gmina, NEW.id, NEW.organisation_id, NEW.name, NEW.description, NEW.category, c.name,
           NEW.price_grosze, NEW.price_note, NEW.target_groups, NEW.created_at, NEW.updated_at,
           NEW.across_gminas
    FROM offer_categories c WHERE c.code = NEW.category
    ON CONFLICT (teryt, offer_id) DO UPDATE SET
        organisation_id = EXCLUDED.organisation_id, name = EXCLUDED.name,
        description = EXCLUDED.description, category = EXCLUDED.category,
        category_name = EXCLUDED.category_name, price_grosze = EXCLUDED.price_grosze,
        price_note = EXCLUDED.price_note, target_groups = EXCLUDED.target_groups,
        updated_at = EXCLUDED.updated_at, across_gminas = EXCLUDED.across_gminas;
    RETURN NEW;
END
$_$;

CREATE FUNCTION gmina_9999991.project_offer_category() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'gmina_9999991', 'public'
    AS $_$
BEGIN
    UPDATE public.offer_directory SET category_name = NEW.name
    WHERE teryt = substring(TG_TABLE_SCHEMA FROM '^gmina_([0-9]{7})$') AND category = NEW.code;
    RETURN NEW;
END
$_$;

CREATE TABLE gmina_9999991._sqlx_migrations (
    version bigint NOT NULL,
    description text NOT NULL,
    installed_on timestamp with time zone DEFAULT now() NOT NULL,
    success boolean NOT NULL,
    checksum bytea NOT NULL,
    execution_time bigint NOT NULL
);

CREATE TABLE gmina_9999991.accessibility_statement (
    singleton boolean DEFAULT true NOT NULL,
    published_on date NOT NULL,
    updated_on date NOT NULL,
    compliance text NOT NULL,
    non_accessible text NOT NULL,
    prepared_on date NOT NULL,
    prepared_how text NOT NULL,
    contact_person text NOT NULL,
    contact_email text NOT NULL,
    contact_phone text NOT NULL,
    architecture text NOT NULL,
    updated_by bigint,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT accessibility_statement_compliance_check CHECK ((compliance = ANY (ARRAY['zgodna'::text, 'czesciowo'::text, 'niezgodna'::text]))),
    CONSTRAINT accessibility_statement_singleton_check CHECK (singleton)
);

CREATE TABLE gmina_9999991.clause_checks (
    id bigint NOT NULL,
    clause_id bigint NOT NULL,
    checked_on date NOT NULL,
    checked_by bigint,
    checked_by_name text NOT NULL,
    people_employed integer,
    months integer,
    evidence text DEFAULT ''::text NOT NULL,
    evidence_pdf uuid,
    verdict text NOT NULL,
    penalty_grosze bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT clause_checks_evidence_check CHECK ((length(evidence) <= 2000)),
    CONSTRAINT clause_checks_months_check CHECK (((months >= 0) AND (months <= 120))),
    CONSTRAINT clause_checks_penalty_grosze_check CHECK ((penalty_grosze >= 0)),
    CONSTRAINT clause_checks_people_employed_check CHECK (((people_employed >= 0) AND (people_employed <= 10000))),
    CONSTRAINT clause_checks_verdict_check CHECK ((verdict = ANY (ARRAY['spelniona'::text, 'czesciowo'::text, 'niespelniona'::text])))
);

ALTER TABLE gmina_9999991.clause_checks ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME gmina_9999991.clause_checks_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE gmina_9999991.clause_targets (
    year integer NOT NULL,
    target integer NOT NULL,
    CONSTRAINT clause_targets_target_check CHECK (((target >= 0) AND (target <= 10000))),
    CONSTRAINT clause_targets_year_check CHECK (((year >= 2000) AND (year <= 2100)))
);

CREATE TABLE gmina_9999991.equipment_categories (
    code text NOT NULL,
    name text NOT NULL,
    "position" integer NOT NULL,
    CONSTRAINT equipment_categories_code_check CHECK ((code ~ '^[a-z0-9-]{2,40}$'::text)),
    CONSTRAINT equipment_categories_name_check CHECK (((length(name) >= 2) AND (length(name) <= 100)))
);

CREATE TABLE gmina_9999991.equipment_items (
    id bigint NOT NULL,
    name text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    category text NOT NULL,
    kind text NOT NULL,
    condition text NOT NULL,
    quantity integer NOT NULL,
    available integer NOT NULL,
    pickup_place text NOT NULL,
    pickup_hours text DEFAULT ''::text NOT NULL,
    giver_id bigint,
    on_behalf_of bigint,
    by_office boolean DEFAULT false NOT NULL,
    status text DEFAULT 'active'::text NOT NULL,
    status_reason text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    search_text text GENERATED ALWAYS AS (public.fold(((name || ' '::text) || description))) STORED,
    powiat_wide boolean DEFAULT false NOT NULL,
    name_key text GENERATED ALWAYS AS (public.polish_key(name)) STORED COLLATE pg_catalog."C",
    CONSTRAINT equipment_items_check CHECK (((available >= 0) AND (available <= quantity))),
    CONSTRAINT equipment_items_check1 CHECK ((NOT (by_office AND (on_behalf_of IS NOT NULL)))),
    CONSTRAINT equipment_items_condition_check CHECK ((condition = ANY (ARRAY['nowy'::text, 'bardzo dobry'::text, 'dobry'::text, 'uzywany'::text, 'do naprawy'::text]))),
    CONSTRAINT equipment_items_description_check CHECK ((length(description) <= 5000)),
    CONSTRAINT equipment_items_kind_check CHECK ((kind = ANY (ARRAY['gift'::text, 'loan'::text]))),
    CONSTRAINT equipment_items_name_check CHECK (((length(name) >= 2) AND (length(name) <= 200))),
    CONSTRAINT equipment_items_pickup_hours_check CHECK ((length(pickup_hours) <= 200)),
    CONSTRAINT equipment_items_pickup_place_check CHECK (((length(pickup_place) >= 3) AND (length(pickup_place) <= 300))),
    CONSTRAINT equipment_items_quantity_check CHECK (((quantity >= 1) AND (quantity <= 500))),
    CONSTRAINT equipment_items_status_check CHECK ((status = ANY (ARRAY['active'::text, 'withdrawn'::text, 'hidden'::text])))
);

ALTER TABLE gmina_9999991.equipment_items ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME gmina_9999991.equipment_items_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE gmina_9999991.equipment_loans (
    id bigint NOT NULL,
    item_id bigint NOT NULL,
    unit integer,
    organisation_id bigint NOT NULL,
    requested_by bigint,
    during daterange NOT NULL,
    justification text NOT NULL,
    status text DEFAULT 'requested'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    decided_at timestamp with time zone,
    returned_at timestamp with time zone,
    organisation_teryt text NOT NULL,
    organisation_name text NOT NULL,
    decision_note text DEFAULT ''::text NOT NULL,
    lent_at timestamp with time zone,
    reminded_at timestamp with time zone,
    overdue_notified_at timestamp with time zone,
    CONSTRAINT equipment_loans_decision_note_check CHECK ((length(decision_note) <= 500)),
    CONSTRAINT equipment_loans_during_check CHECK (((NOT isempty(during)) AND lower_inc(during) AND (NOT upper_inc(during)))),
    CONSTRAINT equipment_loans_justification_check CHECK (((length(justification) >= 10) AND (length(justification) <= 1000))),
    CONSTRAINT equipment_loans_organisation_teryt_check CHECK ((organisation_teryt ~ '^[0-9]{7}$'::text)),
    CONSTRAINT equipment_loans_status_check CHECK ((status = ANY (ARRAY['requested'::text, 'approved'::text, 'declined'::text, 'lent'::text, 'returned'::text, 'withdrawn'::text]))),
    CONSTRAINT equipment_loans_unit_assigned CHECK (((status = ANY (ARRAY['requested'::text, 'declined'::text, 'withdrawn'::text])) OR (unit IS NOT NULL))),
    CONSTRAINT equipment_loans_unit_check CHECK ((unit >= 1))
);

ALTER TABLE gmina_9999991.equipment_loans ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME gmina_9999991.equipment_loans_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE gmina_9999991.equipment_photos (
    id bigint NOT NULL,
    item_id bigint NOT NULL,
    object uuid NOT NULL,
    "position" integer NOT NULL,
    alt text NOT NULL,
    width integer NOT NULL,
    height integer NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT equipment_photos_alt_check CHECK (((length(alt) >= 3) AND (length(alt) <= 300)))
);

ALTER TABLE gmina_9999991.equipment_photos ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME gmina_9999991.equipment_photos_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE gmina_9999991.equipment_requests (
    id bigint NOT NULL,
    item_id bigint NOT NULL,
    organisation_id bigint NOT NULL,
    requested_by bigint,
    justification text NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    decided_at timestamp with time zone,
    organisation_teryt text NOT NULL,
    organisation_name text NOT NULL,
    decision_note text DEFAULT ''::text NOT NULL,
    handed_over_at timestamp with time zone,
    CONSTRAINT equipment_requests_decision_note_check CHECK ((length(decision_note) <= 500)),
    CONSTRAINT equipment_requests_justification_check CHECK (((length(justification) >= 10) AND (length(justification) <= 1000))),
    CONSTRAINT equipment_requests_organisation_teryt_check CHECK ((organisation_teryt ~ '^[0-9]{7}$'::text)),
    CONSTRAINT equipment_requests_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'accepted'::text, 'declined'::text, 'handed_over'::text, 'withdrawn'::text])))
);

ALTER TABLE gmina_9999991.equipment_requests ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME gmina_9999991.equipment_requests_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE gmina_9999991.offer_categories (
    code text NOT NULL,
    name text NOT NULL,
    "position" integer NOT NULL,
    CONSTRAINT offer_categories_code_check CHECK ((code ~ '^[a-z0-9-]{2,40}$'::text)),
    CONSTRAINT offer_categories_name_check CHECK (((length(name) >= 2) AND (length(name) <= 100)))
);

CREATE TABLE gmina_9999991.offer_photos (
    id bigint NOT NULL,
    offer_id bigint NOT NULL,
    object uuid NOT NULL,
    "position" integer NOT NULL,
    alt text NOT NULL,
    width integer NOT NULL,
    height integer NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT offer_photos_alt_check CHECK (((length(alt) >= 3) AND (length(alt) <= 300)))
);

ALTER TABLE gmina_9999991.offer_photos ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME gmina_9999991.offer_photos_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE gmina_9999991.offer_subscriptions (
    id bigint NOT NULL,
    email text NOT NULL,
    categories text[] DEFAULT '{}'::text[] NOT NULL,
    target_groups text[] DEFAULT '{}'::text[] NOT NULL,
    organisations bigint[] DEFAULT '{}'::bigint[] NOT NULL,
    frequency text NOT NULL,
    token_hash bytea NOT NULL,
    confirmed_at timestamp with time zone,
    digest_from timestamp with time zone DEFAULT now() NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT offer_subscriptions_email_check CHECK (((length(email) >= 3) AND (length(email) <= 254))),
    CONSTRAINT offer_subscriptions_frequency_check CHECK ((frequency = ANY (ARRAY['immediate'::text, 'daily'::text])))
);

ALTER TABLE gmina_9999991.offer_subscriptions ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME gmina_9999991.offer_subscriptions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE gmina_9999991.offers (
    id bigint NOT NULL,
    organisation_id bigint NOT NULL,
    name text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    category text NOT NULL,
    price_grosze bigint,
    price_note text DEFAULT ''::text NOT NULL,
    target_groups text[] NOT NULL,
    status text DEFAULT 'active'::text NOT NULL,
    status_reason text DEFAULT ''::text NOT NULL,
    created_by bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    search_text text GENERATED ALWAYS AS (public.fold(((name || ' '::text) || description))) STORED,
    across_gminas boolean DEFAULT false NOT NULL,
    name_key text GENERATED ALWAYS AS (public.polish_key(name)) STORED COLLATE pg_catalog."C",
    CONSTRAINT offers_description_check CHECK ((length(description) <= 5000)),
    CONSTRAINT offers_name_check CHECK (((length(name) >= 2) AND (length(name) <= 200))),
    CONSTRAINT offers_price_grosze_check CHECK (((price_grosze >= 0) AND (price_grosze <= '99999999999'::bigint))),
    CONSTRAINT offers_price_note_check CHECK ((length(price_note) <= 200)),
    CONSTRAINT offers_status_check CHECK ((status = ANY (ARRAY['active'::text, 'archived'::text, 'hidden'::text]))),
    CONSTRAINT offers_target_groups_check CHECK (((cardinality(target_groups) > 0) AND (target_groups <@ ARRAY['urzad'::text, 'mieszkancy'::text, 'pes'::text, 'firmy'::text])))
);

ALTER TABLE gmina_9999991.offers ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME gmina_9999991.offers_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE gmina_9999991.organisation_claims (
    id bigint NOT NULL,
    organisation_id bigint NOT NULL,
    account_id bigint NOT NULL,
    message text NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    reason text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    decided_at timestamp with time zone,
    CONSTRAINT organisation_claims_message_check CHECK (((length(message) >= 10) AND (length(message) <= 2000))),
    CONSTRAINT organisation_claims_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'approved'::text, 'rejected'::text])))
);

ALTER TABLE gmina_9999991.organisation_claims ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME gmina_9999991.organisation_claims_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE gmina_9999991.organisations (
    id bigint NOT NULL,
    name text NOT NULL,
    legal_form text NOT NULL,
    krs text,
    nip text,
    regon text,
    year_founded integer,
    areas text[] DEFAULT '{}'::text[] NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    postal_code text,
    locality text DEFAULT ''::text NOT NULL,
    street text DEFAULT ''::text NOT NULL,
    gmina_teryt text NOT NULL,
    powiat_teryt text NOT NULL,
    phone text,
    email text,
    website text,
    lat double precision,
    lon double precision,
    also_in text[] DEFAULT '{}'::text[] NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    status_reason text DEFAULT ''::text NOT NULL,
    verified_at timestamp with time zone,
    created_by bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    added_by_staff boolean DEFAULT false NOT NULL,
    confirmed_at timestamp with time zone,
    reminded_at timestamp with time zone,
    CONSTRAINT organisations_check CHECK (((lat IS NULL) = (lon IS NULL))),
    CONSTRAINT organisations_description_check CHECK ((length(description) <= 10000)),
    CONSTRAINT organisations_gmina_teryt_check CHECK ((gmina_teryt ~ '^[0-9]{6}[1-5]$'::text)),
    CONSTRAINT organisations_krs_check CHECK ((krs ~ '^[0-9]{10}$'::text)),
    CONSTRAINT organisations_name_check CHECK (((length(name) >= 2) AND (length(name) <= 300))),
    CONSTRAINT organisations_nip_check CHECK ((nip ~ '^[0-9]{10}$'::text)),
    CONSTRAINT organisations_postal_code_check CHECK ((postal_code ~ '^[0-9]{2}-[0-9]{3}$'::text)),
    CONSTRAINT organisations_powiat_teryt_check CHECK ((powiat_teryt ~ '^[0-9]{4}$'::text)),
    CONSTRAINT organisations_regon_check CHECK ((regon ~ '^([0-9]{9}|[0-9]{14})$'::text)),
    CONSTRAINT organisations_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'verified'::text, 'rejected'::text, 'hidden'::text]))),
    CONSTRAINT organisations_year_founded_check CHECK (((year_founded >= 1800) AND (year_founded <= 2100)))
);

CREATE VIEW gmina_9999991.organisation_summaries AS
 SELECT organisations.id,
    organisations.name,
    organisations.status
   FROM gmina_9999991.organisations;

ALTER TABLE gmina_9999991.organisations ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME gmina_9999991.organisations_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE gmina_9999991.premises (
    id bigint NOT NULL,
    address text NOT NULL,
    district text NOT NULL,
    area_m2 numeric(8,2) NOT NULL,
    rooms integer NOT NULL,
    floor integer NOT NULL,
    step_free boolean DEFAULT false NOT NULL,
    accessible_toilet boolean DEFAULT false NOT NULL,
    standard text NOT NULL,
    uses text DEFAULT ''::text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    rent_standard_grosze bigint NOT NULL,
    rent_pes_grosze bigint NOT NULL,
    status text DEFAULT 'free'::text NOT NULL,
    lat double precision,
    lon double precision,
    resolution_title text DEFAULT ''::text NOT NULL,
    resolution_number text DEFAULT ''::text NOT NULL,
    resolution_date date,
    resolution_url text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    district_key text GENERATED ALWAYS AS (public.polish_key(district)) STORED COLLATE pg_catalog."C",
    CONSTRAINT premises_address_check CHECK (((length(address) >= 3) AND (length(address) <= 200))),
    CONSTRAINT premises_area_m2_check CHECK (((area_m2 > (0)::numeric) AND (area_m2 <= (10000)::numeric))),
    CONSTRAINT premises_check CHECK (((rent_pes_grosze >= 0) AND (rent_pes_grosze <= rent_standard_grosze))),
    CONSTRAINT premises_check1 CHECK (((lat IS NULL) = (lon IS NULL))),
    CONSTRAINT premises_description_check CHECK ((length(description) <= 5000)),
    CONSTRAINT premises_district_check CHECK (((length(district) >= 2) AND (length(district) <= 100))),
    CONSTRAINT premises_floor_check CHECK (((floor >= '-2'::integer) AND (floor <= 30))),
    CONSTRAINT premises_lat_check CHECK (((lat >= (52.3)::double precision) AND (lat <= (53.9)::double precision))),
    CONSTRAINT premises_lon_check CHECK (((lon >= (17.2)::double precision) AND (lon <= (19.8)::double precision))),
    CONSTRAINT premises_rent_standard_grosze_check CHECK (((rent_standard_grosze >= 0) AND (rent_standard_grosze <= 100000))),
    CONSTRAINT premises_resolution_number_check CHECK ((length(resolution_number) <= 50)),
    CONSTRAINT premises_resolution_title_check CHECK ((length(resolution_title) <= 300)),
    CONSTRAINT premises_resolution_url_check CHECK (((resolution_url = ''::text) OR (resolution_url ~ '^https?://'::text))),
    CONSTRAINT premises_rooms_check CHECK (((rooms >= 1) AND (rooms <= 100))),
    CONSTRAINT premises_standard_check CHECK ((standard = ANY (ARRAY['do remontu'::text, 'dostateczny'::text, 'dobry'::text, 'bardzo dobry'::text]))),
    CONSTRAINT premises_status_check CHECK ((status = ANY (ARRAY['free'::text, 'call'::text, 'leased_pes'::text, 'leased_other'::text, 'withdrawn'::text]))),
    CONSTRAINT premises_uses_check CHECK ((length(uses) <= 1000))
);

CREATE TABLE gmina_9999991.premises_applications (
    id bigint NOT NULL,
    call_id bigint NOT NULL,
    premises_id bigint NOT NULL,
    organisation_teryt text NOT NULL,
    organisation_id bigint NOT NULL,
    organisation_name text NOT NULL,
    submitted_by bigint,
    planned_use text NOT NULL,
    justification text NOT NULL,
    people_served integer NOT NULL,
    attachment uuid,
    attachment_bytes integer,
    submitted_at timestamp with time zone NOT NULL,
    score integer,
    result text DEFAULT 'pending'::text NOT NULL,
    reason text DEFAULT ''::text NOT NULL,
    CONSTRAINT premises_applications_justification_check CHECK (((length(justification) >= 10) AND (length(justification) <= 5000))),
    CONSTRAINT premises_applications_organisation_teryt_check CHECK ((organisation_teryt ~ '^[0-9]{7}$'::text)),
    CONSTRAINT premises_applications_people_served_check CHECK (((people_served >= 1) AND (people_served <= 100000))),
    CONSTRAINT premises_applications_planned_use_check CHECK (((length(planned_use) >= 10) AND (length(planned_use) <= 2000))),
    CONSTRAINT premises_applications_reason_check CHECK ((length(reason) <= 2000)),
    CONSTRAINT premises_applications_result_check CHECK ((result = ANY (ARRAY['pending'::text, 'won'::text, 'lost'::text]))),
    CONSTRAINT premises_applications_score_check CHECK (((score >= 0) AND (score <= 100)))
);

ALTER TABLE gmina_9999991.premises_applications ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME gmina_9999991.premises_applications_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE gmina_9999991.premises_call_items (
    call_id bigint NOT NULL,
    premises_id bigint NOT NULL
);

CREATE TABLE gmina_9999991.premises_calls (
    id bigint NOT NULL,
    title text NOT NULL,
    criteria text NOT NULL,
    opened_at timestamp with time zone NOT NULL,
    deadline date NOT NULL,
    status text DEFAULT 'open'::text NOT NULL,
    decided_at timestamp with time zone,
    CONSTRAINT premises_calls_criteria_check CHECK (((length(criteria) >= 10) AND (length(criteria) <= 5000))),
    CONSTRAINT premises_calls_status_check CHECK ((status = ANY (ARRAY['open'::text, 'decided'::text, 'cancelled'::text]))),
    CONSTRAINT premises_calls_title_check CHECK (((length(title) >= 5) AND (length(title) <= 200)))
);

ALTER TABLE gmina_9999991.premises_calls ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME gmina_9999991.premises_calls_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE gmina_9999991.premises_history (
    id bigint NOT NULL,
    premises_id bigint NOT NULL,
    at timestamp with time zone NOT NULL,
    event text NOT NULL,
    CONSTRAINT premises_history_event_check CHECK (((length(event) >= 2) AND (length(event) <= 500)))
);

ALTER TABLE gmina_9999991.premises_history ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME gmina_9999991.premises_history_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

ALTER TABLE gmina_9999991.premises ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME gmina_9999991.premises_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE gmina_9999991.premises_leases (
    id bigint NOT NULL,
    premises_id bigint NOT NULL,
    application_id bigint,
    tenant_name text NOT NULL,
    to_pes boolean NOT NULL,
    during daterange NOT NULL,
    area_m2 numeric(8,2) NOT NULL,
    rent_standard_grosze bigint NOT NULL,
    rent_charged_grosze bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT premises_leases_area_m2_check CHECK ((area_m2 > (0)::numeric)),
    CONSTRAINT premises_leases_during_check CHECK (((NOT isempty(during)) AND lower_inc(during) AND (NOT upper_inc(during)))),
    CONSTRAINT premises_leases_rent_charged_grosze_check CHECK ((rent_charged_grosze >= 0)),
    CONSTRAINT premises_leases_rent_standard_grosze_check CHECK ((rent_standard_grosze >= 0)),
    CONSTRAINT premises_leases_tenant_name_check CHECK (((length(tenant_name) >= 2) AND (length(tenant_name) <= 300)))
);

ALTER TABLE gmina_9999991.premises_leases ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME gmina_9999991.premises_leases_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE gmina_9999991.premises_photos (
    id bigint NOT NULL,
    premises_id bigint NOT NULL,
    object uuid NOT NULL,
    "position" integer NOT NULL,
    alt text NOT NULL,
    width integer NOT NULL,
    height integer NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT premises_photos_alt_check CHECK (((length(alt) >= 3) AND (length(alt) <= 300)))
);

ALTER TABLE gmina_9999991.premises_photos ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME gmina_9999991.premises_photos_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE gmina_9999991.procurement_clauses (
    id bigint NOT NULL,
    procurement_id bigint NOT NULL,
    clause text NOT NULL,
    requirement text NOT NULL,
    people integer,
    target_group text,
    months integer,
    share_percent integer,
    next_check_on date,
    reminded_on date,
    CONSTRAINT procurement_clauses_months_check CHECK (((months >= 1) AND (months <= 120))),
    CONSTRAINT procurement_clauses_people_check CHECK (((people >= 1) AND (people <= 10000))),
    CONSTRAINT procurement_clauses_requirement_check CHECK (((length(requirement) >= 5) AND (length(requirement) <= 1000))),
    CONSTRAINT procurement_clauses_share_percent_check CHECK (((share_percent >= 1) AND (share_percent <= 100))),
    CONSTRAINT procurement_clauses_target_group_check CHECK ((target_group = ANY (ARRAY['bezrobotni'::text, 'niepelnosprawni'::text, 'cis_kis'::text, 'mlodociani'::text, 'inni'::text])))
);

ALTER TABLE gmina_9999991.procurement_clauses ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME gmina_9999991.procurement_clauses_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE gmina_9999991.procurement_notices (
    procurement_id bigint NOT NULL,
    organisation_teryt text NOT NULL,
    organisation_id bigint NOT NULL,
    organisation_name text NOT NULL,
    notified_at timestamp with time zone NOT NULL,
    CONSTRAINT procurement_notices_organisation_teryt_check CHECK ((organisation_teryt ~ '^[0-9]{7}$'::text))
);

CREATE TABLE gmina_9999991.procurement_subscriptions (
    id bigint NOT NULL,
    email text NOT NULL,
    kinds text[] DEFAULT '{}'::text[] NOT NULL,
    token_hash bytea NOT NULL,
    confirmed_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT procurement_subscriptions_email_check CHECK (((length(email) >= 3) AND (length(email) <= 254)))
);

ALTER TABLE gmina_9999991.procurement_subscriptions ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME gmina_9999991.procurement_subscriptions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE gmina_9999991.procurements (
    id bigint NOT NULL,
    reference text NOT NULL,
    subject text NOT NULL,
    kind text NOT NULL,
    value_grosze bigint NOT NULL,
    value_euro_cents bigint,
    procedure text NOT NULL,
    department text DEFAULT ''::text NOT NULL,
    published_on date,
    offers_due date,
    status text DEFAULT 'planned'::text NOT NULL,
    contractor_name text DEFAULT ''::text NOT NULL,
    contractor_nip text,
    contractor_teryt text,
    contractor_org_id bigint,
    contract_value_grosze bigint,
    responsible_id bigint,
    demo boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT procurements_check CHECK (((contractor_teryt IS NULL) = (contractor_org_id IS NULL))),
    CONSTRAINT procurements_check1 CHECK (((offers_due IS NULL) OR (published_on IS NULL) OR (offers_due >= published_on))),
    CONSTRAINT procurements_contract_value_grosze_check CHECK ((contract_value_grosze >= 0)),
    CONSTRAINT procurements_contractor_name_check CHECK ((length(contractor_name) <= 300)),
    CONSTRAINT procurements_contractor_nip_check CHECK ((contractor_nip ~ '^[0-9]{10}$'::text)),
    CONSTRAINT procurements_contractor_teryt_check CHECK ((contractor_teryt ~ '^[0-9]{7}$'::text)),
    CONSTRAINT procurements_department_check CHECK ((length(department) <= 200)),
    CONSTRAINT procurements_kind_check CHECK ((kind = ANY (ARRAY['uslugi'::text, 'dostawy'::text, 'roboty'::text]))),
    CONSTRAINT procurements_procedure_check CHECK ((procedure = ANY (ARRAY['zapytanie_ofertowe'::text, 'tryb_podstawowy'::text, 'przetarg_nieograniczony'::text, 'przetarg_ograniczony'::text, 'negocjacje'::text, 'z_wolnej_reki'::text, 'inny'::text]))),
    CONSTRAINT procurements_reference_check CHECK (((length(reference) >= 2) AND (length(reference) <= 60))),
    CONSTRAINT procurements_status_check CHECK ((status = ANY (ARRAY['planned'::text, 'announced'::text, 'decided'::text, 'in_progress'::text, 'completed'::text, 'cancelled'::text]))),
    CONSTRAINT procurements_subject_check CHECK (((length(subject) >= 5) AND (length(subject) <= 500))),
    CONSTRAINT procurements_value_euro_cents_check CHECK ((value_euro_cents >= 0)),
    CONSTRAINT procurements_value_grosze_check CHECK ((value_grosze >= 0))
);

ALTER TABLE gmina_9999991.procurements ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME gmina_9999991.procurements_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE gmina_9999991.support_entries (
    id bigint NOT NULL,
    name text NOT NULL,
    institution text NOT NULL,
    services text[] NOT NULL,
    audiences text[] NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    address text NOT NULL,
    phone text DEFAULT ''::text NOT NULL,
    email text DEFAULT ''::text NOT NULL,
    website text DEFAULT ''::text NOT NULL,
    hours text DEFAULT ''::text NOT NULL,
    lat double precision,
    lon double precision,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    name_key text GENERATED ALWAYS AS (public.polish_key(name)) STORED COLLATE pg_catalog."C",
    CONSTRAINT support_regional_address_check CHECK (((length(address) >= 3) AND (length(address) <= 300))),
    CONSTRAINT support_regional_audiences_check CHECK (((cardinality(audiences) >= 1) AND (audiences <@ ARRAY['zakladajacy'::text, 'pes'::text, 'ngo'::text, 'bezrobotni'::text, 'niepelnosprawni'::text, 'wykluczeni'::text]))),
    CONSTRAINT support_regional_check CHECK (((lat IS NULL) = (lon IS NULL))),
    CONSTRAINT support_regional_description_check CHECK ((length(description) <= 2000)),
    CONSTRAINT support_regional_email_check CHECK ((length(email) <= 200)),
    CONSTRAINT support_regional_hours_check CHECK ((length(hours) <= 200)),
    CONSTRAINT support_regional_institution_check CHECK ((institution = ANY (ARRAY['owes'::text, 'rops'::text, 'pup'::text, 'ops'::text, 'cis_kis'::text, 'inkubator'::text, 'fundusz'::text, 'centrum_ngo'::text, 'inne'::text]))),
    CONSTRAINT support_regional_lat_check CHECK (((lat >= (52.3)::double precision) AND (lat <= (53.9)::double precision))),
    CONSTRAINT support_regional_lon_check CHECK (((lon >= (17.2)::double precision) AND (lon <= (19.8)::double precision))),
    CONSTRAINT support_regional_name_check CHECK (((length(name) >= 3) AND (length(name) <= 200))),
    CONSTRAINT support_regional_phone_check CHECK ((length(phone) <= 50)),
    CONSTRAINT support_regional_services_check CHECK (((cardinality(services) >= 1) AND (services <@ ARRAY['doradztwo'::text, 'szkolenia'::text, 'dotacje'::text, 'pozyczki'::text, 'lokal'::text, 'ksiegowosc'::text, 'promocja'::text]))),
    CONSTRAINT support_regional_website_check CHECK (((website = ''::text) OR (website ~ '^https?://'::text)))
);

ALTER TABLE gmina_9999991.support_entries ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME gmina_9999991.support_entries_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE gmina_9999991.tenant_info (
    singleton boolean DEFAULT true NOT NULL,
    teryt text NOT NULL,
    provisioned_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT tenant_info_singleton_check CHECK (singleton),
    CONSTRAINT tenant_info_teryt_check CHECK ((teryt ~ '^[0-9]{6}[1-5]$'::text))
);

INSERT INTO gmina_9999991.equipment_categories VALUES ('biuro', 'Dla firmy i biura', 1);
INSERT INTO gmina_9999991.equipment_categories VALUES ('komputery', 'Komputery i elektronika', 2);
INSERT INTO gmina_9999991.equipment_categories VALUES ('meble', 'Meble', 3);
INSERT INTO gmina_9999991.equipment_categories VALUES ('audio-wideo', 'Audio-wideo i foto', 4);
INSERT INTO gmina_9999991.equipment_categories VALUES ('instrumenty', 'Instrumenty', 5);
INSERT INTO gmina_9999991.equipment_categories VALUES ('sport', 'Sport i rekreacja', 6);
INSERT INTO gmina_9999991.equipment_categories VALUES ('inne', 'Inne', 7);

INSERT INTO gmina_9999991.offer_categories VALUES ('edukacja', 'Edukacja, doradztwo, szkolenia', 1);
INSERT INTO gmina_9999991.offer_categories VALUES ('rozrywka', 'Rozrywka, imprezy', 2);
INSERT INTO gmina_9999991.offer_categories VALUES ('catering', 'Catering', 3);
INSERT INTO gmina_9999991.offer_categories VALUES ('porzadkowe', 'Usługi porządkowe', 4);
INSERT INTO gmina_9999991.offer_categories VALUES ('budowlane', 'Usługi budowlane i remontowe', 5);
INSERT INTO gmina_9999991.offer_categories VALUES ('rekodzielo', 'Rękodzieło', 6);
INSERT INTO gmina_9999991.offer_categories VALUES ('opiekuncze', 'Usługi opiekuńcze', 7);
INSERT INTO gmina_9999991.offer_categories VALUES ('poligrafia', 'Druk i poligrafia', 8);
INSERT INTO gmina_9999991.offer_categories VALUES ('zielen', 'Zieleń i ogrodnictwo', 9);
INSERT INTO gmina_9999991.offer_categories VALUES ('inne', 'Inne', 10);

SELECT pg_catalog.setval('gmina_9999991.clause_checks_id_seq', 1, false);

SELECT pg_catalog.setval('gmina_9999991.equipment_items_id_seq', 1, false);

SELECT pg_catalog.setval('gmina_9999991.equipment_loans_id_seq', 1, false);

SELECT pg_catalog.setval('gmina_9999991.equipment_photos_id_seq', 1, false);

SELECT pg_catalog.setval('gmina_9999991.equipment_requests_id_seq', 1, false);

SELECT pg_catalog.setval('gmina_9999991.offer_photos_id_seq', 1, false);

SELECT pg_catalog.setval('gmina_9999991.offer_subscriptions_id_seq', 1, false);

SELECT pg_catalog.setval('gmina_9999991.offers_id_seq', 1, false);

SELECT pg_catalog.setval('gmina_9999991.organisation_claims_id_seq', 1, false);

SELECT pg_catalog.setval('gmina_9999991.organisations_id_seq', 1, false);

SELECT pg_catalog.setval('gmina_9999991.premises_applications_id_seq', 1, false);

SELECT pg_catalog.setval('gmina_9999991.premises_calls_id_seq', 1, false);

SELECT pg_catalog.setval('gmina_9999991.premises_history_id_seq', 1, false);

SELECT pg_catalog.setval('gmina_9999991.premises_id_seq', 1, false);

SELECT pg_catalog.setval('gmina_9999991.premises_leases_id_seq', 1, false);

SELECT pg_catalog.setval('gmina_9999991.premises_photos_id_seq', 1, false);

SELECT pg_catalog.setval('gmina_9999991.procurement_clauses_id_seq', 1, false);

SELECT pg_catalog.setval('gmina_9999991.procurement_subscriptions_id_seq', 1, false);

SELECT pg_catalog.setval('gmina_9999991.procurements_id_seq', 1, false);

SELECT pg_catalog.setval('gmina_9999991.support_entries_id_seq', 1, false);

ALTER TABLE ONLY gmina_9999991._sqlx_migrations
    ADD CONSTRAINT _sqlx_migrations_pkey PRIMARY KEY (version);

ALTER TABLE ONLY gmina_9999991.accessibility_statement
    ADD CONSTRAINT accessibility_statement_pkey PRIMARY KEY (singleton);

ALTER TABLE ONLY gmina_9999991.clause_checks
    ADD CONSTRAINT clause_checks_evidence_pdf_key UNIQUE (evidence_pdf);

ALTER TABLE ONLY gmina_9999991.clause_checks
    ADD CONSTRAINT clause_checks_pkey PRIMARY KEY (id);

ALTER TABLE ONLY gmina_9999991.clause_targets
    ADD CONSTRAINT clause_targets_pkey PRIMARY KEY (year);

ALTER TABLE ONLY gmina_9999991.equipment_categories
    ADD CONSTRAINT equipment_categories_pkey PRIMARY KEY (code);

ALTER TABLE ONLY gmina_9999991.equipment_items
    ADD CONSTRAINT equipment_items_pkey PRIMARY KEY (id);

ALTER TABLE ONLY gmina_9999991.equipment_loans
    ADD CONSTRAINT equipment_loans_item_id_unit_during_excl EXCLUDE USING gist (item_id WITH =, unit WITH =, during WITH &&) WHERE ((status = ANY (ARRAY['approved'::text, 'lent'::text])));

ALTER TABLE ONLY gmina_9999991.equipment_loans
    ADD CONSTRAINT equipment_loans_one_request EXCLUDE USING gist (item_id WITH =, organisation_teryt WITH =, organisation_id WITH =, during WITH &&) WHERE ((status = 'requested'::text));

ALTER TABLE ONLY gmina_9999991.equipment_loans
    ADD CONSTRAINT equipment_loans_pkey PRIMARY KEY (id);

ALTER TABLE ONLY gmina_9999991.equipment_photos
    ADD CONSTRAINT equipment_photos_object_key UNIQUE (object);

ALTER TABLE ONLY gmina_9999991.equipment_photos
    ADD CONSTRAINT equipment_photos_pkey PRIMARY KEY (id);

ALTER TABLE ONLY gmina_9999991.equipment_requests
    ADD CONSTRAINT equipment_requests_pkey PRIMARY KEY (id);

ALTER TABLE ONLY gmina_9999991.offer_categories
    ADD CONSTRAINT offer_categories_pkey PRIMARY KEY (code);

ALTER TABLE ONLY gmina_9999991.offer_photos
    ADD CONSTRAINT offer_photos_object_key UNIQUE (object);

ALTER TABLE ONLY gmina_9999991.offer_photos
    ADD CONSTRAINT offer_photos_pkey PRIMARY KEY (id);

ALTER TABLE ONLY gmina_9999991.offer_subscriptions
    ADD CONSTRAINT offer_subscriptions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY gmina_9999991.offer_subscriptions
    ADD CONSTRAINT offer_subscriptions_token_hash_key UNIQUE (token_hash);

ALTER TABLE ONLY gmina_9999991.offers
    ADD CONSTRAINT offers_pkey PRIMARY KEY (id);

ALTER TABLE ONLY gmina_9999991.organisation_claims
    ADD CONSTRAINT organisation_claims_pkey PRIMARY KEY (id);

ALTER TABLE ONLY gmina_9999991.organisations
    ADD CONSTRAINT organisations_pkey PRIMARY KEY (id);

ALTER TABLE ONLY gmina_9999991.premises_applications
    ADD CONSTRAINT premises_applications_attachment_key UNIQUE (attachment);

ALTER TABLE ONLY gmina_9999991.premises_applications
    ADD CONSTRAINT premises_applications_once UNIQUE (call_id, premises_id, organisation_teryt, organisation_id);

ALTER TABLE ONLY gmina_9999991.premises_applications
    ADD CONSTRAINT premises_applications_pkey PRIMARY KEY (id);

ALTER TABLE ONLY gmina_9999991.premises_call_items
    ADD CONSTRAINT premises_call_items_pkey PRIMARY KEY (call_id, premises_id);

ALTER TABLE ONLY gmina_9999991.premises_calls
    ADD CONSTRAINT premises_calls_pkey PRIMARY KEY (id);

ALTER TABLE ONLY gmina_9999991.premises_history
    ADD CONSTRAINT premises_history_pkey PRIMARY KEY (id);

ALTER TABLE ONLY gmina_9999991.premises_leases
    ADD CONSTRAINT premises_leases_pkey PRIMARY KEY (id);

ALTER TABLE ONLY gmina_9999991.premises_leases
    ADD CONSTRAINT premises_leases_premises_id_during_excl EXCLUDE USING gist (premises_id WITH =, during WITH &&);

ALTER TABLE ONLY gmina_9999991.premises_photos
    ADD CONSTRAINT premises_photos_object_key UNIQUE (object);

ALTER TABLE ONLY gmina_9999991.premises_photos
    ADD CONSTRAINT premises_photos_pkey PRIMARY KEY (id);

ALTER TABLE ONLY gmina_9999991.premises
    ADD CONSTRAINT premises_pkey PRIMARY KEY (id);

ALTER TABLE ONLY gmina_9999991.procurement_clauses
    ADD CONSTRAINT procurement_clauses_pkey PRIMARY KEY (id);

ALTER TABLE ONLY gmina_9999991.procurement_clauses
    ADD CONSTRAINT procurement_clauses_procurement_id_clause_key UNIQUE (procurement_id, clause);

ALTER TABLE ONLY gmina_9999991.procurement_notices
    ADD CONSTRAINT procurement_notices_pkey PRIMARY KEY (procurement_id, organisation_teryt, organisation_id);

ALTER TABLE ONLY gmina_9999991.procurement_subscriptions
    ADD CONSTRAINT procurement_subscriptions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY gmina_9999991.procurement_subscriptions
    ADD CONSTRAINT procurement_subscriptions_token_hash_key UNIQUE (token_hash);

ALTER TABLE ONLY gmina_9999991.procurements
    ADD CONSTRAINT procurements_pkey PRIMARY KEY (id);

ALTER TABLE ONLY gmina_9999991.support_entries
    ADD CONSTRAINT support_entries_pkey PRIMARY KEY (id);

ALTER TABLE ONLY gmina_9999991.tenant_info
    ADD CONSTRAINT tenant_info_pkey PRIMARY KEY (singleton);

CREATE INDEX clause_checks_of ON gmina_9999991.clause_checks USING btree (clause_id, checked_on);

CREATE INDEX equipment_items_list ON gmina_9999991.equipment_items USING btree (status, kind, category);

CREATE INDEX equipment_items_search ON gmina_9999991.equipment_items USING gin (search_text public.gin_trgm_ops);

CREATE INDEX equipment_loans_due ON gmina_9999991.equipment_loans USING btree (upper(during)) WHERE (status = 'lent'::text);

CREATE INDEX equipment_loans_item ON gmina_9999991.equipment_loans USING btree (item_id, status);

CREATE INDEX equipment_photos_item ON gmina_9999991.equipment_photos USING btree (item_id, "position");

CREATE INDEX equipment_requests_item ON gmina_9999991.equipment_requests USING btree (item_id, status);

CREATE UNIQUE INDEX equipment_requests_open ON gmina_9999991.equipment_requests USING btree (item_id, organisation_teryt, organisation_id) WHERE (status = ANY (ARRAY['pending'::text, 'accepted'::text]));

CREATE INDEX offer_photos_offer ON gmina_9999991.offer_photos USING btree (offer_id, "position");

CREATE INDEX offer_subscriptions_confirmed ON gmina_9999991.offer_subscriptions USING btree (frequency) WHERE (confirmed_at IS NOT NULL);

CREATE UNIQUE INDEX offer_subscriptions_email ON gmina_9999991.offer_subscriptions USING btree (lower(email));

CREATE INDEX offers_active_by_date ON gmina_9999991.offers USING btree (created_at DESC, id DESC) WHERE (status = 'active'::text);

CREATE INDEX offers_active_by_name ON gmina_9999991.offers USING btree (name_key, id) WHERE (status = 'active'::text);

CREATE INDEX offers_active_by_price ON gmina_9999991.offers USING btree (price_grosze, name_key, id) WHERE (status = 'active'::text);

CREATE INDEX offers_active_organisation ON gmina_9999991.offers USING btree (organisation_id) WHERE (status = 'active'::text);

CREATE INDEX offers_organisation ON gmina_9999991.offers USING btree (organisation_id);

CREATE INDEX offers_search_trgm ON gmina_9999991.offers USING gin (search_text public.gin_trgm_ops);

CREATE UNIQUE INDEX organisation_claims_open ON gmina_9999991.organisation_claims USING btree (organisation_id, account_id) WHERE (status = 'pending'::text);

CREATE UNIQUE INDEX organisations_krs_key ON gmina_9999991.organisations USING btree (krs) WHERE (krs IS NOT NULL);

CREATE INDEX organisations_name_trgm ON gmina_9999991.organisations USING gin (public.fold(name) public.gin_trgm_ops);

CREATE UNIQUE INDEX organisations_nip_key ON gmina_9999991.organisations USING btree (nip) WHERE (nip IS NOT NULL);

CREATE INDEX organisations_status ON gmina_9999991.organisations USING btree (status);

CREATE UNIQUE INDEX premises_applications_one_winner ON gmina_9999991.premises_applications USING btree (call_id, premises_id) WHERE (result = 'won'::text);

CREATE INDEX premises_history_of ON gmina_9999991.premises_history USING btree (premises_id, at);

CREATE INDEX premises_photos_of ON gmina_9999991.premises_photos USING btree (premises_id, "position");

CREATE INDEX premises_status ON gmina_9999991.premises USING btree (status);

CREATE INDEX procurement_clauses_due ON gmina_9999991.procurement_clauses USING btree (next_check_on) WHERE (next_check_on IS NOT NULL);

CREATE UNIQUE INDEX procurement_subscriptions_email ON gmina_9999991.procurement_subscriptions USING btree (lower(email));

CREATE UNIQUE INDEX procurements_reference_key ON gmina_9999991.procurements USING btree (lower(reference));

CREATE INDEX procurements_status ON gmina_9999991.procurements USING btree (status);

CREATE TRIGGER equipment_categories_project AFTER UPDATE OF name ON gmina_9999991.equipment_categories FOR EACH ROW EXECUTE FUNCTION gmina_9999991.project_equipment_category();

CREATE TRIGGER equipment_items_project AFTER INSERT OR DELETE OR UPDATE ON gmina_9999991.equipment_items FOR EACH ROW EXECUTE FUNCTION gmina_9999991.project_equipment_item();

CREATE TRIGGER figures_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON gmina_9999991.clause_checks FOR EACH STATEMENT EXECUTE FUNCTION public.figures_mark_schema();

CREATE TRIGGER figures_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON gmina_9999991.clause_targets FOR EACH STATEMENT EXECUTE FUNCTION public.figures_mark_schema();

CREATE TRIGGER figures_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON gmina_9999991.equipment_items FOR EACH STATEMENT EXECUTE FUNCTION public.figures_mark_schema();

CREATE TRIGGER figures_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON gmina_9999991.equipment_loans FOR EACH STATEMENT EXECUTE FUNCTION public.figures_mark_schema();

CREATE TRIGGER figures_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON gmina_9999991.equipment_requests FOR EACH STATEMENT EXECUTE FUNCTION public.figures_mark_schema();

CREATE TRIGGER figures_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON gmina_9999991.offers FOR EACH STATEMENT EXECUTE FUNCTION public.figures_mark_schema();

CREATE TRIGGER figures_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON gmina_9999991.organisations FOR EACH STATEMENT EXECUTE FUNCTION public.figures_mark_schema();

CREATE TRIGGER figures_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON gmina_9999991.premises_leases FOR EACH STATEMENT EXECUTE FUNCTION public.figures_mark_schema();

CREATE TRIGGER figures_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON gmina_9999991.procurement_clauses FOR EACH STATEMENT EXECUTE FUNCTION public.figures_mark_schema();

CREATE TRIGGER figures_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON gmina_9999991.procurements FOR EACH STATEMENT EXECUTE FUNCTION public.figures_mark_schema();

CREATE TRIGGER figures_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON gmina_9999991.support_entries FOR EACH STATEMENT EXECUTE FUNCTION public.figures_mark_schema();

CREATE TRIGGER offer_categories_project AFTER UPDATE OF name ON gmina_9999991.offer_categories FOR EACH ROW EXECUTE FUNCTION gmina_9999991.project_offer_category();

CREATE TRIGGER offers_project AFTER INSERT OR DELETE OR UPDATE ON gmina_9999991.offers FOR EACH ROW EXECUTE FUNCTION gmina_9999991.project_offer();

ALTER TABLE ONLY gmina_9999991.clause_checks
    ADD CONSTRAINT clause_checks_clause_id_fkey FOREIGN KEY (clause_id) REFERENCES gmina_9999991.procurement_clauses(id) ON DELETE CASCADE;

ALTER TABLE ONLY gmina_9999991.equipment_items
    ADD CONSTRAINT equipment_items_category_fkey FOREIGN KEY (category) REFERENCES gmina_9999991.equipment_categories(code);

ALTER TABLE ONLY gmina_9999991.equipment_loans
    ADD CONSTRAINT equipment_loans_item_id_fkey FOREIGN KEY (item_id) REFERENCES gmina_9999991.equipment_items(id) ON DELETE CASCADE;

ALTER TABLE ONLY gmina_9999991.equipment_photos
    ADD CONSTRAINT equipment_photos_item_id_fkey FOREIGN KEY (item_id) REFERENCES gmina_9999991.equipment_items(id) ON DELETE CASCADE;

ALTER TABLE ONLY gmina_9999991.equipment_requests
    ADD CONSTRAINT equipment_requests_item_id_fkey FOREIGN KEY (item_id) REFERENCES gmina_9999991.equipment_items(id) ON DELETE CASCADE;

ALTER TABLE ONLY gmina_9999991.offer_photos
    ADD CONSTRAINT offer_photos_offer_id_fkey FOREIGN KEY (offer_id) REFERENCES gmina_9999991.offers(id) ON DELETE CASCADE;

ALTER TABLE ONLY gmina_9999991.offers
    ADD CONSTRAINT offers_category_fkey FOREIGN KEY (category) REFERENCES gmina_9999991.offer_categories(code);

ALTER TABLE ONLY gmina_9999991.offers
    ADD CONSTRAINT offers_organisation_id_fkey FOREIGN KEY (organisation_id) REFERENCES gmina_9999991.organisations(id) ON DELETE CASCADE;

ALTER TABLE ONLY gmina_9999991.organisation_claims
    ADD CONSTRAINT organisation_claims_organisation_id_fkey FOREIGN KEY (organisation_id) REFERENCES gmina_9999991.organisations(id) ON DELETE CASCADE;

ALTER TABLE ONLY gmina_9999991.premises_applications
    ADD CONSTRAINT premises_applications_call_id_fkey FOREIGN KEY (call_id) REFERENCES gmina_9999991.premises_calls(id) ON DELETE CASCADE;

ALTER TABLE ONLY gmina_9999991.premises_applications
    ADD CONSTRAINT premises_applications_call_id_premises_id_fkey FOREIGN KEY (call_id, premises_id) REFERENCES gmina_9999991.premises_call_items(call_id, premises_id);

ALTER TABLE ONLY gmina_9999991.premises_call_items
    ADD CONSTRAINT premises_call_items_call_id_fkey FOREIGN KEY (call_id) REFERENCES gmina_9999991.premises_calls(id) ON DELETE CASCADE;

ALTER TABLE ONLY gmina_9999991.premises_call_items
    ADD CONSTRAINT premises_call_items_premises_id_fkey FOREIGN KEY (premises_id) REFERENCES gmina_9999991.premises(id);

ALTER TABLE ONLY gmina_9999991.premises_history
    ADD CONSTRAINT premises_history_premises_id_fkey FOREIGN KEY (premises_id) REFERENCES gmina_9999991.premises(id) ON DELETE CASCADE;

ALTER TABLE ONLY gmina_9999991.premises_leases
    ADD CONSTRAINT premises_leases_application_id_fkey FOREIGN KEY (application_id) REFERENCES gmina_9999991.premises_applications(id);

ALTER TABLE ONLY gmina_9999991.premises_leases
    ADD CONSTRAINT premises_leases_premises_id_fkey FOREIGN KEY (premises_id) REFERENCES gmina_9999991.premises(id);

ALTER TABLE ONLY gmina_9999991.premises_photos
    ADD CONSTRAINT premises_photos_premises_id_fkey FOREIGN KEY (premises_id) REFERENCES gmina_9999991.premises(id) ON DELETE CASCADE;

ALTER TABLE ONLY gmina_9999991.procurement_clauses
    ADD CONSTRAINT procurement_clauses_procurement_id_fkey FOREIGN KEY (procurement_id) REFERENCES gmina_9999991.procurements(id) ON DELETE CASCADE;

ALTER TABLE ONLY gmina_9999991.procurement_notices
    ADD CONSTRAINT procurement_notices_procurement_id_fkey FOREIGN KEY (procurement_id) REFERENCES gmina_9999991.procurements(id) ON DELETE CASCADE;

