package server

import (
	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/server/workspace"
)

// routeReads decides, once per request, where its read-only queries run when replicas are
// configured (CLUSTERMAP_READ_DATABASE_URL). A request that carries a session or a token comes from
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
		if signedIn(c) {
			ctx = geo.WithPrimary(ctx)
		} else {
			ctx = store.PinReads(ctx)
		}
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

// signedIn reports whether the request carries credentials of the workspace, a session or a
// token, checked or not. Its reads go to the primary (a bad token costs a primary read, never a
// stale answer), and its answers are never taken from or put into the shared response cache,
// whatever the route.
func signedIn(c *gin.Context) bool {
	if c.GetHeader("Authorization") != "" {
		return true
	}
	ck, err := c.Cookie(workspace.SessionCookie)
	return err == nil && ck != ""
}
