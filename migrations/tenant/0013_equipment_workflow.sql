-- Bank sprzętu, second part: who asks (a PES of this gmina or of another that works here), the
-- decisions' notes, loan units assigned on approval, reminders, photos, powiat-wide items.

-- No route wrote requests or loans before this migration, so the NOT NULL columns meet empty tables.
-- A requester is named by its home gmina and its id there; the name is kept as it was when it
-- asked, so the giver's lists need no other gmina's data.
ALTER TABLE equipment_requests
    ADD COLUMN organisation_teryt text NOT NULL CHECK (organisation_teryt ~ '^[0-9]{7}$'),
    ADD COLUMN organisation_name  text NOT NULL,
    ADD COLUMN decision_note      text NOT NULL DEFAULT '' CHECK (length(decision_note) <= 500),
    ADD COLUMN handed_over_at     timestamptz;
-- One open request per organisation and item: a second click or a second tab asks nothing more.
CREATE UNIQUE INDEX equipment_requests_open ON equipment_requests (item_id, organisation_teryt, organisation_id)
    WHERE status IN ('pending', 'accepted');

-- A loan's unit is chosen when it is approved (the first one free for its dates).
ALTER TABLE equipment_loans
    ALTER COLUMN unit DROP NOT NULL,
    ADD COLUMN organisation_teryt  text NOT NULL CHECK (organisation_teryt ~ '^[0-9]{7}$'),
    ADD COLUMN organisation_name   text NOT NULL,
    ADD COLUMN decision_note       text NOT NULL DEFAULT '' CHECK (length(decision_note) <= 500),
    ADD COLUMN lent_at             timestamptz,
    -- The letters sent: the day before the due date, and once when it has passed.
    ADD COLUMN reminded_at         timestamptz,
    ADD COLUMN overdue_notified_at timestamptz,
    ADD CONSTRAINT equipment_loans_unit_assigned
        CHECK (status IN ('requested', 'declined', 'withdrawn') OR unit IS NOT NULL);
CREATE INDEX equipment_loans_due ON equipment_loans (upper(during)) WHERE status = 'lent';

-- Up to 8 ordered photos per item, in the photo store like the Giełda's.
CREATE TABLE equipment_photos (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id    bigint NOT NULL REFERENCES equipment_items (id) ON DELETE CASCADE,
    object     uuid NOT NULL UNIQUE,
    position   integer NOT NULL,
    alt        text NOT NULL CHECK (length(alt) BETWEEN 3 AND 300),
    width      integer NOT NULL,
    height     integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX equipment_photos_item ON equipment_photos (item_id, position);

-- Offered to PES of the whole powiat: the item shows in the lists of the powiat's other gminas.
ALTER TABLE equipment_items ADD COLUMN powiat_wide boolean NOT NULL DEFAULT false;
