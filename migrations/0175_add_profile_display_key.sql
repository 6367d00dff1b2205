-- Display names are unique by confusable skeleton (issue 24 item 19): `name_key` now holds the UTS #39
-- skeleton after NFKC and case folding, and `display_key` the skeleton of the name as displayed (then
-- folded). A version claims both in `clone_profile_names` (PRIMARY KEY name_key). Rows written before
-- this migration keep their old folded `name_key` and no `display_key` (NULL): they block exactly what
-- they blocked before, until the clone submits again.
ALTER TABLE clone_profile_versions ADD COLUMN display_key TEXT;
