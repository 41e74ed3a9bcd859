package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo/planning"
	"github.com/clustermap/clustermap/server/reports"
)

// reportRoutes: the periodic reports of Circular 14/2024 (who must send which form by when, what
// came, what is late or missing), the province's consolidated report as XLSX and CSV, and the
// khuyến công register. Computed on request from the data; not cached (a report recorded changes
// them without changing a layer).
func (s *Server) reportRoutes(api gin.IRouter) {
	api.GET("/reports", s.handleReports)
	api.GET("/reports/consolidated.xlsx", s.handleConsolidated)
	api.GET("/reports/consolidated.csv", s.handleConsolidated)
	api.GET("/khuyen-cong", s.handleKhuyenCong)
}

func periodParams(c *gin.Context, allowed ...string) (planning.Period, map[string]string, bool) {
	p, err := analysisParams(c, append([]string{"year", "half"}, allowed...)...)
	if err != nil {
		_ = c.Error(err)
		return planning.Period{}, nil, false
	}
	y, err1 := strconv.Atoi(p["year"])
	h, err2 := strconv.Atoi(p["half"])
	per := planning.Period{Year: y, Half: h}
	if err1 != nil || err2 != nil || planning.CheckPeriod(per) != nil {
		_ = c.Error(planning.CheckPeriod(planning.Period{}))
		return per, nil, false
	}
	return per, p, true
}

func (s *Server) handleReports(c *gin.Context) {
	per, _, ok := periodParams(c)
	if !ok {
		return
	}
	forms, err := s.planner.Reports(c.Request.Context(), per)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"period": per, "forms": forms})
}

func (s *Server) handleConsolidated(c *gin.Context) {
	per, p, ok := periodParams(c, "province")
	if !ok {
		return
	}
	rows, err := s.planner.Consolidated(c.Request.Context(), per, p["province"])
	if err != nil {
		_ = c.Error(err)
		return
	}
	name := fmt.Sprintf("bieu-04-%d-h%d", per.Year, per.Half)
	var body []byte
	var ctype string
	if strings.HasSuffix(c.Request.URL.Path, ".xlsx") {
		body, err = reports.XLSX(per, "", rows)
		ctype, name = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name+".xlsx"
	} else {
		body, err = reports.CSV(rows)
		ctype, name = "text/csv; charset=utf-8", name+".csv"
	}
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, ctype, body)
}

func (s *Server) handleKhuyenCong(c *gin.Context) {
	p, err := analysisParams(c, "province")
	if err != nil {
		_ = c.Error(err)
		return
	}
	out, err := s.planner.KhuyenCongRegister(c.Request.Context(), p["province"])
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, out)
}
