// Package answer is what the server's caches keep and how they serve it: an answer prepared once
// (its gzip, its strong ETags, its header values), built once however many requests ask for it at
// the same time, and written by one writer: 304 when the client holds it, 204 when it is empty,
// gzip only when asked for and said so. The tile cache (server/tiles) and the response cache
// (server/respcache) keep their answers in a byte-bounded LRU (server/lru).
package answer

import (
	"bytes"
	"compress/gzip"
	"io"
	"strconv"
	"sync"

	"github.com/andybalholm/brotli"
	fastgzip "github.com/klauspost/compress/gzip"

	"github.com/clustermap/clustermap/server/httpx"
)

// Answer is a body kept to be served many times: its bytes, their gzip (nil when gzip does not
// help), the strong ETags of both, and header values built once, so that serving a kept answer
// allocates little.
type Answer struct {
	raw, gz, br                                                        []byte
	etag, etagGz, etagBr                                               string
	hdrType, hdrETag, hdrETagGz, hdrETagBr, hdrLen, hdrLenGz, hdrLenBr []string
	// bodiless answers carry only validators: a 304 known from the data versions alone.
	bodiless bool
}

// ETags are an answer's strong validators, quoted: one per representation, since a strong
// validator names exact bytes; or the same one for all, when it names the data rather than the
// bytes (an editable feature's version, which If-Match on writes compares).
type ETags struct{ Identity, Gzip, Brotli string }

// ETagsOf is the validators of tag (unquoted): "tag" for the identity body, "tag-gz" for the gzip
// one, "tag-br" for the Brotli one.
func ETagsOf(tag string) ETags {
	return ETags{Identity: `"` + tag + `"`, Gzip: `"` + tag + `-gz"`, Brotli: `"` + tag + `-br"`}
}

// SameETag is one validator for every representation.
func SameETag(tag string) ETags { return ETags{Identity: tag, Gzip: tag, Brotli: tag} }

// Compression is how an answer's gzip is made.
type Compression int

const (
	// NoGzip keeps the identity body only.
	NoGzip Compression = iota
	// FastGzip compresses at BestSpeed, with klauspost/compress (the same format at twice the
	// standard library's speed, and a little smaller): made per request when nothing keeps it
	// (tiles, answers the response cache cannot keep), and on bodies of a few KiB it comes within
	// a few per cent of the default level's size. Resetting a writer of any other level clears
	// ~640 KB of hash tables, which on an uncached tile costs more than the compression itself.
	FastGzip
	// SmallGzip compresses at the default level, and with Brotli at quality 6 for the browsers
	// that take it: an answer compressed once and served many times pays for it. Brotli's
	// built-in dictionary of web text makes JSON ~12 % smaller than gzip (a province's first
	// load: 30.5 kB of API answers instead of 34.5), at ~12 MB/s; quality 11 would save 5 kB
	// more at 50 times the time, too slow for an answer made again after each edit.
	SmallGzip
)

// gzipMinSize is the smallest body worth compressing: a smaller one travels in a single TCP
// segment anyway, so gzip would cost CPU and save no round trip.
const gzipMinSize = 1024

var gzipWriters = map[Compression]*sync.Pool{
	FastGzip:  {New: func() any { w, _ := fastgzip.NewWriterLevel(nil, fastgzip.BestSpeed); return w }},
	SmallGzip: {New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression); return w }},
}

// gzipWriter is what both compressors' writers do.
type gzipWriter interface {
	io.WriteCloser
	Reset(io.Writer)
}

// compress is raw's gzip, nil when it is not worth sending.
func (c Compression) compress(raw []byte) []byte {
	pool := gzipWriters[c]
	if pool == nil || len(raw) < gzipMinSize {
		return nil
	}
	var buf bytes.Buffer
	w := pool.Get().(gzipWriter)
	defer pool.Put(w)
	w.Reset(&buf)
	_, _ = w.Write(raw)
	if w.Close() != nil || buf.Len() >= len(raw) {
		return nil
	}
	return buf.Bytes()
}

// brotliQuality is the Brotli quality of kept answers (see SmallGzip).
const brotliQuality = 6

// brotliOf is raw's Brotli, nil when it is not worth sending (as compress).
func brotliOf(raw []byte) []byte {
	if len(raw) < gzipMinSize {
		return nil
	}
	var buf bytes.Buffer
	w := brotli.NewWriterLevel(&buf, brotliQuality)
	_, _ = w.Write(raw)
	if w.Close() != nil || buf.Len() >= len(raw) {
		return nil
	}
	return buf.Bytes()
}

// New prepares body, of media type contentType, to be kept and served: compressed once as c says
// and validated by tags.
func New(body []byte, contentType string, tags ETags, c Compression) *Answer {
	a := &Answer{raw: body, gz: c.compress(body), etag: tags.Identity, etagGz: tags.Gzip, etagBr: tags.Brotli, hdrType: []string{contentType}}
	if c == SmallGzip {
		a.br = brotliOf(body)
	}
	a.hdrETag, a.hdrETagGz, a.hdrETagBr = []string{a.etag}, []string{a.etagGz}, []string{a.etagBr}
	a.hdrLen, a.hdrLenGz, a.hdrLenBr = []string{strconv.Itoa(len(a.raw))}, []string{strconv.Itoa(len(a.gz))}, []string{strconv.Itoa(len(a.br))}
	return a
}

// Revalidated is the body-less answer to a client whose If-None-Match (inm) names one of tags: it
// holds the current answer, known from the data versions without building or keeping the body.
// nil when it names neither.
func Revalidated(inm string, tags ETags) *Answer {
	if inm == "" || !httpx.ETagMatches(inm, tags.Identity, tags.Gzip, tags.Brotli) {
		return nil
	}
	return &Answer{etag: tags.Identity, etagGz: tags.Gzip, etagBr: tags.Brotli, bodiless: true,
		hdrETag: []string{tags.Identity}, hdrETagGz: []string{tags.Gzip}, hdrETagBr: []string{tags.Brotli}}
}

// Body is the identity body.
func (a *Answer) Body() []byte { return a.raw }

// NotModified reports whether a client whose If-None-Match is inm holds this answer.
func (a *Answer) NotModified(inm string) bool {
	return inm != "" && httpx.ETagMatches(inm, a.etag, a.etagGz, a.etagBr)
}

// Size is what the answer costs a cache: its bytes plus a fixed allowance for the entry, its
// header values and the list element; the cache adds its key's.
func (a *Answer) Size() int64 {
	return int64(len(a.raw)+len(a.gz)+len(a.br)+len(a.etag)+len(a.etagGz)+len(a.etagBr)) + 256
}
