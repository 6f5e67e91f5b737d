-- A gmina's tables no longer hold foreign keys to public tables. Each such key put two triggers
-- on the public table for every gmina: at 2,477 gminas `public.accounts` carried 44,608 of them,
-- so a new schema locked it and rebuilt its definition (provisioning grew with the number of
-- gminas), every session cached them all, and deleting one account ran 22,000 checks and ran out
-- of lock memory. The columns stay; they name an account by its id (never reused), which may be
-- gone: readers join `public.accounts` and show nothing for a deleted one, a claim of a deleted
-- account is no longer shown or decided, and an archive's restore clears ids with no account
-- (see `GminaData::account_columns`). Clause codes are checked against the catalogue by the
-- register's form.
ALTER TABLE organisations DROP CONSTRAINT organisations_created_by_fkey;
ALTER TABLE organisation_claims DROP CONSTRAINT organisation_claims_account_id_fkey;
ALTER TABLE offers DROP CONSTRAINT offers_created_by_fkey;
ALTER TABLE equipment_items DROP CONSTRAINT equipment_items_giver_id_fkey;
ALTER TABLE equipment_requests DROP CONSTRAINT equipment_requests_requested_by_fkey;
ALTER TABLE equipment_loans DROP CONSTRAINT equipment_loans_requested_by_fkey;
ALTER TABLE premises_applications DROP CONSTRAINT premises_applications_submitted_by_fkey;
ALTER TABLE procurements DROP CONSTRAINT procurements_responsible_id_fkey;
ALTER TABLE procurement_clauses DROP CONSTRAINT procurement_clauses_clause_fkey;
ALTER TABLE clause_checks DROP CONSTRAINT clause_checks_checked_by_fkey;
