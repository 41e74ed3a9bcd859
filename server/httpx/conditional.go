package httpx

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// A write's HTTP framing, shared by every surface that writes: the version it changes (If-Match
// against the feature version's strong ETag) and the change comment it carries into history.

// VersionTag is a feature version's strong entity tag.
func VersionTag(v int64) string { return `"v` + strconv.FormatInt(v, 10) + `"` }

// IfMatch reads the version an If-Match names: 0 when absent (428), -1 when it names no version
// of ours (412: it cannot be current).
func IfMatch(c *gin.Context) int64 {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if h == "" {
		return 0
	}
	if v, ok := strings.CutPrefix(h, `"v`); ok {
		if n, err := strconv.ParseInt(strings.TrimSuffix(v, `"`), 10, 64); err == nil && strings.HasSuffix(v, `"`) && n > 0 {
			return n
		}
	}
	return -1
}

// ChangeComment is the change comment a write carries in X-Change-Comment. A header value is
// ISO-8859-1, so other text (Vietnamese) comes percent-encoded (encodeURIComponent); a value that
// does not decode is taken as it is. Writes may instead carry it in the JSON body (TakeComment).
func ChangeComment(c *gin.Context) string {
	h := strings.TrimSpace(c.GetHeader("X-Change-Comment"))
	if strings.Contains(h, "%") {
		if d, err := url.PathUnescape(h); err == nil && utf8.ValidString(d) {
			return strings.TrimSpace(d)
		}
	}
	return h
}

// TakeComment takes a top-level "comment" member (a string) out of a JSON object body: it returns
// the body without it and the comment, else the body unchanged and the fallback (the header's).
// So a feature write (GeoJSON, merge patch) can carry its change comment in the body, as the
// revert and the proposal requests do, and the comment never becomes a property.
func TakeComment(body []byte, fallback string) ([]byte, string) {
	if !bytes.Contains(body, []byte(`"comment"`)) {
		return body, fallback
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return body, fallback
	}
	raw, ok := m["comment"]
	if !ok {
		return body, fallback
	}
	var cm string
	if err := json.Unmarshal(raw, &cm); err != nil {
		return body, fallback // not a string: left for the validation to name
	}
	delete(m, "comment")
	out, err := json.Marshal(m)
	if err != nil {
		return body, fallback
	}
	if cm = strings.TrimSpace(cm); cm == "" {
		cm = fallback
	}
	return out, cm
}

// IdempotencyKey is the key a create carries in Idempotency-Key, so that sending it again makes
// nothing more (geo/edit Actor.Key). The header is a structured-field string
// (draft-ietf-httpapi-idempotency-key-header): its quotes are taken off; a bare token is taken as
// it is. Empty: no key.
func IdempotencyKey(c *gin.Context) string {
	h := strings.TrimSpace(c.GetHeader("Idempotency-Key"))
	if len(h) >= 2 && h[0] == '"' && h[len(h)-1] == '"' {
		h = strings.ReplaceAll(strings.ReplaceAll(h[1:len(h)-1], `\"`, `"`), `\\`, `\`)
	}
	return h
}

// Replayed marks the answer to a create sent again with its key: what the first one made, with
// nothing written now.
func Replayed(c *gin.Context) { c.Header("Idempotent-Replayed", "true") }
