package planning

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clustermap/clustermap/geo"
)

// Period is a half-year of Circular 14/2024's reports: H1 runs to 14 June, H2 to 14 December
// (the data cut-off); each report is due before a day of June or December.
type Period struct {
	Year int `json:"year"`
	Half int `json:"half"`
}

// CheckPeriod refuses a period outside what the reports cover.
func CheckPeriod(p Period) error {
	if p.Year < 2024 || p.Year > 2100 || (p.Half != 1 && p.Half != 2) {
		return &geo.InputError{Msg: "a period is a year from 2024 and a half (1 or 2)"}
	}
	return nil
}

// Cutoff is the last day of data a period's reports cover (14 June, 14 December).
func (p Period) Cutoff() time.Time {
	m := time.June
	if p.Half == 2 {
		m = time.December
	}
	return time.Date(p.Year, m, 14, 0, 0, 0, 0, time.UTC)
}

// Previous is the half-year before.
func (p Period) Previous() Period {
	if p.Half == 2 {
		return Period{p.Year, 1}
	}
	return Period{p.Year - 1, 2}
}

// FormStatus is one form's reports for a period: who must send it, by when, what came (late ones
// flagged) and who has not sent it.
type FormStatus struct {
	Form      string     `json:"form"`
	Title     string     `json:"title_vi"`
	Reporter  string     `json:"reporter"`
	SentTo    string     `json:"sent_to"`
	DueBefore string     `json:"due_before"`
	Sources   []string   `json:"sources"`
	Expected  int        `json:"expected"`
	Received  []Received `json:"received"`
	Missing   []string   `json:"missing"`
}

// Received is a report received.
type Received struct {
	ID         int64   `json:"id"`
	Sender     string  `json:"sender"`
	ReceivedOn string  `json:"received_on"`
	Late       bool    `json:"late"`
	Document   *string `json:"document_sha256"`
}

// reportsSQL gives each form's due day, its reports received for the period ($1 year, $2 half)
// with their lateness (on or after the day it was due before), and the senders expected who sent
// none: every tenant not stopped (Biểu 01), every cluster's infrastructure investor (Biểu 02),
// every commune with a cluster (Biểu 03), the department (Biểu 04).
const reportsSQL = `
WITH f AS (SELECT f.*, report_due(f, $1, $2::smallint) AS due FROM report_forms f),
expected AS (
  SELECT 'bieu_01' AS form, t.id::text AS key, t.investor || ' (' || c.name || ')' AS who
    FROM tenants t JOIN clusters c ON c.id = t.cluster_id WHERE t.status <> 'stopped'
  UNION ALL
  SELECT 'bieu_02', c.id::text, c.investor || ' (' || c.name || ')' FROM clusters c WHERE c.kind = 'ccn' AND nullif(btrim(c.investor), '') IS NOT NULL
  UNION ALL
  SELECT DISTINCT 'bieu_03', u.code, u.name FROM clusters c JOIN admin_units u ON u.level = 'commune' AND u.code = c.commune_code
   WHERE c.kind = 'ccn' AND daterange(u.valid_from, u.valid_to, '[]') @> current_date
  UNION ALL
  SELECT 'bieu_04', 'department', 'Sở Công Thương'),
got AS (
  SELECT r.*, CASE r.form WHEN 'bieu_01' THEN r.tenant_id::text WHEN 'bieu_02' THEN r.cluster_id::text
                          WHEN 'bieu_03' THEN r.commune_code ELSE 'department' END AS key
    FROM reports_received r WHERE r.year = $1 AND r.half = $2)
SELECT f.form, f.title_vi, f.reporter, f.sent_to, to_char(f.due, 'YYYY-MM-DD'), f.sources,
       (SELECT count(*) FROM expected e WHERE e.form = f.form),
       coalesce((SELECT json_agg(json_build_object('id', g.id, 'sender', g.sender, 'received_on', to_char(g.received_on, 'YYYY-MM-DD'),
                   'late', g.received_on >= f.due, 'document_sha256', encode(g.document, 'hex')) ORDER BY g.received_on, g.id)
                   FROM got g WHERE g.form = f.form), '[]'),
       ARRAY(SELECT e.who FROM expected e WHERE e.form = f.form
               AND NOT EXISTS (SELECT 1 FROM got g WHERE g.form = e.form AND g.key = e.key) ORDER BY e.who)
  FROM f ORDER BY f.form`

