-- Baza PES publishes its organisations to the other modules of the gmina (Giełda and those to come)
-- through this view: id, name and status ('verified' is the one that may offer), so no other
-- module depends on the organisations table itself.
CREATE VIEW organisation_summaries AS
    SELECT id, name, status FROM organisations;
