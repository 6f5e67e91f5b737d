-- Another gmina's card shows here only while that gmina's site is up: a suspended gmina's cards
-- (and so their offers in the Giełda and their members acting here) are not published elsewhere,
-- linking to a site that answers 503. Its own site shows nothing either while suspended.
CREATE OR REPLACE VIEW pes_visible AS
    SELECT d.teryt AS gmina, d.teryt, d.organisation_id, d.name, d.legal_form, d.areas
    FROM pes_directory d WHERE d.status = 'verified'
    UNION ALL
    SELECT g, d.teryt, d.organisation_id, d.name, d.legal_form, d.areas
    FROM pes_directory d CROSS JOIN LATERAL unnest(d.also_in) g
    WHERE d.status = 'verified' AND g <> d.teryt
      AND EXISTS (SELECT 1 FROM tenants t WHERE t.teryt = d.teryt AND t.status = 'active')
      AND NOT EXISTS (SELECT 1 FROM foreign_hidden h WHERE h.teryt = g AND h.source_teryt = d.teryt
                      AND h.organisation_id = d.organisation_id);
