-- Every table a regional figure counts tells the figures' store that the gmina changed
-- (`public.figure_marks`, see public migration 0022): once per statement, whatever it touched.
CREATE TRIGGER figures_mark AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organisations
    FOR EACH STATEMENT EXECUTE FUNCTION public.figures_mark_schema();
CREATE TRIGGER figures_mark AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON offers
    FOR EACH STATEMENT EXECUTE FUNCTION public.figures_mark_schema();
CREATE TRIGGER figures_mark AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON equipment_items
    FOR EACH STATEMENT EXECUTE FUNCTION public.figures_mark_schema();
CREATE TRIGGER figures_mark AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON equipment_requests
    FOR EACH STATEMENT EXECUTE FUNCTION public.figures_mark_schema();
CREATE TRIGGER figures_mark AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON equipment_loans
    FOR EACH STATEMENT EXECUTE FUNCTION public.figures_mark_schema();
CREATE TRIGGER figures_mark AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON premises_leases
    FOR EACH STATEMENT EXECUTE FUNCTION public.figures_mark_schema();
CREATE TRIGGER figures_mark AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON procurements
    FOR EACH STATEMENT EXECUTE FUNCTION public.figures_mark_schema();
CREATE TRIGGER figures_mark AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON procurement_clauses
    FOR EACH STATEMENT EXECUTE FUNCTION public.figures_mark_schema();
CREATE TRIGGER figures_mark AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON clause_targets
    FOR EACH STATEMENT EXECUTE FUNCTION public.figures_mark_schema();
CREATE TRIGGER figures_mark AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON clause_checks
    FOR EACH STATEMENT EXECUTE FUNCTION public.figures_mark_schema();
CREATE TRIGGER figures_mark AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON support_entries
    FOR EACH STATEMENT EXECUTE FUNCTION public.figures_mark_schema();
