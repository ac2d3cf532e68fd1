-- A carrier user acts for its organisation (a railway operator, a logistics firm, a travel
-- agency) and sees only its own; a device user speaks only for what its scopes name
-- (`sensor:F-07,unit:rrt-1`, `*` for everything; empty for no one).
ALTER TABLE users ADD COLUMN organisation TEXT;
ALTER TABLE users ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
