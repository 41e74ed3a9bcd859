package server

import (
	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/server/httpx"
)

// routeReads decides, once per request, where its read-only queries run when replicas are
// configured (CLUSTERMAP_READ_DATABASE_URL). A request signed in with a valid session or token comes from
// someone who may have just written: it reads from the primary, and the tile cache does not answer
// it from the published versions (which wait for the replicas), so an edit shows on the editor's
// next request. Every other request is pinned to one replica for its lifetime, so that a version
// and the data it versions come from the same server. Without replicas it does nothing.
func routeReads(store *geo.Store) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !store.HasReplicas() {
			c.Next()
			return
		}
		ctx := c.Request.Context()
		if httpx.SignedIn(c) {
			ctx = geo.WithPrimary(ctx)
		} else {
			ctx = store.PinReads(ctx)
		}
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}
