-- An offer its organisation makes available in every gmina its card names ("Działa także w"):
-- it then appears in those gminas' Giełda, marked with its home gmina (tenant migration 0011
-- keeps the flag in step).
ALTER TABLE offer_directory ADD COLUMN across_gminas boolean NOT NULL DEFAULT false;
CREATE INDEX offer_directory_across ON offer_directory (teryt, organisation_id) WHERE across_gminas;

-- Baza PES publishes, per gmina, the verified cards that show there: its own and other gminas'
-- that name it (minus those it hid). Giełda reads this view, not Baza PES' tables.
CREATE VIEW pes_visible AS
    SELECT d.teryt AS gmina, d.teryt, d.organisation_id, d.name, d.legal_form, d.areas
    FROM pes_directory d WHERE d.status = 'verified'
    UNION ALL
    SELECT g, d.teryt, d.organisation_id, d.name, d.legal_form, d.areas
    FROM pes_directory d CROSS JOIN LATERAL unnest(d.also_in) g
    WHERE d.status = 'verified' AND g <> d.teryt
      AND NOT EXISTS (SELECT 1 FROM foreign_hidden h WHERE h.teryt = g AND h.source_teryt = d.teryt
                      AND h.organisation_id = d.organisation_id);