// Reports says, for a period, each form's deadline, the reports received and the ones missing.
func (s *Planner) Reports(ctx context.Context, p Period) ([]FormStatus, error) {
	if err := CheckPeriod(p); err != nil {
		return nil, err
	}
	out := []FormStatus{}
	err := s.readAnalysis(ctx, "reports", func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, reportsSQL, p.Year, p.Half)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var f FormStatus
			var got []byte
			if err := rows.Scan(&f.Form, &f.Title, &f.Reporter, &f.SentTo, &f.DueBefore, &f.Sources, &f.Expected, &got, &f.Missing); err != nil {
				return err
			}
			if err := json.Unmarshal(got, &f.Received); err != nil {
				return err
			}
			out = append(out, f)
		}
		return rows.Err()
	})
	return out, err
}

// ConsolidatedRow is one row of the province's consolidated report (Biểu số 04): its number and
// indicator as the form words them, the unit, the value at the period's cut-off and at the
// previous one (nil: ClusterMap holds no data for it), and a note.
type ConsolidatedRow struct {
	No        string   `json:"no"`
	Indicator string   `json:"indicator"`
	Unit      string   `json:"unit"`
	Value     *float64 `json:"value"`
	Previous  *float64 `json:"previous"`
	Note      string   `json:"note"`
}

// ConsolidatedHeaders are the form's columns, as Circular 14/2024 writes them (Biểu số 04), then
// the previous period and the difference, which ClusterMap adds.
var ConsolidatedHeaders = []string{"TT", "Chỉ tiêu", "Đơn vị tính", "Kết quả (Luỹ kế đến thời điểm báo cáo)", "Ghi chú",
	"Kỳ báo cáo trước", "Chênh lệch so với kỳ trước"}

