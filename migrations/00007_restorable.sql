-- +goose Up
-- A dump must restore. pg_restore runs with an empty search_path, and a CHECK is evaluated for
-- every row it copies: analysis_terms_folded called search_key unqualified in a string body, so
-- every restore failed to load crop_industries (and the linkage answer lost its zones). A
-- SQL-standard body is parsed once, when the function is created, and binds search_key itself,
-- whatever the search_path of the caller (as search_key, sources_ok and figures_ok already do).
CREATE OR REPLACE FUNCTION analysis_terms_folded(a text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN NOT EXISTS (SELECT 1 FROM unnest(a) AS x WHERE x IS NULL OR btrim(x) = '' OR x <> search_key(x));

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION analysis_terms_folded(a text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT NOT EXISTS (SELECT 1 FROM unnest(a) AS x WHERE x IS NULL OR btrim(x) = '' OR x <> search_key(x))
$$;
-- +goose StatementEnd
