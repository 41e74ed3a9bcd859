package server

import "github.com/gin-gonic/gin"

// ogcRoutes registers OGC API – Features under /ogc.
func (s *Server) ogcRoutes(r *gin.Engine) {}
