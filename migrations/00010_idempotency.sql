-- +goose Up
-- A create that a client may send again: POST with an Idempotency-Key. The first request with a
-- key records, in its own transaction, what it asked for (a hash of the collection, the body and
-- the comment) and what it created; a repeat with the same key and the same request answers with
-- that feature or proposal instead of making a second one, and a repeat with the same key and
-- another request is refused. A key is one user's (two users may choose the same one) and lives a
-- day: geo/edit deletes a user's older keys as it records a new one, so the table holds at most a
-- day of each user's creates.
CREATE TABLE idempotency_keys (
  actor        text NOT NULL,
  key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  request_hash bytea NOT NULL CHECK (length(request_hash) = 32),
  target       text NOT NULL, -- a layer id, or 'proposals'
  result_id    bigint NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (actor, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (actor, created_at);

-- Each user sees and records only its own keys, whatever a handler does.
ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_own_keys ON idempotency_keys TO clustermap_editor
  USING (actor = workspace_setting('user'))
  WITH CHECK (actor = workspace_setting('user'));
GRANT SELECT, INSERT, DELETE ON idempotency_keys TO clustermap_editor;

-- +goose Down
DROP TABLE idempotency_keys;
