package server

import "github.com/gin-gonic/gin"

// analysisRoutes registers the planning endpoints (eligibility, linkage, summaries, sites) on /api.
func (s *Server) analysisRoutes(api *gin.RouterGroup) {}