// consolidatedRows are the form's rows (docs/sources/procedure-2024.md), each with the SQL of its
// value over the clusters as they stood at the cut-off $1 (and the period's start $2): a step
// counts from its dated event, and a cluster with no dated event by its present stage (the note
// says so); an empty SQL is a figure ClusterMap does not hold.
var consolidatedRows = []struct{ no, indicator, unit, sql string }{
	{"I", "Phương án phát triển cụm công nghiệp", "", ""},
	{"1", "Số lượng cụm công nghiệp theo phương án phát triển cụm công nghiệp", "Cụm", `SELECT count(*) FROM ccn`},
	{"2", "Tổng diện tích các cụm công nghiệp theo phương án phát triển cụm công nghiệp", "ha", `SELECT sum(planned_area_ha) FROM ccn`},
	{"II", "Thành lập, đầu tư xây dựng hạ tầng kỹ thuật cụm công nghiệp", "", ""},
	{"3", "Số lượng cụm công nghiệp đã thành lập", "Cụm", `SELECT count(*) FROM ccn WHERE founded`},
	{"4", "Tổng diện tích các cụm công nghiệp đã thành lập", "ha", `SELECT sum(coalesce(established_area_ha, planned_area_ha)) FROM ccn WHERE founded`},
	{"5", "Số lượng cụm công nghiệp đã thành lập trong kỳ báo cáo", "Cụm", `SELECT count(*) FROM ccn WHERE founded_on > $2`},
	{"6", "Tổng diện tích các cụm công nghiệp đã thành lập trong kỳ báo cáo", "ha", `SELECT sum(coalesce(established_area_ha, planned_area_ha)) FROM ccn WHERE founded_on > $2`},
	{"7", "Số lượng cụm công nghiệp do doanh nghiệp làm chủ đầu tư hạ tầng kỹ thuật", "Cụm", `SELECT count(*) FROM ccn WHERE founded AND investor IS NOT NULL`},
	{"8", "Tổng diện tích các cụm công nghiệp do doanh nghiệp làm chủ đầu tư hạ tầng kỹ thuật", "ha", `SELECT sum(coalesce(established_area_ha, planned_area_ha)) FROM ccn WHERE founded AND investor IS NOT NULL`},
	{"9", "Số lượng cụm công nghiệp đã được phê duyệt quy hoạch chi tiết", "Cụm", `SELECT count(*) FROM ccn WHERE detailed`},
	{"10", "Tổng diện tích các cụm công nghiệp đã được phê duyệt quy hoạch chi tiết", "ha", `SELECT sum(coalesce(established_area_ha, planned_area_ha)) FROM ccn WHERE detailed`},
	{"11", "Số lượng cụm công nghiệp đã được phê duyệt dự án đầu tư xây dựng hạ tầng", "Cụm", ""},
	{"12", "Tổng diện tích các cụm công nghiệp đã được phê duyệt dự án đầu tư xây dựng hạ tầng kỹ thuật", "ha", ""},
	{"13", "Tổng vốn đầu tư xây dựng hạ tầng kỹ thuật của các cụm công nghiệp (tính theo dự án được phê duyệt)", "Tỷ đồng", `SELECT sum(investment_vnd_bn) FROM ccn WHERE founded`},
	{"14", "Tổng vốn đã đầu tư xây dựng hạ tầng kỹ thuật của các cụm công nghiệp (tổng vốn lũy kế đã thanh toán)", "Tỷ đồng", ""},
	{"III", "Hoạt động của các cụm công nghiệp", "", ""},
	{"15", "Số lượng cụm công nghiệp đã hoạt động (đã có dự án đầu tư trong cụm): (15.1+15.2)", "Cụm", `SELECT count(*) FROM ccn WHERE operating`},
	{"15.1", "Số lượng cụm công nghiệp hoạt động đã thành lập", "Cụm", `SELECT count(*) FROM ccn WHERE operating AND founded`},
	{"15.2", "Số lượng cụm công nghiệp đã hoạt động nhưng chưa thành lập", "Cụm", `SELECT count(*) FROM ccn WHERE operating AND NOT founded`},
	{"15.3", "Số lượng cụm công nghiệp làng nghề đã hoạt động", "Cụm", ""},
	{"15.4", "Số lượng cụm công nghiệp chuyên ngành đã hoạt động", "Cụm", ""},
	{"16", "Tổng diện tích các cụm công nghiệp đã hoạt động: (16.1+16.2)", "ha", `SELECT sum(coalesce(established_area_ha, planned_area_ha)) FROM ccn WHERE operating`},
	{"16.1", "Tổng diện tích các cụm công nghiệp hoạt động đã thành lập", "ha", `SELECT sum(coalesce(established_area_ha, planned_area_ha)) FROM ccn WHERE operating AND founded`},
	{"16.2", "Tổng diện tích các cụm công nghiệp đã hoạt động nhưng chưa thành lập", "ha", `SELECT sum(coalesce(established_area_ha, planned_area_ha)) FROM ccn WHERE operating AND NOT founded`},
	{"16.3", "Tổng diện tích các cụm công nghiệp làng nghề đã hoạt động", "ha", ""},
	{"16.4", "Tổng diện tích các cụm công nghiệp chuyên ngành đã hoạt động", "ha", ""},
	{"17", "Tổng diện tích đất công nghiệp của các cụm công nghiệp đã hoạt động (tính theo quy hoạch chi tiết đã được duyệt)", "ha", `SELECT sum(industrial_land_ha) FROM ccn WHERE operating`},
	{"18", "Tổng diện tích đất công nghiệp đã cho thuê tại các cụm công nghiệp", "ha", `SELECT sum(coalesce(tenant_leased_ha, leased_land_ha)) FROM ccn`},
	{"19", "Tỷ lệ lấp đầy bình quân của các cụm công nghiệp đã hoạt động", "%",
		`SELECT round(avg(CASE WHEN coalesce(tenant_leased_ha, leased_land_ha) IS NOT NULL AND industrial_land_ha > 0
		   THEN 100 * coalesce(tenant_leased_ha, leased_land_ha) / industrial_land_ha ELSE occupancy_pct END), 1) FROM ccn WHERE operating`},
	{"20", "Tổng số dự án đầu tư sản xuất kinh doanh trong các cụm công nghiệp", "Dự án", `SELECT count(*) FROM ten`},
	{"21", "Số dự án đầu tư sản xuất kinh doanh có vốn đầu tư nước ngoài trong các cụm công nghiệp", "Dự án", ""},
	{"22", "Số dự án đầu tư sản xuất kinh doanh đang hoạt động trong cụm công nghiệp", "Dự án", `SELECT count(*) FROM ten WHERE status = 'operating'`},
	{"23", "Tổng doanh thu của các dự án đầu tư trong các cụm công nghiệp trong kỳ báo cáo", "Tỷ đồng", ""},
	{"24", "Nộp ngân sách nhà nước của các dự án đầu tư trong các cụm công nghiệp trong kỳ báo cáo", "Tỷ đồng", ""},
	{"25", "Tổng số lao động (có hợp đồng lao động) làm việc trong các cụm công nghiệp", "Người", `SELECT sum(jobs) FROM ten`},
	{"26", "Số cụm công nghiệp đã và đang đầu tư hệ thống xử lý nước thải tập trung", "Cụm",
		`SELECT count(*) FROM ccn WHERE wastewater OR wastewater_status IN ('under_construction', 'in_use')`},
	{"27", "Số cụm công nghiệp có hệ thống xử lý nước thải tập trung đạt tiêu chuẩn môi trường", "Cụm", ""},
}

