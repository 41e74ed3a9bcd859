package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/server/httpx"
)

// handleSearch answers GET /api/search?q=: features of any layer by name.
func (s *Server) handleSearch(c *gin.Context) {
	params, err := httpx.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		_ = c.Error(err)
		return
	}
	for key := range params {
		if key != "q" {
			_ = c.Error(httpx.BadRequest("unknown parameter " + key + " (search takes q)"))
			return
		}
	}
	results, err := s.store.Search(c.Request.Context(), params.Get("q"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"query": params.Get("q"), "results": results})
}
