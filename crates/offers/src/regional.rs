//! Giełda in the regional layer: its part of the search across gminas, read from the projection
//! `public.offer_directory` (kept by triggers on each gmina's `offers`, tenant migration 0010).

use pestor_kit::module::SearchSource;

/// Active offers of verified organisations of every gmina; legal form and areas are the
/// organisation's, from `pes_directory`.
pub const SEARCH: SearchSource = SearchSource {
    kind: "oferta",
    label: "Oferta",
    plural: "oferty",
    query: "SELECT 'oferta'::text, f.teryt, f.offer_id, f.name, o.name, f.description,
                   '/oferty/' || f.offer_id, f.search_text, f.name_key, f.price_grosze,
                   o.legal_form, o.areas, f.category, f.category_name, f.target_groups, f.created_at
            FROM public.offer_directory f
            JOIN public.pes_directory o ON o.teryt = f.teryt AND o.organisation_id = f.organisation_id
            WHERE o.status = 'verified'",
};
