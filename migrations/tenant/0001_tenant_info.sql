-- First table of every gmina schema: which gmina this schema belongs to. Every module adds its own
-- tables in later migrations. Applied with search_path = <tenant schema>, public.

CREATE TABLE tenant_info (
    singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    teryt          text NOT NULL CHECK (teryt ~ '^[0-9]{6}[1-5]$'),
    provisioned_at timestamptz NOT NULL DEFAULT now()
);
