-- Baza PES workflow: cards added by staff (claimable by their organisation), members confirming
-- their data, reminders to re-confirm, and claims waiting for staff.
ALTER TABLE organisations
    ADD COLUMN added_by_staff boolean NOT NULL DEFAULT false,
    -- When a member last confirmed the data is current (answers the 12-month reminder).
    ADD COLUMN confirmed_at timestamptz,
    -- When the last reminder to confirm the data was sent (at most one a month).
    ADD COLUMN reminded_at timestamptz;

CREATE TABLE organisation_claims (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    account_id      bigint NOT NULL REFERENCES public.accounts (id) ON DELETE CASCADE,
    -- Who the claimant is in the organisation, for staff to check.
    message         text NOT NULL CHECK (length(message) BETWEEN 10 AND 2000),
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    reason          text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    decided_at      timestamptz
);
-- One open claim per person and card.
CREATE UNIQUE INDEX organisation_claims_open ON organisation_claims (organisation_id, account_id)
    WHERE status = 'pending';