// consolidatedBase are the CCN of province $3 (NULL: all) and their projects as they stood at the
// cut-off $1: a step counts from its standing event dated by then, a cluster with no dated step
// by its present stage.
const consolidatedBase = `
WITH params AS (SELECT $1::date AS cutoff, $2::date AS since, $3::text AS province), -- every row's parameters, typed
ev AS (SELECT cluster_id, kind, min(occurred_on) AS on_ FROM cluster_events
        WHERE withdrawn_at IS NULL AND occurred_on <= $1 GROUP BY cluster_id, kind),
ccn AS (
  SELECT c.*, nullif(btrim(c.investor), '') AS investor_name,
         (SELECT on_ FROM ev WHERE ev.cluster_id = c.id AND ev.kind = 'founding_decision') AS founded_on,
         CASE WHEN EXISTS (SELECT 1 FROM cluster_events e WHERE e.cluster_id = c.id AND e.withdrawn_at IS NULL)
              THEN EXISTS (SELECT 1 FROM ev WHERE ev.cluster_id = c.id AND ev.kind IN ('founding_decision', 'expansion_decision'))
              ELSE c.status >= 'established' END AS founded,
         EXISTS (SELECT 1 FROM ev WHERE ev.cluster_id = c.id AND ev.kind = 'detailed_plan') AS detailed,
         CASE WHEN EXISTS (SELECT 1 FROM cluster_events e WHERE e.cluster_id = c.id AND e.withdrawn_at IS NULL)
              THEN EXISTS (SELECT 1 FROM ev WHERE ev.cluster_id = c.id AND ev.kind = 'operation')
              ELSE c.status >= 'operating' END AS operating,
         EXISTS (SELECT 1 FROM ev WHERE ev.cluster_id = c.id AND ev.kind = 'wastewater_plant') AS wastewater
    FROM clusters c, params WHERE c.kind = 'ccn' AND (params.province IS NULL OR c.province_code = params.province)),
ten AS (SELECT t.* FROM tenants t JOIN ccn ON ccn.id = t.cluster_id
         WHERE coalesce(t.started_on, t.registered_on, t.created_at::date) <= $1)
`

// Consolidated computes the province's consolidated report for period p (province "" for all),
// each row with the previous period's value.
func (s *Planner) Consolidated(ctx context.Context, p Period, province string) ([]ConsolidatedRow, error) {
	if err := CheckPeriod(p); err != nil {
		return nil, err
	}
	if err := geo.CheckProvince(province); err != nil {
		return nil, err
	}
	prev := p.Previous()
	out := make([]ConsolidatedRow, 0, len(consolidatedRows))
	err := s.readAnalysis(ctx, "consolidated report", func(tx pgx.Tx) error {
		for _, r := range consolidatedRows {
			row := ConsolidatedRow{No: r.no, Indicator: r.indicator, Unit: r.unit}
			switch {
			case r.unit == "":
			case r.sql == "":
				row.Note = "ClusterMap không lưu số liệu này"
			default:
				for i, at := range []Period{p, prev} {
					var v *float64
					if err := tx.QueryRow(ctx, consolidatedBase+`SELECT (`+r.sql+`)::float8`, at.Cutoff(), at.Previous().Cutoff(), nullable(province)).Scan(&v); err != nil {
						return fmt.Errorf("row %s: %w", r.no, err)
					}
					if v == nil {
						zero := 0.0
						v = &zero
					}
					if i == 0 {
						row.Value = v
					} else {
						row.Previous = v
					}
				}
				row.Note = "Tính từ các cụm ClusterMap lưu: bước có ngày theo sự kiện, cụm chưa có bước nào theo giai đoạn hiện tại"
			}
			out = append(out, row)
		}
		return nil
	})
	return out, err
}

