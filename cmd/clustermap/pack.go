package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/server"
	"github.com/clustermap/clustermap/server/offline"
	"github.com/clustermap/clustermap/static"
)

// exportPack writes the offline pack (server/offline) into DIR: the server's own handler, in
// process, answers every tile and layer, so the pack holds what /tiles and /api serve.
func exportPack(ctx context.Context, store *geo.Store, cfg Config, args []string, log *slog.Logger) error {
	if len(args) != 1 || cfg.MaxZoom > 16 {
		return errors.New("usage: clustermap export-pmtiles [--max-zoom N (≤ 16, default 14)] DIR")
	}
	scfg := cfg.Server
	scfg.WarmUp = false
	srv := server.New(scfg, store, log)
	rep, err := offline.Write(ctx, srv.Handler(), args[0], offline.Options{MinZoom: 0, MaxZoom: uint8(cfg.MaxZoom), App: static.Files})
	if err != nil {
		return err
	}
	log.Info("offline pack written", "dir", args[0], "tiles", rep.Tiles, "pmtiles_bytes", rep.Bytes, "versions", rep.Versions)
	return nil
}
