-- A `q` of one or two letters or digits matches the start of a camera's
-- name (what the picker shows while an operator starts typing). Trigrams
-- can't find so short a substring: pg_trgm takes nothing from it, so such a
-- search read every camera (0.38 s for "zz" at 100,000 cameras). A prefix
-- is a range of this index whatever the database's collation
-- (text_pattern_ops compares characters, as LIKE 'ga%' does);
-- src/cameras/store.rs writes `lower(c.name) LIKE 'ga%'` to match it.
CREATE INDEX cameras_name_prefix ON cameras (lower(name) text_pattern_ops);