// KhuyenCong is the industry-promotion register with its sums per year and programme, and per
// cluster it supported.
type KhuyenCong struct {
	Projects  []json.RawMessage `json:"projects"`
	ByYear    []json.RawMessage `json:"by_year"`
	ByCluster []json.RawMessage `json:"by_cluster"`
	// ByArea sums the projects of clusters by the development area (khu vực) they lie in.
	ByArea []json.RawMessage `json:"by_area"`
	Note   string            `json:"note"`
}

// KhuyenCongRegister lists the register (of province "" for all) with its sums: a programme's
// total of a period is a row of its own (its year span says so) and is not added to the projects.
func (s *Planner) KhuyenCongRegister(ctx context.Context, province string) (*KhuyenCong, error) {
	if err := geo.CheckProvince(province); err != nil {
		return nil, err
	}
	out := &KhuyenCong{Projects: []json.RawMessage{}, ByYear: []json.RawMessage{}, ByCluster: []json.RawMessage{}, ByArea: []json.RawMessage{},
		Note: "Each row is as its source gives it: a project, or a programme's total for a year or a period (beneficiary in brackets). " +
			"by_year adds the single-year rows of each programme; period totals are listed, not added."}
	err := s.readAnalysis(ctx, "khuyen cong", func(tx pgx.Tx) error {
		for _, q := range []struct {
			sql string
			dst *[]json.RawMessage
		}{
			{`SELECT to_jsonb(k) - 'created_by' || jsonb_build_object('cluster', c.name) FROM khuyen_cong k LEFT JOIN clusters c ON c.id = k.cluster_id
			   WHERE $1::text IS NULL OR k.province_code = $1 ORDER BY k.year NULLS LAST, k.id`, &out.Projects},
			{`SELECT jsonb_build_object('year', year, 'programme', programme, 'amount_vnd_million', sum(amount_vnd_million), 'rows', count(*))
			    FROM khuyen_cong WHERE year IS NOT NULL AND last_year IS NULL AND ($1::text IS NULL OR province_code = $1)
			   GROUP BY year, programme ORDER BY year, programme`, &out.ByYear},
			{`SELECT jsonb_build_object('cluster_id', c.id, 'cluster', c.name, 'amount_vnd_million', sum(k.amount_vnd_million), 'projects', count(*))
			    FROM khuyen_cong k JOIN clusters c ON c.id = k.cluster_id WHERE $1::text IS NULL OR k.province_code = $1
			   GROUP BY c.id, c.name ORDER BY c.name`, &out.ByCluster},
			{`SELECT jsonb_build_object('area', coalesce(r.slug, 'outside'), 'name_vi', r.name_vi, 'name_en', r.name_en,
			          'amount_vnd_million', sum(k.amount_vnd_million), 'projects', count(*))
			    FROM khuyen_cong k JOIN clusters c ON c.id = k.cluster_id
			    LEFT JOIN region_members rm ON rm.district_code = c.district_code LEFT JOIN regions r ON r.slug = rm.region_slug
			   WHERE $1::text IS NULL OR k.province_code = $1
			   GROUP BY r.slug, r.name_vi, r.name_en ORDER BY r.slug NULLS LAST`, &out.ByArea},
		} {
			rows, err := tx.Query(ctx, q.sql, nullable(province))
			if err != nil {
				return err
			}
			got, err := pgx.CollectRows(rows, pgx.RowTo[json.RawMessage])
			if err != nil {
				return err
			}
			*q.dst = append(*q.dst, got...)
		}
		return nil
	})
	return out, err
}
