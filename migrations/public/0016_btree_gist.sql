-- Bank sprzętu keeps loans of one unit from overlapping with an exclusion constraint over an
-- equality (item, unit) and a date range, which needs btree_gist (trusted since PostgreSQL 13).
CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public;
