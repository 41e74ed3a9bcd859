package edit

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// ReportInput is a periodic report received (Circular 14/2024), as the department records it.
type ReportInput struct {
	Form        string `json:"form"`
	Year        int    `json:"year"`
	Half        int    `json:"half"`
	ClusterID   *int64 `json:"cluster_id,omitempty"`
	TenantID    *int64 `json:"tenant_id,omitempty"`
	CommuneCode string `json:"commune_code,omitempty"`
	Sender      string `json:"sender"`
	ReceivedOn  string `json:"received_on"`
	Document    string `json:"document_sha256,omitempty"`
	Notes       string `json:"notes,omitempty"`
}

func (in ReportInput) check() []string {
	var p []string
	if !slices.Contains([]string{"bieu_01", "bieu_02", "bieu_03", "bieu_04"}, in.Form) {
		p = append(p, "form must be bieu_01, bieu_02, bieu_03 or bieu_04 (Circular 14/2024)")
	}
	if in.Year < 2024 || in.Year > 2100 || (in.Half != 1 && in.Half != 2) {
		p = append(p, "year (from 2024) and half (1 or 2) name the period")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(in.Sender)); n == 0 || n > 300 {
		p = append(p, "sender: who sent the report, at most 300 characters")
	}
	if d, err := time.Parse("2006-01-02", in.ReceivedOn); err != nil || d.After(time.Now().Add(24*time.Hour)) {
		p = append(p, "received_on must be the day it came (yyyy-mm-dd), not a future one")
	}
	need := map[string]bool{"bieu_01": in.TenantID != nil, "bieu_02": in.ClusterID != nil, "bieu_03": in.CommuneCode != "", "bieu_04": true}
	if !need[in.Form] {
		p = append(p, "name the sender's record: tenant_id for Biểu 01, cluster_id for Biểu 02, commune_code for Biểu 03")
	}
	if in.Document != "" {
		if b, err := hex.DecodeString(in.Document); err != nil || len(b) != 32 {
			p = append(p, "document_sha256: the SHA-256 (hex) of a document already attached")
		}
	}
	if utf8.RuneCountInString(in.Notes) > 4000 {
		p = append(p, "notes have more than 4000 characters")
	}
	return p
}

// RecordReport records a report received; only the department records them (the database's
// policy agrees).
func (s *Store) RecordReport(ctx context.Context, a Actor, in ReportInput) (int64, error) {
	if a.Role != RoleDepartment && a.Role != RoleAdmin {
		return 0, &ForbiddenError{Reason: "only the Department of Industry and Trade records the reports it receives"}
	}
	if p := in.check(); len(p) > 0 {
		return 0, &ValidationError{Problems: p}
	}
	var doc []byte
	if in.Document != "" {
		doc, _ = hex.DecodeString(in.Document)
	}
	var id int64
	err := s.inTx(ctx, "record report", func(ctx context.Context, tx pgx.Tx) error {
		if err := becomeEditor(ctx, tx, a); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO reports_received (form, year, half, cluster_id, tenant_id, commune_code, sender, received_on, document, notes)
			VALUES ($1, $2, $3, $4, $5, nullif($6, ''), $7, $8::date, $9, nullif($10, '')) RETURNING id`,
			in.Form, in.Year, in.Half, in.ClusterID, in.TenantID, in.CommuneCode, strings.TrimSpace(in.Sender), in.ReceivedOn, doc, in.Notes).Scan(&id)
	})
	return id, err
}

// KhuyenCongInput is an industry-promotion project or a programme's total.
type KhuyenCongInput struct {
	Year         *int     `json:"year,omitempty"`
	LastYear     *int     `json:"last_year,omitempty"`
	Programme    string   `json:"programme"`
	AmountVNDMil *float64 `json:"amount_vnd_million,omitempty"`
	Beneficiary  string   `json:"beneficiary,omitempty"`
	Funded       string   `json:"funded,omitempty"`
	ClusterID    *int64   `json:"cluster_id,omitempty"`
	Notes        string   `json:"notes,omitempty"`
	Sources      []string `json:"sources"`
}

// RecordKhuyenCong records an industry-promotion project; the department records them.
func (s *Store) RecordKhuyenCong(ctx context.Context, a Actor, in KhuyenCongInput) (int64, error) {
	if a.Role != RoleDepartment && a.Role != RoleAdmin {
		return 0, &ForbiddenError{Reason: "only the Department of Industry and Trade records industry-promotion projects"}
	}
	var p []string
	if !slices.Contains([]string{"national", "local", "combined", "not_stated"}, in.Programme) {
		p = append(p, "programme must be national, local, combined or not_stated")
	}
	if in.Year != nil && (*in.Year < 1990 || *in.Year > time.Now().Year()+1) {
		p = append(p, "year must be a year from 1990")
	}
	if in.AmountVNDMil != nil && (*in.AmountVNDMil < 0 || *in.AmountVNDMil > 1e9) {
		p = append(p, "amount_vnd_million must be a non-negative amount")
	}
	if len(in.Sources) == 0 || len(in.Sources) > 100 {
		p = append(p, "sources: name where the project is stated")
	}
	for _, s := range in.Sources {
		if strings.TrimSpace(s) == "" || utf8.RuneCountInString(s) > 2000 {
			p = append(p, "a source is empty or longer than 2000 characters")
		}
	}
	if utf8.RuneCountInString(in.Beneficiary) > 300 || utf8.RuneCountInString(in.Funded) > 2000 || utf8.RuneCountInString(in.Notes) > 4000 {
		p = append(p, "beneficiary (300), funded (2000) or notes (4000 characters) is too long")
	}
	if len(p) > 0 {
		return 0, &ValidationError{Problems: p}
	}
	var id int64
	err := s.inTx(ctx, "record khuyen cong", func(ctx context.Context, tx pgx.Tx) error {
		if in.ClusterID != nil {
			if err := clusterExists(ctx, tx, *in.ClusterID); err != nil {
				return fmt.Errorf("cluster: %w", err)
			}
		}
		if err := becomeEditor(ctx, tx, a); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO khuyen_cong (year, last_year, programme, amount_vnd_million, beneficiary, funded, cluster_id,
			  province_code, notes, sources)
			VALUES ($1, $2, $3, $4, nullif($5, ''), nullif($6, ''), $7, (SELECT province_code FROM clusters WHERE id = $7), nullif($8, ''), $9)
			RETURNING id`, in.Year, in.LastYear, in.Programme, in.AmountVNDMil, in.Beneficiary, in.Funded, in.ClusterID, in.Notes, in.Sources).Scan(&id)
	})
	return id, err
}
