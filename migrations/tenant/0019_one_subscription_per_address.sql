-- One subscription per address and list: subscribing again changes it (to be confirmed again)
-- instead of adding another row that sends the same notice twice. Older duplicates go; the
-- newest choice of each address stays.
DELETE FROM offer_subscriptions s USING offer_subscriptions n
WHERE lower(n.email) = lower(s.email) AND n.id > s.id;
CREATE UNIQUE INDEX offer_subscriptions_email ON offer_subscriptions (lower(email));

DELETE FROM procurement_subscriptions s USING procurement_subscriptions n
WHERE lower(n.email) = lower(s.email) AND n.id > s.id;
CREATE UNIQUE INDEX procurement_subscriptions_email ON procurement_subscriptions (lower(email));
