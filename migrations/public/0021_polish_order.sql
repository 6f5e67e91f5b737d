-- Names sort as Polish readers expect (issue: quoted names out of order). polish_key() mapped
-- the Polish alphabet to U+0100…U+0122 and left every other character as it was, so typographic
-- quotes (U+201E „, U+201D ”), dashes and other punctuation — common in organisation names,
-- "Stowarzyszenie „JESTEM”" — sorted after every letter. Now punctuation is left out of the key,
-- runs of spaces count as one, and the usual foreign diacritics sort with their base letters;
-- spaces, digits and letters keep their order. The same rule in Rust: pestor_core::collation.
CREATE OR REPLACE FUNCTION public.polish_key(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN btrim(regexp_replace(
        translate(translate(lower($1), 'áàâäãåéèêëíìîïòôöõøúùûüýÿçñšžčřěďťňľĺŕ', 'aaaaaaeeeeiiiiooooouuuuyycnszcredtnllr'),
                  'aąbcćdeęfghijklłmnńoópqrsśtuvwxyzźż!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~„”“‟«»‹›‘’‚‛–—―‐‑‒…•·§°¦¡¿',
                  'ĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢ'),
        ' {2,}', ' ', 'g'));

-- Stored keys are computed again: each generated column is dropped (with its indexes) and added.
ALTER TABLE pes_directory DROP COLUMN name_key, DROP COLUMN address_key;
ALTER TABLE pes_directory
    ADD COLUMN name_key text COLLATE "C" GENERATED ALWAYS AS (public.polish_key(name)) STORED,
    ADD COLUMN address_key text COLLATE "C"
        GENERATED ALWAYS AS (public.polish_key(locality || ' ' || street)) STORED;
CREATE INDEX pes_directory_name_key ON pes_directory (name_key) WHERE status = 'verified';

ALTER TABLE offer_directory DROP COLUMN name_key;
ALTER TABLE offer_directory
    ADD COLUMN name_key text COLLATE "C" GENERATED ALWAYS AS (public.polish_key(name)) STORED;
CREATE INDEX offer_directory_name_key ON offer_directory (name_key);

ALTER TABLE equipment_directory DROP COLUMN name_key;
ALTER TABLE equipment_directory
    ADD COLUMN name_key text COLLATE "C" GENERATED ALWAYS AS (public.polish_key(name)) STORED;

ALTER TABLE support_regional DROP COLUMN name_key;
ALTER TABLE support_regional
    ADD COLUMN name_key text COLLATE "C" GENERATED ALWAYS AS (public.polish_key(name)) STORED;

ALTER TABLE tenants DROP COLUMN name_key;
ALTER TABLE tenants ADD COLUMN name_key text COLLATE "C" GENERATED ALWAYS AS (public.polish_key(name)) STORED;
ALTER TABLE powiats DROP COLUMN name_key;
ALTER TABLE powiats ADD COLUMN name_key text COLLATE "C" GENERATED ALWAYS AS (public.polish_key(name)) STORED;
