//go:build tools

package tools

import (
	_ "github.com/chromedp/chromedp"
	_ "github.com/getkin/kin-openapi/openapi3"
	_ "github.com/gin-gonic/gin"
	_ "github.com/hashicorp/golang-lru/v2"
	_ "github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/paulmach/orb/encoding/mvt"
	_ "github.com/paulmach/orb/geojson"
	_ "github.com/pressly/goose/v3"
	_ "github.com/twpayne/go-geom"
	_ "golang.org/x/sync/singleflight"
	_ "golang.org/x/text/unicode/norm"
	_ "google.golang.org/protobuf/encoding/protowire"
)
