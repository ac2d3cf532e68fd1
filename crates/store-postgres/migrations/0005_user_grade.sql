-- The grade of an inspector user (`officer`, `auxiliary`, `nco`); NULL for every other role.
-- An auxiliary's refuse or detain waits for an officer's countersignature.
ALTER TABLE users ADD COLUMN grade TEXT;
