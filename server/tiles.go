package server

import "github.com/gin-gonic/gin"

// tileRoutes registers /tiles (vector tiles and TileJSON).
func (s *Server) tileRoutes(r *gin.Engine) {}
