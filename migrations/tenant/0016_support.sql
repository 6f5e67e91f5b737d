-- Mapa wsparcia: the gmina's own support entries (its NGO centre, MOPS/GOPS, CIS…), with the
-- columns and checks of the regional ones (public migration 0018).
CREATE TABLE support_entries (LIKE public.support_regional INCLUDING ALL);
