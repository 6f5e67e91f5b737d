-- The offer list reads only active offers, a page at a time: these partial indexes give each sort
-- its first page without sorting every offer, and the count an index-only scan.
CREATE INDEX offers_active_by_name ON offers (name_key, id) WHERE status = 'active';
CREATE INDEX offers_active_by_price ON offers (price_grosze ASC NULLS LAST, name_key, id) WHERE status = 'active';
CREATE INDEX offers_active_by_date ON offers (created_at DESC, id DESC) WHERE status = 'active';
CREATE INDEX offers_active_organisation ON offers (organisation_id) WHERE status = 'active';
