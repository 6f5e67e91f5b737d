-- Members may make an offer available in the other gminas their organisation works in; the
-- projection carries the flag to the regional layer.
ALTER TABLE offers ADD COLUMN across_gminas boolean NOT NULL DEFAULT false;

CREATE OR REPLACE FUNCTION project_offer() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT
AS $$
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
$$;
