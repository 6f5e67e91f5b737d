-- Sorting thousands of names with the ICU collation costs a library call per comparison (the
-- list page spent half its time there). polish_key() maps each letter of the Polish alphabet to
-- one code point in alphabet order (U+0100…U+0122, all above ASCII digits and punctuation), so
-- that plain byte order ("C" collation) is Polish alphabetical order, case-insensitive:
-- L < Ł < M, S < Ś < T, Z < Ź < Ż. Stored as generated columns, compared with memcmp.
CREATE FUNCTION public.polish_key(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN translate(lower($1), 'aąbcćdeęfghijklłmnńoópqrsśtuvwxyzźż',
                     'ĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢ');

ALTER TABLE pes_directory
    ADD COLUMN name_key text COLLATE "C" GENERATED ALWAYS AS (public.polish_key(name)) STORED,
    ADD COLUMN address_key text COLLATE "C"
        GENERATED ALWAYS AS (public.polish_key(locality || ' ' || street)) STORED,
    -- What the text filter searches: name and description, folded (lower case, no diacritics).
    ADD COLUMN search_text text GENERATED ALWAYS AS (public.fold(name || ' ' || description)) STORED;
CREATE INDEX pes_directory_search_trgm ON pes_directory USING gin (search_text public.gin_trgm_ops);

ALTER TABLE tenants ADD COLUMN name_key text COLLATE "C" GENERATED ALWAYS AS (public.polish_key(name)) STORED;
ALTER TABLE powiats ADD COLUMN name_key text COLLATE "C" GENERATED ALWAYS AS (public.polish_key(name)) STORED;
