package edit

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/clustermap/clustermap/geo"
)

// MaxDocumentBytes bounds a document: a dossier's scanned decision or plan, not an archive of them.
const MaxDocumentBytes = 20 << 20

// Attachment is a document attached to a cluster, an event or a proposal.
type Attachment struct {
	ID        int64  `json:"id"`
	SHA256    string `json:"sha256"`
	Title     string `json:"title"`
	Filename  string `json:"filename"`
	MediaType string `json:"media_type"`
	Size      int64  `json:"size_bytes"`
	Public    bool   `json:"public"`
}

// AttachTo names what a document is attached to: exactly one of them.
type AttachTo struct {
	ClusterID, EventID, ProposalID *int64
}

// UnsupportedTypeError refuses a document whose content is not one of the accepted types.
type UnsupportedTypeError struct{ Reason string }

func (e *UnsupportedTypeError) Error() string { return e.Reason }

// DocumentType says, from the content alone (never the name or a header the sender chose), which
// accepted type a document is: PDF, PNG, JPEG, a GeoPackage, or a zip holding a Shapefile. HTML,
// scripts and everything else are refused, so that nothing served back can run in a browser.
func DocumentType(b []byte) (string, error) {
	switch {
	case len(b) == 0:
		return "", &UnsupportedTypeError{Reason: "the document is empty"}
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return "application/pdf", nil
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", nil
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "image/jpeg", nil
	case bytes.HasPrefix(b, []byte("SQLite format 3\x00")) && len(b) >= 72 && string(b[68:72]) == "GPKG":
		return "application/geopackage+sqlite3", nil
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return "", &UnsupportedTypeError{Reason: "the zip archive cannot be read: " + err.Error()}
		}
		for _, f := range zr.File {
			if strings.EqualFold(path.Ext(f.Name), ".shp") {
				return "application/zip", nil
			}
		}
		return "", &UnsupportedTypeError{Reason: "a zip archive is accepted only when it holds a Shapefile (.shp)"}
	}
	return "", &UnsupportedTypeError{Reason: "only PDF, PNG, JPEG, GeoPackage and zipped Shapefile documents are accepted"}
}

// DocumentInput is a document to store and attach.
type DocumentInput struct {
	Content  []byte
	Filename string
	Title    string
	Public   bool
	To       AttachTo
}

func (in DocumentInput) check() []string {
	var p []string
	n := 0
	for _, x := range []*int64{in.To.ClusterID, in.To.EventID, in.To.ProposalID} {
		if x != nil {
			n++
		}
	}
	if n != 1 {
		p = append(p, "attach the document to exactly one cluster, event or proposal")
	}
	name := strings.TrimSpace(in.Filename)
	if name == "" || utf8.RuneCountInString(name) > 200 || strings.ContainsAny(name, "/\\") || strings.IndexFunc(name, func(r rune) bool { return r < 0x20 }) >= 0 {
		p = append(p, "filename: a file name of at most 200 characters, without a path")
	}
	if t := strings.TrimSpace(in.Title); t == "" || utf8.RuneCountInString(t) > 300 {
		p = append(p, "title: say what the document is, in at most 300 characters")
	}
	if len(in.Content) > MaxDocumentBytes {
		p = append(p, fmt.Sprintf("the document has %d bytes; at most %d", len(in.Content), MaxDocumentBytes))
	}
	return p
}

// AttachDocument stores a document once by its SHA-256 (a second copy of the same bytes is the
// same document) and attaches it, as a. The type is read from the content.
func (s *Store) AttachDocument(ctx context.Context, a Actor, in DocumentInput) (Attachment, error) {
	if a.Role == RoleAnonymous {
		return Attachment{}, ErrUnauthorized
	}
	if p := in.check(); len(p) > 0 {
		return Attachment{}, &ValidationError{Problems: p}
	}
	mt, err := DocumentType(in.Content)
	if err != nil {
		return Attachment{}, err
	}
	sum := sha256.Sum256(in.Content)
	out := Attachment{SHA256: hex.EncodeToString(sum[:]), Title: strings.TrimSpace(in.Title), Filename: strings.TrimSpace(in.Filename),
		MediaType: mt, Size: int64(len(in.Content)), Public: in.Public}
	err = s.inTx(ctx, "attach document", func(ctx context.Context, tx pgx.Tx) error {
		if err := attachedExists(ctx, tx, in.To); err != nil {
			return err
		}
		if err := becomeEditor(ctx, tx, a); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO documents (sha256, media_type, size_bytes, content) VALUES ($1, $2, $3, $4)
			ON CONFLICT (sha256) DO NOTHING`, sum[:], mt, len(in.Content), in.Content); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO attachments (sha256, title, filename, cluster_id, event_id, proposal_id, public)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, sum[:], out.Title, out.Filename,
			in.To.ClusterID, in.To.EventID, in.To.ProposalID, in.Public).Scan(&out.ID)
	})
	return out, err
}

func attachedExists(ctx context.Context, tx pgx.Tx, to AttachTo) error {
	var ok bool
	var err error
	switch {
	case to.ClusterID != nil:
		err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM clusters WHERE id = $1)`, *to.ClusterID).Scan(&ok)
	case to.EventID != nil:
		err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM cluster_events WHERE id = $1)`, *to.EventID).Scan(&ok)
	default:
		err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM proposals WHERE id = $1)`, *to.ProposalID).Scan(&ok)
	}
	if err != nil {
		return err
	}
	if !ok {
		return geo.ErrNotFound
	}
	return nil
}

// Document is a stored document as it is served.
type Document struct {
	MediaType string
	Filename  string
	Content   []byte
}

// Document returns the document with that SHA-256 (hex) for a reader: the public gets only a
// document attached somewhere as public; a signed-in reader any attached document.
func (s *Store) Document(ctx context.Context, a Actor, sha string) (*Document, error) {
	sum, err := hex.DecodeString(sha)
	if err != nil || len(sum) != sha256.Size {
		return nil, geo.ErrNotFound
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var d Document
	err = s.pool.QueryRow(ctx, `SELECT d.media_type, a.filename, d.content FROM documents d
		JOIN LATERAL (SELECT filename FROM attachments a WHERE a.sha256 = d.sha256 AND (a.public OR $2)
		               ORDER BY a.public DESC, a.id LIMIT 1) a ON true
		WHERE d.sha256 = $1`, sum, a.Role != RoleAnonymous).Scan(&d.MediaType, &d.Filename, &d.Content)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, geo.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("document: %w", err)
	}
	return &d, nil
}
