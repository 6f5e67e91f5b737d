-- Public migration 0007 widened the regional projection (public.pes_directory). Fill the new
-- columns for this gmina's cards written before it; later writes keep them current.
-- The gmina's TERYT code is the schema name after "gmina_".
UPDATE public.pes_directory d
SET regon = o.regon, year_founded = o.year_founded, description = o.description,
    postal_code = o.postal_code, locality = o.locality, street = o.street,
    powiat_teryt = o.powiat_teryt, phone = o.phone, email = o.email, website = o.website,
    verified_at = o.verified_at, created_at = o.created_at
FROM organisations o
WHERE d.teryt = substring(current_schema() FROM '^gmina_([0-9]{7})$')
  AND d.organisation_id = o.id;
