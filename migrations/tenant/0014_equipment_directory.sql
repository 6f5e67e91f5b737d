-- Bank sprzętu's items in the regional projection (public.equipment_directory): a row while the
-- public sees an item, kept by triggers in the transaction of every change, so no code path can
-- forget it. The functions keep the search path of this migration (this schema, then public).

CREATE FUNCTION project_equipment_item() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT
AS $$
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
$$;

CREATE TRIGGER equipment_items_project AFTER INSERT OR UPDATE OR DELETE ON equipment_items
    FOR EACH ROW EXECUTE FUNCTION project_equipment_item();

-- A renamed category is renamed in the projection too.
CREATE FUNCTION project_equipment_category() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT
AS $$
BEGIN
    UPDATE public.equipment_directory SET category_name = NEW.name
    WHERE teryt = substring(TG_TABLE_SCHEMA FROM '^gmina_([0-9]{7})$') AND category = NEW.code;
    RETURN NEW;
END
$$;

CREATE TRIGGER equipment_categories_project AFTER UPDATE OF name ON equipment_categories
    FOR EACH ROW EXECUTE FUNCTION project_equipment_category();

-- Items written before this migration.
INSERT INTO public.equipment_directory
    (teryt, item_id, name, description, kind, category, category_name, condition, quantity,
     available, powiat_wide, created_at, updated_at)
SELECT substring(current_schema() FROM '^gmina_([0-9]{7})$'), i.id, i.name, i.description, i.kind,
       i.category, c.name, i.condition, i.quantity, i.available, i.powiat_wide, i.created_at, i.updated_at
FROM equipment_items i JOIN equipment_categories c ON c.code = i.category
WHERE i.status = 'active' AND (i.kind = 'loan' OR i.available > 0)
ON CONFLICT (teryt, item_id) DO NOTHING;
