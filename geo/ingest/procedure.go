package ingest

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
)

// seedProcedureLimits upserts the time limits between a cluster's steps (procedure_limits.csv):
// the law's where it sets one, ClusterMap's stated defaults elsewhere.
func (s *Importer) seedProcedureLimits(ctx context.Context, seed fs.FS) (int, error) {
	rows, err := readCSV(seed, "procedure_limits.csv")
	if err != nil {
		return 0, err
	}
	return len(rows), s.inTx(ctx, "seed procedure limits", func(ctx context.Context, tx pgx.Tx) error {
		for _, r := range rows {
			_, err := tx.Exec(ctx, `INSERT INTO procedure_limits AS t (after_kind, next_kind, months, basis, note, sources)
				VALUES ($1, $2, $3::integer, $4, $5, $6)
				ON CONFLICT (after_kind, next_kind) DO UPDATE SET (months, basis, note, sources) =
				  (excluded.months, excluded.basis, excluded.note, excluded.sources)
				WHERE (t.months, t.basis, t.note, t.sources) IS DISTINCT FROM (excluded.months, excluded.basis, excluded.note, excluded.sources)`,
				r["after_kind"], r["next_kind"], r["months"], r["basis"], r["note"], splitList(r["sources"]))
			if err != nil {
				return fmt.Errorf("procedure limit %s → %s: %w", r["after_kind"], r["next_kind"], err)
			}
		}
		return nil
	})
}

// seedClusterEvents records the dated steps public sources give (cluster_events.csv), once: an
// event already recorded (same cluster, kind, date and decision) is left alone, so a second seed
// records nothing. Recording moves each cluster's stage, which must then be the stage its row in
// clusters.csv states: a seed whose stages and events disagree is refused, whole.
func (s *Importer) seedClusterEvents(ctx context.Context, seed fs.FS) (int, error) {
	rows, err := readCSV(seed, "cluster_events.csv")
	if err != nil {
		return 0, err
	}
	stated := map[string]string{}
	clusters, err := readCSV(seed, "clusters.csv")
	if err != nil {
		return 0, err
	}
	for _, c := range clusters {
		stated[c["name"]] = c["status"]
	}
	return len(rows), s.inTx(ctx, "seed cluster events", func(ctx context.Context, tx pgx.Tx) error {
		for i, r := range rows {
			tag, err := tx.Exec(ctx, `INSERT INTO cluster_events (cluster_id, kind, occurred_on, date_precision, decision_number, issued_by,
				  area_ha, notes, sources)
				SELECT c.id, $2::cluster_event_kind, $3::date, $4, nullif($5, ''), nullif($6, ''), nullif($7, '')::numeric, nullif($8, ''), $9
				  FROM clusters c WHERE c.name = $1
				   AND NOT EXISTS (SELECT 1 FROM cluster_events e WHERE e.cluster_id = c.id AND e.kind = $2::cluster_event_kind
				                     AND e.occurred_on = $3::date AND e.decision_number IS NOT DISTINCT FROM nullif($5, ''))`,
				r["cluster_name"], r["kind"], r["occurred_on"], r["date_precision"], r["decision_number"], r["issued_by"],
				r["area_ha"], r["notes"], splitList(r["sources"]))
			if err != nil {
				return fmt.Errorf("cluster_events.csv row %d (%s, %s): %w", i+2, r["cluster_name"], r["kind"], err)
			}
			if _, ok := stated[r["cluster_name"]]; !ok && tag.RowsAffected() == 0 {
				return fmt.Errorf("cluster_events.csv row %d: no cluster %q", i+2, r["cluster_name"])
			}
		}
		rows, err := tx.Query(ctx, `SELECT c.name, c.status::text FROM clusters c
			WHERE EXISTS (SELECT 1 FROM cluster_events e WHERE e.cluster_id = c.id)`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name, status string
			if err := rows.Scan(&name, &status); err != nil {
				return err
			}
			if want, ok := stated[name]; ok && want != status {
				return fmt.Errorf("cluster %q: clusters.csv states the stage %q, its dated events reach %q", name, want, status)
			}
		}
		return rows.Err()
	})
}

