-- The gmina's accessibility statement (deklaracja dostępności; act of 4 April 2019 on the digital
-- accessibility of public bodies' websites, art. 10, and the minister's template). One row; until the
-- admin saves it, the site shows defaults.
CREATE TABLE accessibility_statement (
    singleton       boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    published_on    date NOT NULL,
    updated_on      date NOT NULL,
    compliance      text NOT NULL CHECK (compliance IN ('zgodna', 'czesciowo', 'niezgodna')),
    non_accessible  text NOT NULL,
    prepared_on     date NOT NULL,
    prepared_how    text NOT NULL,
    contact_person  text NOT NULL,
    contact_email   text NOT NULL,
    contact_phone   text NOT NULL,
    architecture    text NOT NULL,
    updated_by      bigint,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
