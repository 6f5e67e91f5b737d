-- A procurement's reference (znak sprawy) is unique whatever its letters' case: "ZP.271.1.2027"
-- and "zp.271.1.2027" name the same case file, as they do in the office's registry.
ALTER TABLE procurements DROP CONSTRAINT procurements_reference_key;
CREATE UNIQUE INDEX procurements_reference_key ON procurements (lower(reference));