// seedTenants records the secondary projects public sources name (tenants.csv), once: a project
// already recorded (same cluster, investor and industry) is left alone.
func (s *Importer) seedTenants(ctx context.Context, seed fs.FS) (int, error) {
	rows, err := readCSV(seed, "tenants.csv")
	if err != nil {
		return 0, err
	}
	return len(rows), s.inTx(ctx, "seed tenants", func(ctx context.Context, tx pgx.Tx) error {
		for i, r := range rows {
			tag, err := tx.Exec(ctx, `INSERT INTO tenants (cluster_id, investor, industry, vsic, leased_ha, plot, registered_capital_vnd_bn,
				  disbursed_vnd_bn, jobs, status, registered_on, notes, sources)
				SELECT c.id, $2, nullif($3, ''), nullif($4, ''), nullif($5, '')::numeric, nullif($6, ''), nullif($7, '')::numeric,
				       nullif($8, '')::numeric, nullif($9, '')::integer, $10::tenant_status, nullif($11, '')::date, nullif($12, ''), $13
				  FROM clusters c WHERE c.name = $1
				   AND NOT EXISTS (SELECT 1 FROM tenants t WHERE t.cluster_id = c.id AND t.investor = $2 AND t.industry IS NOT DISTINCT FROM nullif($3, ''))`,
				r["cluster_name"], r["investor"], r["industry"], r["vsic"], r["leased_ha"], r["plot"], r["registered_capital_vnd_bn"],
				r["disbursed_vnd_bn"], r["jobs"], r["status"], r["registered_on"], r["notes"], splitList(r["sources"]))
			if err != nil {
				return fmt.Errorf("tenants.csv row %d (%s): %w", i+2, r["investor"], err)
			}
			var known bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM clusters WHERE name = $1)`, r["cluster_name"]).Scan(&known); err != nil {
				return err
			}
			if !known && tag.RowsAffected() == 0 {
				return fmt.Errorf("tenants.csv row %d: no cluster %q", i+2, r["cluster_name"])
			}
		}
		return nil
	})
}

// seedReportForms upserts the periodic reports' forms and deadlines (report_forms.csv).
func (s *Importer) seedReportForms(ctx context.Context, seed fs.FS) (int, error) {
	rows, err := readCSV(seed, "report_forms.csv")
	if err != nil {
		return 0, err
	}
	return len(rows), s.inTx(ctx, "seed report forms", func(ctx context.Context, tx pgx.Tx) error {
		for _, r := range rows {
			if _, err := tx.Exec(ctx, `INSERT INTO report_forms AS t (form, title_vi, reporter, before_h1, before_h2, sent_to, sources)
				VALUES ($1, $2, $3, $4, $5, $6, $7)
				ON CONFLICT (form) DO UPDATE SET (title_vi, reporter, before_h1, before_h2, sent_to, sources) =
				  (excluded.title_vi, excluded.reporter, excluded.before_h1, excluded.before_h2, excluded.sent_to, excluded.sources)
				WHERE (t.title_vi, t.reporter, t.before_h1, t.before_h2, t.sent_to, t.sources) IS DISTINCT FROM
				  (excluded.title_vi, excluded.reporter, excluded.before_h1, excluded.before_h2, excluded.sent_to, excluded.sources)`,
				r["form"], r["title_vi"], r["reporter"], r["before_h1"], r["before_h2"], r["sent_to"], splitList(r["sources"])); err != nil {
				return fmt.Errorf("report form %s: %w", r["form"], err)
			}
		}
		return nil
	})
}

// seedKhuyenCong records the industry-promotion projects and totals public sources give
// (khuyen_cong.csv), once each.
func (s *Importer) seedKhuyenCong(ctx context.Context, seed fs.FS) (int, error) {
	rows, err := readCSV(seed, "khuyen_cong.csv")
	if err != nil {
		return 0, err
	}
	return len(rows), s.inTx(ctx, "seed khuyen cong", func(ctx context.Context, tx pgx.Tx) error {
		for i, r := range rows {
			_, err := tx.Exec(ctx, `INSERT INTO khuyen_cong (year, last_year, programme, amount_vnd_million, beneficiary, funded, cluster_id,
				  district_code, province_code, notes, sources)
				SELECT nullif($1, '')::integer, nullif($2, '')::integer, $3, nullif($4, '')::numeric, nullif($5, ''), nullif($6, ''),
				       (SELECT id FROM clusters WHERE name = nullif($7, '')), nullif($8, ''), nullif($9, ''), nullif($10, ''), $11
				 WHERE NOT EXISTS (SELECT 1 FROM khuyen_cong k WHERE k.year IS NOT DISTINCT FROM nullif($1, '')::integer
				                     AND k.programme = $3 AND k.beneficiary IS NOT DISTINCT FROM nullif($5, '')
				                     AND k.amount_vnd_million IS NOT DISTINCT FROM nullif($4, '')::numeric)`,
				r["year"], r["last_year"], r["programme"], r["amount_vnd_million"], r["beneficiary"], r["funded"], r["cluster_name"],
				r["district_code"], r["province_code"], r["notes"], splitList(r["sources"]))
			if err != nil {
				return fmt.Errorf("khuyen_cong.csv row %d: %w", i+2, err)
			}
		}
		return nil
	})
}
