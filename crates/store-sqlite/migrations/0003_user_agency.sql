-- A user may belong to a partner agency (customs, railway, the border unit...): a partner
-- sees only what concerns its own agency.
ALTER TABLE users ADD COLUMN agency TEXT;
