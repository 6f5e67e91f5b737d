-- One pending loan request per organisation, item and days: a second click or a second tab asks
-- nothing more (as one open gift request per organisation and item). A further unit for the same
-- days is asked for once the first request is decided. Duplicates waiting today are withdrawn.
UPDATE equipment_loans l SET status = 'withdrawn'
WHERE l.status = 'requested'
  AND EXISTS (SELECT 1 FROM equipment_loans e
              WHERE e.status = 'requested' AND e.id < l.id AND e.item_id = l.item_id
                AND e.organisation_teryt = l.organisation_teryt AND e.organisation_id = l.organisation_id
                AND e.during && l.during);
ALTER TABLE equipment_loans ADD CONSTRAINT equipment_loans_one_request
    EXCLUDE USING gist (item_id WITH =, organisation_teryt WITH =, organisation_id WITH =, during WITH &&)
    WHERE (status = 'requested');
