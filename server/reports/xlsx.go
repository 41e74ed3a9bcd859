// Package reports writes the province's consolidated report (Circular 14/2024, Biểu số 04) as a
// spreadsheet and as CSV, in the form's layout, with the previous period and the difference.
package reports

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/clustermap/clustermap/geo/planning"
)

// Title is the form's name, as the circular writes it.
const Title = "Biểu số 04. Tổng hợp tình hình cụm công nghiệp trên địa bàn cấp tỉnh"

func periodText(p planning.Period) string {
	if p.Half == 1 {
		return fmt.Sprintf("6 tháng đầu năm %d (số liệu đến ngày 14/6/%d)", p.Year, p.Year)
	}
	return fmt.Sprintf("Năm %d (số liệu đến ngày 14/12/%d)", p.Year, p.Year)
}

// cells are a row's values as written: numbers as numbers, "—" where nothing is held.
func cells(r planning.ConsolidatedRow) []any {
	num := func(v *float64) any {
		if v == nil {
			if r.Unit == "" {
				return ""
			}
			return "—"
		}
		return *v
	}
	diff := any("")
	if r.Value != nil && r.Previous != nil {
		diff = *r.Value - *r.Previous
	} else if r.Unit != "" {
		diff = "—"
	}
	return []any{r.No, r.Indicator, r.Unit, num(r.Value), r.Note, num(r.Previous), diff}
}

// XLSX is the report as a workbook: the form's header block, its columns, its rows.
func XLSX(p planning.Period, province string, rows []planning.ConsolidatedRow) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Biểu 04"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	head := [][]any{
		{Title},
		{"Đơn vị gửi báo cáo: Sở Công Thương" + province},
		{"Đơn vị nhận báo cáo: Ủy ban nhân dân cấp tỉnh, Bộ Công Thương"},
		{"Kỳ báo cáo: " + periodText(p)},
		{},
	}
	for i, row := range append(head, anyRow(planning.ConsolidatedHeaders)) {
		if err := f.SetSheetRow(sheet, "A"+strconv.Itoa(i+1), &row); err != nil {
			return nil, err
		}
	}
	for i, r := range rows {
		c := cells(r)
		if err := f.SetSheetRow(sheet, "A"+strconv.Itoa(len(head)+2+i), &c); err != nil {
			return nil, err
		}
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	headerRow := strconv.Itoa(len(head) + 1)
	if err := f.SetCellStyle(sheet, "A1", "A1", bold); err != nil {
		return nil, err
	}
	if err := f.SetCellStyle(sheet, "A"+headerRow, "G"+headerRow, bold); err != nil {
		return nil, err
	}
	for col, w := range map[string]float64{"A": 6, "B": 70, "C": 10, "D": 16, "E": 40, "F": 16, "G": 16} {
		if err := f.SetColWidth(sheet, col, col, w); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func anyRow(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// CSV is the report's table as CSV (UTF-8 with a byte-order mark, which spreadsheets read as such),
// every text cell neutralised against formulas.
func CSV(rows []planning.ConsolidatedRow) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	if err := w.Write(planning.ConsolidatedHeaders); err != nil {
		return nil, err
	}
	for _, r := range rows {
		var rec []string
		for _, c := range cells(r) {
			switch v := c.(type) {
			case float64:
				rec = append(rec, strconv.FormatFloat(v, 'f', -1, 64))
			default:
				rec = append(rec, neutral(fmt.Sprint(v)))
			}
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// neutral keeps a text cell from being read as a formula (=, +, -, @ at its start).
func neutral(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) && s != "—" {
		return "'" + s
	}
	return s
}
