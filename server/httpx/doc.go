// Package httpx is the HTTP plumbing every surface of the server shares (/api, /tiles, /ogc, the
// workspace, the web app): the typed error and the one middleware that writes it, request ids,
// logging, recovery, CORS and limits, the metrics registry, strict query and body parsing, and
// public URLs behind trusted proxies. It knows no route and no surface.
package httpx
