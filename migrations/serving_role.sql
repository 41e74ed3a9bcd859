-- Not a numbered migration: `clustermap migrate` runs it after the migrations, every time, as the
-- owner. It gives the service's login role (the setting clustermap.serve_role, from
-- CLUSTERMAP_SERVE_ROLE) what `serve` needs, and nothing else: it owns nothing, reads every
-- table, keeps sessions, and writes features and proposals only as clustermap_editor, under
-- row-level security and the history trigger. The database's CONNECT and the role's membership
-- are not part of a dump, so a restored database gets them back from the next migrate.
-- CONNECT is the serving role's (and the owner's) alone: clustermap_editor exists once per
-- PostgreSQL cluster, and another installation's service, also its member, must not connect here
-- and write as it.
DO $$
DECLARE
  serve text := current_setting('clustermap.serve_role');
  db text := current_database();
  t text;
  k text;
BEGIN
  IF serve = '' OR serve = current_user THEN
    RAISE EXCEPTION 'the serving role must be a role other than the owner (%), which migrates', current_user;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = serve) THEN
    EXECUTE format('CREATE ROLE %I LOGIN', serve); -- no password: an administrator gives it one
  END IF;
  -- NOINHERIT: the editor's rights are the serving role's only after SET ROLE clustermap_editor,
  -- where the workflow trigger, the district scope and the history trigger bind every write. As
  -- itself it reads, keeps sessions and locks rows, nothing more.
  EXECUTE format('ALTER ROLE %I NOINHERIT NOCREATEROLE NOCREATEDB', serve);
  EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM PUBLIC', db); -- TEMPORARY stays: writes use temporary tables
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', db, serve);
  EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', serve);
  EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA public TO %I', serve);
  EXECUTE format('GRANT INSERT, UPDATE ON sessions TO %I', serve);
  EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO %I', serve);
  EXECUTE format('GRANT clustermap_editor TO %I', serve);
  -- Row-level security binds the serving role as it binds the editor (only the owner is exempt):
  -- it reads every row of each such table, as it reads every other table. A write locks its row
  -- (SELECT … FOR UPDATE) before it becomes the editor, so that a row outside the user's remit is
  -- a clear refusal rather than "not found": locking needs the UPDATE right on one column (the
  -- key) and an UPDATE policy, whose WITH CHECK (false) lets no row be changed by this role.
  FOR t, k IN SELECT c.relname, a.attname FROM pg_class c
               JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND c.relrowsecurity LOOP
    EXECUTE format('DROP POLICY IF EXISTS serving_read ON %I', t);
    EXECUTE format('CREATE POLICY serving_read ON %I FOR SELECT TO %I USING (true)', t, serve);
    EXECUTE format('DROP POLICY IF EXISTS serving_lock ON %I', t);
    EXECUTE format('CREATE POLICY serving_lock ON %I FOR UPDATE TO %I USING (true) WITH CHECK (false)', t, serve);
    EXECUTE format('GRANT UPDATE (%I) ON %I TO %I', k, t, serve);
  END LOOP;
END $$;
