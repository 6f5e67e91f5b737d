-- The public directories' row triggers (0022) called their function on every change of a row:
-- every edit of an offer rewrites its projection, and the call and its lookups cost a quarter of
-- the edit. The figures across gminas depend on a few columns only, so the triggers now fire only
-- when those change, and on insert or delete only for rows that reach other gminas (a WHEN test
-- runs inside the server, without calling the function).
DROP TRIGGER figures_mark ON offer_directory;
CREATE TRIGGER figures_mark AFTER UPDATE ON offer_directory FOR EACH ROW
    WHEN ((OLD.teryt, OLD.organisation_id, OLD.across_gminas)
          IS DISTINCT FROM (NEW.teryt, NEW.organisation_id, NEW.across_gminas))
    EXECUTE FUNCTION figures_mark_offer();
CREATE TRIGGER figures_mark_insert AFTER INSERT ON offer_directory FOR EACH ROW
    WHEN (NEW.across_gminas) EXECUTE FUNCTION figures_mark_offer();
CREATE TRIGGER figures_mark_delete AFTER DELETE ON offer_directory FOR EACH ROW
    WHEN (OLD.across_gminas) EXECUTE FUNCTION figures_mark_offer();

DROP TRIGGER figures_mark ON pes_directory;
CREATE TRIGGER figures_mark AFTER UPDATE ON pes_directory FOR EACH ROW
    WHEN ((OLD.teryt, OLD.organisation_id, OLD.status, OLD.also_in)
          IS DISTINCT FROM (NEW.teryt, NEW.organisation_id, NEW.status, NEW.also_in))
    EXECUTE FUNCTION figures_mark_card();
CREATE TRIGGER figures_mark_insert AFTER INSERT ON pes_directory FOR EACH ROW
    WHEN (cardinality(NEW.also_in) > 0) EXECUTE FUNCTION figures_mark_card();
CREATE TRIGGER figures_mark_delete AFTER DELETE ON pes_directory FOR EACH ROW
    WHEN (cardinality(OLD.also_in) > 0) EXECUTE FUNCTION figures_mark_card();
