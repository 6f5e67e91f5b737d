-- Giełda's offers in the regional projection (public.offer_directory): a row while an offer is
-- active, kept by triggers in the transaction of every change, so no code path can forget it.
-- The functions keep the search path of this migration (this schema, then public).

CREATE FUNCTION project_offer() RETURNS trigger
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
         price_grosze, price_note, target_groups, created_at, updated_at)
    SELECT gmina, NEW.id, NEW.organisation_id, NEW.name, NEW.description, NEW.category, c.name,
           NEW.price_grosze, NEW.price_note, NEW.target_groups, NEW.created_at, NEW.updated_at
    FROM offer_categories c WHERE c.code = NEW.category
    ON CONFLICT (teryt, offer_id) DO UPDATE SET
        organisation_id = EXCLUDED.organisation_id, name = EXCLUDED.name,
        description = EXCLUDED.description, category = EXCLUDED.category,
        category_name = EXCLUDED.category_name, price_grosze = EXCLUDED.price_grosze,
        price_note = EXCLUDED.price_note, target_groups = EXCLUDED.target_groups,
        updated_at = EXCLUDED.updated_at;
    RETURN NEW;
END
$$;

CREATE TRIGGER offers_project AFTER INSERT OR UPDATE OR DELETE ON offers
    FOR EACH ROW EXECUTE FUNCTION project_offer();

-- A renamed category is renamed in the projection too.
CREATE FUNCTION project_offer_category() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT
AS $$
BEGIN
    UPDATE public.offer_directory SET category_name = NEW.name
    WHERE teryt = substring(TG_TABLE_SCHEMA FROM '^gmina_([0-9]{7})$') AND category = NEW.code;
    RETURN NEW;
END
$$;

CREATE TRIGGER offer_categories_project AFTER UPDATE OF name ON offer_categories
    FOR EACH ROW EXECUTE FUNCTION project_offer_category();

-- Offers written before this migration.
INSERT INTO public.offer_directory
    (teryt, offer_id, organisation_id, name, description, category, category_name,
     price_grosze, price_note, target_groups, created_at, updated_at)
SELECT substring(current_schema() FROM '^gmina_([0-9]{7})$'), f.id, f.organisation_id, f.name,
       f.description, f.category, c.name, f.price_grosze, f.price_note, f.target_groups,
       f.created_at, f.updated_at
FROM offers f JOIN offer_categories c ON c.code = f.category
WHERE f.status = 'active'
ON CONFLICT (teryt, offer_id) DO NOTHING;
