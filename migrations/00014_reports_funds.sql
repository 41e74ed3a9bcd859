-- +goose Up
-- Periodic reports (Circular 14/2024/TT-BCT Art. 3; docs/sources/procedure-2024.md) and the
-- industry-promotion (khuyến công) register.
--
-- A form, who sends it and by when are data (report_forms, seeded from the circular): each is due
-- twice a year, "before" a day of June and of December, so a report received on that day or later
-- is late. The register of reports received says who sent which form for which half-year, when,
-- and with which document; the province's consolidated report (Biểu số 04) is computed from the
-- data, not typed.

CREATE TABLE report_forms (
  form        text PRIMARY KEY CHECK (form ~ '^bieu_0[1-9]$'),
  title_vi    text NOT NULL CHECK (btrim(title_vi) <> ''),
  reporter    text NOT NULL CHECK (reporter IN ('tenant', 'investor', 'commune', 'department')),
  -- The day each half-year's report must come before: month and day of June and December.
  before_h1   text NOT NULL CHECK (before_h1 ~ '^06-[0-3][0-9]$'),
  before_h2   text NOT NULL CHECK (before_h2 ~ '^12-[0-3][0-9]$'),
  sent_to     text NOT NULL,
  sources     text[] NOT NULL CHECK (sources_ok(sources))
);

-- The day a form's report for a half-year is due before.
CREATE FUNCTION report_due(f report_forms, y integer, h smallint) RETURNS date
  LANGUAGE sql IMMUTABLE
  RETURN make_date(y, CASE h WHEN 1 THEN 6 ELSE 12 END,
                   split_part(CASE h WHEN 1 THEN f.before_h1 ELSE f.before_h2 END, '-', 2)::integer);

CREATE TABLE reports_received (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  form        text NOT NULL REFERENCES report_forms (form),
  year        integer NOT NULL CHECK (year BETWEEN 2024 AND 2100),
  half        smallint NOT NULL CHECK (half IN (1, 2)),
  -- Who sent it: a cluster's infrastructure investor, a tenant, a commune (by code), the department.
  cluster_id  bigint REFERENCES clusters (id) ON DELETE SET NULL,
  tenant_id   bigint REFERENCES tenants (id) ON DELETE SET NULL,
  commune_code text CHECK (commune_code ~ '^[0-9]{5}$'),
  sender      text NOT NULL CHECK (btrim(sender) <> '' AND length(sender) <= 300),
  received_on date NOT NULL,
  document    bytea REFERENCES documents (sha256),
  notes       text CHECK (length(notes) <= 4000),
  created_by  text NOT NULL DEFAULT coalesce(workspace_setting('user'), 'cli:' || session_user),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reports_received_period_idx ON reports_received (year, half, form);

-- Industry-promotion projects: year, programme, amount, beneficiary, what it funded, and the
-- cluster or area it supported where the source says.
CREATE TABLE khuyen_cong (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The year, or the first year of a period's total; NULL when the source prints none.
  year          integer CHECK (year BETWEEN 1990 AND 2100),
  last_year     integer CHECK (last_year IS NULL OR last_year >= year),
  -- national, local (provincial), combined (a total of several), not_stated (the source says none).
  programme     text NOT NULL CHECK (programme IN ('national', 'local', 'combined', 'not_stated')),
  amount_vnd_million numeric CHECK (amount_vnd_million >= 0),
  beneficiary   text CHECK (length(beneficiary) <= 300),
  funded        text CHECK (length(funded) <= 2000),
  cluster_id    bigint REFERENCES clusters (id) ON DELETE SET NULL,
  district_code text,
  province_code text,
  notes         text CHECK (length(notes) <= 4000),
  sources       text[] NOT NULL CHECK (sources_ok(sources)),
  created_by    text NOT NULL DEFAULT coalesce(workspace_setting('user'), 'cli:' || session_user),
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX khuyen_cong_year_idx ON khuyen_cong (year);

-- The department records reports received and khuyến công projects; it changes none afterwards
-- (a correction is a new row with its notes).
ALTER TABLE reports_received ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_read ON reports_received FOR SELECT TO clustermap_editor USING (true);
CREATE POLICY workspace_insert ON reports_received FOR INSERT TO clustermap_editor
  WITH CHECK (workspace_setting('role') IN ('department', 'admin'));
ALTER TABLE khuyen_cong ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_read ON khuyen_cong FOR SELECT TO clustermap_editor USING (true);
CREATE POLICY workspace_insert ON khuyen_cong FOR INSERT TO clustermap_editor
  WITH CHECK (workspace_setting('role') IN ('department', 'admin'));
GRANT SELECT, INSERT ON reports_received, khuyen_cong TO clustermap_editor;
GRANT USAGE, SELECT ON SEQUENCE reports_received_id_seq, khuyen_cong_id_seq TO clustermap_editor;

-- +goose Down
DROP TABLE IF EXISTS khuyen_cong, reports_received;
DROP FUNCTION IF EXISTS report_due;
DROP TABLE IF EXISTS report_forms;
