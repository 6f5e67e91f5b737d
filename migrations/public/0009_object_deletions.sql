-- Objects to remove from the photo store. A deleted photo's keys are queued in the transaction
-- that deletes its row, so a store that is down when the offer goes loses nothing: the worker
-- removes them once it answers.
CREATE TABLE object_deletions (
    key        text PRIMARY KEY,
    queued_at  timestamptz NOT NULL DEFAULT now(),
    attempts   integer NOT NULL DEFAULT 0,
    last_error text
);
