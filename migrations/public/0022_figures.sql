-- The regional figures' store (`pestor_kit::figures`). A gmina's figures are counted from its own
-- tables by a background job, one gmina at a time, after anything they count changes; the regional
-- pages read only these tables, never every gmina's schema.

-- Gminas whose figures may be out of date. Writers only append (no row is ever updated, so no
-- writer waits for another); the job deletes a gmina's marks in the transaction that recounts
-- it, so a mark is gone only once its writer's data was counted, and a crash leaves it in place.
CREATE TABLE figure_marks (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    teryt     text NOT NULL,
    marked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX figure_marks_teryt ON figure_marks (teryt);

-- Each figure's value as of the day of the gmina's last count ("now" figures, and figures by day
-- summed over the period the dashboard shows them for).
CREATE TABLE figure_values (
    teryt text NOT NULL REFERENCES tenants (teryt) ON DELETE CASCADE,
    key   text NOT NULL,
    value bigint NOT NULL,
    PRIMARY KEY (teryt, key)
);

-- Figures by day: a value attributed to each day; over any period, the sum of its days.
CREATE TABLE figure_days (
    teryt text NOT NULL REFERENCES tenants (teryt) ON DELETE CASCADE,
    key   text NOT NULL,
    day   date NOT NULL,
    value numeric NOT NULL,
    PRIMARY KEY (key, day, teryt)
);
CREATE INDEX figure_days_gmina ON figure_days (teryt);

-- When a gmina was last counted, and for which day in Poland: a gmina not counted today is
-- counted again (figures such as "overdue" or "this year" move with the calendar).
CREATE TABLE figure_counts (
    teryt      text PRIMARY KEY REFERENCES tenants (teryt) ON DELETE CASCADE,
    day        date NOT NULL,
    counted_at timestamptz NOT NULL DEFAULT now()
);

-- A statement changed a table a figure counts (a trigger on it in every gmina's schema): the
-- gmina is the schema's (`gmina_` + TERYT).
CREATE FUNCTION figures_mark_schema() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.figure_marks (teryt) VALUES (substr(TG_TABLE_SCHEMA, 7));
    RETURN NULL;
END $$;

-- The gminas a public row's change reaches: its own and every gmina the card names.
CREATE FUNCTION figures_mark_teryts(teryts text[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO public.figure_marks (teryt) SELECT DISTINCT g FROM unnest(teryts) g WHERE g IS NOT NULL
$$;

-- A card of the directory: the gminas it names count it (and its offers) among other gminas'.
CREATE FUNCTION figures_mark_card() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        PERFORM figures_mark_teryts(NEW.also_in);
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM figures_mark_teryts(OLD.also_in);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER figures_mark AFTER INSERT OR DELETE OR UPDATE ON pes_directory
    FOR EACH ROW EXECUTE FUNCTION figures_mark_card();

-- An offer across gminas counts in every gmina its PES's card names.
CREATE FUNCTION figures_mark_offer() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE o record;
BEGIN
    FOR o IN SELECT OLD.teryt, OLD.organisation_id WHERE TG_OP <> 'INSERT'
             UNION SELECT NEW.teryt, NEW.organisation_id WHERE TG_OP <> 'DELETE' LOOP
        PERFORM figures_mark_teryts(d.also_in) FROM public.pes_directory d
            WHERE d.teryt = o.teryt AND d.organisation_id = o.organisation_id;
    END LOOP;
    RETURN NULL;
END $$;
CREATE TRIGGER figures_mark AFTER INSERT OR DELETE OR UPDATE ON offer_directory
    FOR EACH ROW EXECUTE FUNCTION figures_mark_offer();

-- Rows that name the gmina they count in.
CREATE FUNCTION figures_mark_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        PERFORM figures_mark_teryts(ARRAY[NEW.teryt]);
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM figures_mark_teryts(ARRAY[OLD.teryt]);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER figures_mark AFTER INSERT OR DELETE OR UPDATE ON foreign_hidden
    FOR EACH ROW EXECUTE FUNCTION figures_mark_row();
CREATE TRIGGER figures_mark AFTER INSERT OR DELETE OR UPDATE ON gmina_roles
    FOR EACH ROW EXECUTE FUNCTION figures_mark_row();

-- A gmina suspended or resumed: other gminas stop or start showing its PES and their offers.
CREATE FUNCTION figures_mark_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        PERFORM figures_mark_teryts(ARRAY[NEW.teryt]
            || coalesce((SELECT array_agg(DISTINCT g) FROM public.pes_directory d, unnest(d.also_in) g
                         WHERE d.teryt = NEW.teryt), '{}'));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER figures_mark AFTER UPDATE OF status ON tenants
    FOR EACH ROW EXECUTE FUNCTION figures_mark_status();
