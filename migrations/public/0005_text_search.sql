-- Text search for the registry and the offers: accent-insensitive matching ("zywnosc" finds
-- "Bank Żywności") and typo tolerance (trigrams). Both extensions are "trusted" since
-- PostgreSQL 13, so the database owner may create them; they live in public and tenant schemas
-- call them as public.unaccent(...) and use public's trigram operators.
CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;

-- unaccent() is only STABLE (it reads a dictionary); an immutable wrapper lets indexes use it.
CREATE FUNCTION public.fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN lower(public.unaccent('public.unaccent'::regdictionary, $1));
