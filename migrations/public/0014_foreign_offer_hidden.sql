-- Offers of other gminas' PES hidden by gmina `teryt` from its Giełda, with a reason (the offer
-- stays in its home gmina and wherever else it is available).
CREATE TABLE foreign_offer_hidden (
    teryt        text NOT NULL REFERENCES tenants (teryt),
    source_teryt text NOT NULL REFERENCES tenants (teryt),
    offer_id     bigint NOT NULL,
    reason       text NOT NULL CHECK (length(reason) BETWEEN 10 AND 500),
    hidden_by    bigint REFERENCES accounts (id) ON DELETE SET NULL,
    hidden_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (teryt, source_teryt, offer_id)
);
