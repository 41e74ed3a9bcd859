package edit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/planning"
)

// Proposals: a district draws the boundary of a new cluster (CCN) or of an expansion, with the
// land to be recovered; the department reviews it; approval creates or reshapes the cluster in
// the same transaction. Reads and writes run as the editor role, so the database decides who
// sees which proposal (approved ones: everyone; a district: its own; the department: all).

// Proposal statuses and the workflow's actions.
const (
	StatusDraft     = "draft"
	StatusSubmitted = "submitted"
	StatusReturned  = "returned"
	StatusApproved  = "approved"
	StatusRejected  = "rejected"
)

// ProposalInput is what a district draws and writes.
type ProposalInput struct {
	Kind             string          `json:"kind"`
	ClusterID        *int64          `json:"cluster_id"`
	DistrictCode     string          `json:"district_code"`
	Name             string          `json:"name"`
	TargetIndustries []string        `json:"target_industries"`
	LandRecovery     json.RawMessage `json:"land_recovery"`
	Notes            *string         `json:"notes"`
	Investor         *string         `json:"investor"`
	Justification    *string         `json:"justification"`
	Geometry         json.RawMessage `json:"geometry"`
}

// Decision is the department's decision on a submitted proposal.
type Decision struct {
	Action  string `json:"action"` // submit, approve, reject, return
	Comment string `json:"comment"`
	Number  string `json:"decision_number"`
	Date    string `json:"decision_date"` // YYYY-MM-DD
}

// Bounds of a proposal's text, in characters: everything a writer stores is served to readers.
const (
	maxNameChars = 200
	maxTextChars = 4000
)

func tooLong(field, s string, limit int) []string {
	if n := utf8.RuneCountInString(s); n > limit {
		return []string{fmt.Sprintf("%s: %d characters; at most %d", field, n, limit)}
	}
	return nil
}

func (in *ProposalInput) check() []string {
	var p []string
	if in.Kind != "new" && in.Kind != "expansion" {
		p = append(p, `kind must be "new" or "expansion"`)
	}
	if in.Kind == "expansion" && in.ClusterID == nil {
		p = append(p, "an expansion names the cluster it enlarges (cluster_id)")
	}
	if in.Kind == "new" && in.ClusterID != nil {
		p = append(p, "a new cluster names no cluster_id")
	}
	if strings.TrimSpace(in.Name) == "" {
		p = append(p, "name is required")
	}
	p = append(p, tooLong("name", in.Name, maxNameChars)...)
	for field, v := range map[string]*string{"notes": in.Notes, "investor": in.Investor, "justification": in.Justification} {
		if v != nil {
			p = append(p, tooLong(field, *v, maxTextChars)...)
		}
	}
	if len(in.TargetIndustries) > geo.MaxListItems {
		p = append(p, fmt.Sprintf("target_industries: at most %d", geo.MaxListItems))
	}
	for _, s := range in.TargetIndustries {
		if strings.TrimSpace(s) == "" {
			p = append(p, "target_industries must hold non-empty strings")
			break
		}
		p = append(p, tooLong("target_industries", s, maxNameChars)...)
	}
	if len(in.LandRecovery) > 0 {
		var list []any
		if json.Unmarshal(in.LandRecovery, &list) != nil {
			p = append(p, "land_recovery must be a JSON array (the list of land to be recovered)")
		}
	}
	p = append(p, checkPolygonal(in.Geometry)...)
	return p
}

func checkPolygonal(g json.RawMessage) []string {
	if len(g) == 0 {
		return []string{"geometry is required (a Polygon or MultiPolygon)"}
	}
	geom, err := geojson.UnmarshalGeometry(g)
	if err != nil {
		return []string{"geometry: " + err.Error()}
	}
	if geom == nil || geom.Coordinates == nil {
		// An empty GeometryCollection (or one of anything) has no coordinates to ask the type of.
		return []string{"geometry must be a Polygon or MultiPolygon, got " + geom.Type}
	}
	if t := geom.Coordinates.GeoJSONType(); t != "Polygon" && t != "MultiPolygon" {
		return []string{fmt.Sprintf("geometry must be a Polygon or MultiPolygon, got %s", t)}
	}
	n := vertices(geom.Coordinates)
	if n == 0 {
		return []string{"geometry is empty"}
	}
	if n > MaxDrawnVertices {
		return []string{fmt.Sprintf("geometry has %d vertices; a drawn boundary has at most %d", n, MaxDrawnVertices)}
	}
	return nil
}

// MaxDrawnVertices bounds a drawn boundary (a proposal, a boundary checked while drawing): a
// district's land is drawn by hand in tens or hundreds of points, and anyone may ask for a check,
// so a bigger shape is refused before PostGIS spends seconds on it.
const MaxDrawnVertices = 10000

func vertices(g orb.Geometry) int {
	switch g := g.(type) {
	case orb.Polygon:
		n := 0
		for _, r := range g {
			n += len(r)
		}
		return n
	case orb.MultiPolygon:
		n := 0
		for _, p := range g {
			n += vertices(p)
		}
		return n
	}
	return 0
}

const proposalGeom = `ST_Multi(ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON($1::text)), 4326))`

// proposalJSON is a proposal as the API serves it to a signed-in reader; the public sees no
// account names (who drafted and who reviewed it), only the proposal and its decision.
const (
	proposalJSON       = `(to_jsonb(p) - 'geom') || jsonb_build_object('geometry', ST_AsGeoJSON(p.geom, 6)::jsonb)`
	publicProposalJSON = `(to_jsonb(p) - 'geom' - 'created_by' - 'reviewed_by') || jsonb_build_object('geometry', ST_AsGeoJSON(p.geom, 6)::jsonb)`
)

func proposalJSONFor(a Actor) string {
	if a.Role == RoleAnonymous {
		return publicProposalJSON
	}
	return proposalJSON
}

// geometryProblem checks a drawn boundary as an import checks a feature: valid, inside the province.
func geometryProblem(ctx context.Context, tx pgx.Tx, g json.RawMessage) (string, error) {
	var valid bool
	var reason string
	var inside bool
	err := tx.QueryRow(ctx, `SELECT ST_IsValid(g), ST_IsValidReason(g),
		  ST_CoveredBy(g, (SELECT ST_Buffer(ST_Union(geom)::geography, 3000)::geometry FROM districts))
		  FROM (SELECT `+proposalGeom+` AS g) x`, []byte(g)).Scan(&valid, &reason, &inside)
	if err != nil {
		return "", err
	}
	if !valid {
		return "invalid geometry: " + reason, nil
	}
	if !inside {
		return "geometry is outside the province", nil
	}
	return "", nil
}

// CreateProposal drafts a proposal. A district user's proposal belongs to its district (the
// database refuses one drawn outside it); the department names the district or gets the one the
// boundary lies in most. With a key (Actor.Key), sending it again drafts nothing more and is
// answered with the first draft's id (Written.Replayed).
func (s *Store) CreateProposal(ctx context.Context, a Actor, in ProposalInput) (Written, error) {
	if p := in.check(); len(p) > 0 {
		return Written{}, &ValidationError{Problems: p}
	}
	asked, err := json.Marshal(in)
	if err != nil {
		return Written{}, fmt.Errorf("create proposal: %w", err)
	}
	if a.Role == RoleDistrict {
		in.DistrictCode = a.District
	}
	commune := ""
	if a.Role == RoleCommune { // a commune proposes on its own territory; its former district follows the drawing
		commune = a.Commune
	}
	var out Written
	out.ID, out.Replayed, err = s.once(ctx, "create proposal", a, "proposals", requestHash("proposals", asked, a.Comment),
		func(ctx context.Context, tx pgx.Tx) error {
			if p, err := geometryProblem(ctx, tx, in.Geometry); err != nil || p != "" {
				if err != nil {
					return err
				}
				return &ValidationError{Problems: []string{p}}
			}
			return mayName(ctx, tx, a, in.ClusterID)
		},
		func(ctx context.Context, tx pgx.Tx) (id int64, err error) {
			err = tx.QueryRow(ctx, `INSERT INTO proposals (kind, cluster_id, district_code, name, target_industries, land_recovery,
			  notes, investor, justification, geom, created_by, commune_code)
			SELECT $2, $3, coalesce(nullif($4, ''), (SELECT d.code FROM districts d WHERE ST_Intersects(d.geom, g)
			                                          ORDER BY ST_Area(ST_Intersection(d.geom, g)) DESC LIMIT 1)),
			       $5, coalesce($6::text[], '{}'), coalesce($7::jsonb, '[]'), $8, $9, $10, g, $11, nullif($12, '')
			  FROM (SELECT `+proposalGeom+` AS g) x
			RETURNING id`,
				[]byte(in.Geometry), in.Kind, in.ClusterID, in.DistrictCode, in.Name, in.TargetIndustries, nullJSON(in.LandRecovery),
				in.Notes, in.Investor, in.Justification, a.User, commune).Scan(&id)
			return id, err
		}, nil)
	if err != nil {
		return Written{}, err
	}
	return out, nil
}

// mayName refuses, with the reason, a district user's proposal that names a cluster of another
// district: an expansion is only of one's own cluster, whatever the drawn land (the policy
// workspace_own_cluster enforces it again).
func mayName(ctx context.Context, tx pgx.Tx, a Actor, cluster *int64) error {
	if (a.Role != RoleDistrict && a.Role != RoleCommune) || cluster == nil {
		return nil
	}
	var name string
	var district, commune *string
	err := tx.QueryRow(ctx, `SELECT name, district_code, commune_code FROM clusters WHERE id = $1`, *cluster).Scan(&name, &district, &commune)
	if errors.Is(err, pgx.ErrNoRows) {
		return &ValidationError{Problems: []string{fmt.Sprintf("cluster_id: no cluster %d", *cluster)}}
	}
	if err != nil {
		return err
	}
	if a.Role == RoleCommune && (commune == nil || *commune != a.Commune) {
		return &ForbiddenError{Reason: fmt.Sprintf("%s is not a cluster of your commune: a commune proposes expanding only its own clusters", name)}
	}
	if a.Role == RoleDistrict && (district == nil || *district != a.District) {
		return &ForbiddenError{Reason: fmt.Sprintf("%s is a cluster of another district: a district proposes expanding only its own clusters", name)}
	}
	return nil
}

func nullJSON(b json.RawMessage) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// UpdateProposal replaces a draft's (or a returned proposal's) content.
func (s *Store) UpdateProposal(ctx context.Context, a Actor, id int64, in ProposalInput) error {
	if p := in.check(); len(p) > 0 {
		return &ValidationError{Problems: p}
	}
	return s.inTx(ctx, "update proposal", func(ctx context.Context, tx pgx.Tx) error {
		if p, err := geometryProblem(ctx, tx, in.Geometry); err != nil || p != "" {
			if err != nil {
				return err
			}
			return &ValidationError{Problems: []string{p}}
		}
		if err := mayName(ctx, tx, a, in.ClusterID); err != nil {
			return err
		}
		if err := becomeEditor(ctx, tx, a); err != nil {
			return err
		}
		st, err := proposalState(ctx, tx, id)
		if err != nil {
			return err
		}
		if st.Status != StatusDraft && st.Status != StatusReturned {
			return &ForbiddenError{Reason: fmt.Sprintf("a %s proposal cannot be changed", st.Status)}
		}
		_, err = tx.Exec(ctx, `UPDATE proposals SET kind = $2, cluster_id = $3, name = $4, target_industries = coalesce($5::text[], '{}'),
			  land_recovery = coalesce($6::jsonb, '[]'), notes = $7, investor = $8, justification = $9,
			  geom = `+strings.ReplaceAll(proposalGeom, "$1", "$10")+`, updated_at = now()
			 WHERE id = $1`,
			id, in.Kind, in.ClusterID, in.Name, in.TargetIndustries, nullJSON(in.LandRecovery), in.Notes, in.Investor, in.Justification, []byte(in.Geometry))
		return err
	})
}

type proposalRow struct {
	Status, Kind, District string
	ClusterID              *int64
	Geometry               []byte
	TargetIndustries       []string
}

// proposalState reads the proposal as the current role sees it: a proposal hidden by row-level
// security is not found.
func proposalState(ctx context.Context, tx pgx.Tx, id int64) (*proposalRow, error) {
	var r proposalRow
	err := tx.QueryRow(ctx, `SELECT status::text, kind::text, district_code, cluster_id, ST_AsGeoJSON(geom, 15), target_industries
		FROM proposals WHERE id = $1 FOR UPDATE`, id).Scan(&r.Status, &r.Kind, &r.District, &r.ClusterID, &r.Geometry, &r.TargetIndustries)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errNoProposal
	}
	return &r, err
}

var errNoProposal = fmt.Errorf("proposal: %w", errNotFound)

// Proposal returns one proposal as JSON, as the actor may see it.
func (s *Store) Proposal(ctx context.Context, a Actor, id int64) ([]byte, error) {
	var out []byte
	err := s.inTx(ctx, "proposal", func(ctx context.Context, tx pgx.Tx) error {
		if err := becomeEditor(ctx, tx, a); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT `+proposalJSONFor(a)+` FROM proposals p WHERE p.id = $1`, id).Scan(&out)
		if errors.Is(err, pgx.ErrNoRows) {
			return errNoProposal
		}
		return err
	})
	return out, err
}

// Proposals lists the proposals the actor may see, newest first.
func (s *Store) Proposals(ctx context.Context, a Actor) ([]json.RawMessage, error) {
	var out []json.RawMessage
	err := s.inTx(ctx, "proposals", func(ctx context.Context, tx pgx.Tx) error {
		if err := becomeEditor(ctx, tx, a); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+proposalJSONFor(a)+` FROM proposals p ORDER BY p.id DESC`)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[json.RawMessage])
		return err
	})
	if out == nil {
		out = []json.RawMessage{}
	}
	return out, err
}

// Transition moves a proposal through the workflow:
//
//	draft, returned --submit (district of the proposal, department)--> submitted
//	submitted --approve | reject | return (department, admin)--> approved | rejected | returned
//
// Approval needs a decision number and date and, in the same transaction, creates the new cluster
// or reshapes the expanded one; the versions it writes name the proposal.
func (s *Store) Transition(ctx context.Context, a Actor, id int64, d Decision) error {
	to, date, err := d.check(a)
	if err != nil {
		return err
	}
	a.Proposal = id
	if a.Comment == "" {
		a.Comment = d.Comment
	}
	return s.inTx(ctx, "proposal "+d.Action, func(ctx context.Context, tx pgx.Tx) error {
		return s.transitionIn(ctx, tx, a, id, d, to, date)
	})
}

// check reads a decision: the status it leads to and, for an approval, the decision's date.
func (d Decision) check(a Actor) (to string, date *time.Time, err error) {
	reviewer := a.Role == RoleDepartment || a.Role == RoleAdmin
	switch d.Action {
	case "submit":
		to = StatusSubmitted
	case "approve":
		to = StatusApproved
	case "reject":
		to = StatusRejected
	case "return":
		to = StatusReturned
	default:
		return "", nil, &ValidationError{Problems: []string{"action must be submit, approve, reject or return"}}
	}
	if to != StatusSubmitted && !reviewer {
		return "", nil, &ForbiddenError{Reason: "only the Department of Industry and Trade reviews proposals"}
	}
	if to == StatusApproved {
		t, err := time.Parse("2006-01-02", d.Date)
		if strings.TrimSpace(d.Number) == "" || err != nil {
			return "", nil, &ValidationError{Problems: []string{"approval records the decision: decision_number and decision_date (YYYY-MM-DD)"}}
		}
		date = &t
	}
	if (to == StatusReturned || to == StatusRejected) && strings.TrimSpace(d.Comment) == "" {
		return "", nil, &ValidationError{Problems: []string{"returning or rejecting a proposal needs a comment"}}
	}
	return to, date, nil
}

// transitionIn makes the transition in tx, as the editor.
func (s *Store) transitionIn(ctx context.Context, tx pgx.Tx, a Actor, id int64, d Decision, to string, date *time.Time) error {
	if err := becomeEditor(ctx, tx, a); err != nil {
		return err
	}
	st, err := proposalState(ctx, tx, id)
	if err != nil {
		return err
	}
	from := st.Status
	ok := (to == StatusSubmitted && (from == StatusDraft || from == StatusReturned)) ||
		(to != StatusSubmitted && from == StatusSubmitted)
	if !ok {
		return &ValidationError{Problems: []string{fmt.Sprintf("a %s proposal cannot be %s", from, pastTense[d.Action])}}
	}
	if to == StatusSubmitted {
		_, err = tx.Exec(ctx, `UPDATE proposals SET status = 'submitted', submitted_at = now(), updated_at = now() WHERE id = $1`, id)
		return err
	}
	var clusterID *int64
	if to == StatusApproved {
		cid, err := s.applyApproval(ctx, tx, id, st, d.Number, *date)
		if err != nil {
			return err
		}
		clusterID = &cid
	}
	_, err = tx.Exec(ctx, `UPDATE proposals SET status = $2, reviewed_by = $3, reviewed_at = now(), review_comment = nullif($4, ''),
		  decision_number = nullif($5, ''), decision_date = $6, cluster_id = coalesce($7, cluster_id), updated_at = now()
		 WHERE id = $1`, id, to, a.User, d.Comment, d.Number, date, clusterID)
	return err
}

// ApprovalPreview is what approving a proposal would write to its cluster, for the reviewer to
// confirm: read from a rehearsal of the approval itself (the same statements, triggers and
// checks, then rolled back), so it cannot differ from what the approval does.
type ApprovalPreview struct {
	// ClusterID is the cluster an expansion changes; nil when the approval creates one.
	ClusterID *int64 `json:"cluster_id"`
	Creates   bool   `json:"creates"`
	// Changes are the cluster's fields from → to, as its history will list them.
	Changes         []Change `json:"changes"`
	GeometryChanged bool     `json:"geometry_changed"`
	// The footprint's area before (nil: a new cluster, or one known by a point) and after.
	AreaBeforeHa *float64 `json:"area_before_ha"`
	AreaAfterHa  *float64 `json:"area_after_ha"`
}

// PreviewApproval rehearses approving proposal id with decision d and says what it would change.
// It writes nothing; the refusals are those the approval would meet.
func (s *Store) PreviewApproval(ctx context.Context, a Actor, id int64, d Decision) (*ApprovalPreview, error) {
	d.Action = "approve"
	to, date, err := d.check(a)
	if err != nil {
		return nil, err
	}
	a.Proposal = id
	clusters, _ := s.catalog.Layer("clusters")
	var out ApprovalPreview
	err = s.rehearse(ctx, "preview approval", func(ctx context.Context, tx pgx.Tx) error {
		// The versions the approval writes are those after the cluster's last one now (none for
		// a new cluster): the approval's event moves the stage in one, its footprint in another.
		var before int64
		if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT max(v.version) FROM proposals p JOIN feature_versions v
			  ON v.layer = 'clusters' AND v.fid = p.cluster_id WHERE p.id = $1), 0)`, id).Scan(&before); err != nil {
			return err
		}
		if err := s.transitionIn(ctx, tx, a, id, d, to, date); err != nil {
			return err
		}
		var cid int64
		if err := tx.QueryRow(ctx, `SELECT cluster_id FROM proposals WHERE id = $1`, id).Scan(&cid); err != nil {
			return err
		}
		h, err := historyIn(ctx, tx, clusters, cid)
		if err != nil {
			return err
		}
		if len(h) == 0 || h[len(h)-1].Version <= before {
			return fmt.Errorf("preview approval: the approval wrote no version of cluster %d", cid)
		}
		last := h[len(h)-1]
		out.Creates, out.Changes, out.GeometryChanged = mergeVersions(h, before)
		if out.Changes == nil {
			out.Changes = []Change{}
		}
		if !out.Creates {
			out.ClusterID = &cid
		}
		// The area before is that of the version before the first one written (none for a new cluster).
		return tx.QueryRow(ctx, `SELECT
			  (SELECT round((ST_Area(geom::geography) / 1e4)::numeric, 2)::float8 FROM feature_versions
			    WHERE layer = $1 AND fid = $2 AND version = $3 AND GeometryType(geom) <> 'POINT'),
			  (SELECT round((ST_Area(geom::geography) / 1e4)::numeric, 2)::float8 FROM feature_versions
			    WHERE layer = $1 AND fid = $2 AND version = $4 AND GeometryType(geom) <> 'POINT')`,
			clusters.ID, cid, before, last.Version).Scan(&out.AreaBeforeHa, &out.AreaAfterHa)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// mergeVersions folds the versions after before into one change list, each field from its value
// before the first to its value after the last, as a reader compares the cluster before and after.
func mergeVersions(h []Version, before int64) (creates bool, changes []Change, geometry bool) {
	idx := map[string]int{}
	for _, v := range h {
		if v.Version <= before {
			continue
		}
		creates = creates || v.Op == "insert"
		geometry = geometry || v.GeometryChanged
		for _, c := range v.Changes {
			if i, ok := idx[c.Field]; ok {
				changes[i].To = c.To
				continue
			}
			idx[c.Field] = len(changes)
			changes = append(changes, c)
		}
	}
	kept := changes[:0]
	for _, c := range changes {
		if !reflect.DeepEqual(c.From, c.To) {
			kept = append(kept, c)
		}
	}
	return creates, kept, geometry
}

var pastTense = map[string]string{"submit": "submitted", "approve": "approved", "reject": "rejected", "return": "returned"}

// applyApproval writes the cluster an approved proposal decides, as the reviewing editor.
func (s *Store) applyApproval(ctx context.Context, tx pgx.Tx, id int64, st *proposalRow, number string, date time.Time) (int64, error) {
	source := fmt.Sprintf("ClusterMap proposal #%d, approved by decision %s of %s", id, number, date.Format("2006-01-02"))
	if st.Kind == "expansion" {
		if st.ClusterID == nil {
			return 0, &ValidationError{Problems: []string{"the cluster this expansion enlarges no longer exists"}}
		}
		// The footprint becomes the union of the old one and the approved extension; a cluster
		// known only by a point gets the extension as its footprint and its stated area grows. A
		// boundary drawn on a screen is indicative, and so is a footprint joined to it: approval
		// decides the land, it does not survey it.
		// The decision is an event of the cluster: it moves the stage to "expanded".
		var eid int64
		if err := insertEvent(ctx, tx, *st.ClusterID, approvalEvent("expansion_decision", number, date, source), &id).Scan(&eid); err != nil {
			return 0, err
		}
		tag, err := tx.Exec(ctx, `UPDATE clusters c SET
			  geom = CASE WHEN GeometryType(c.geom) = 'POINT' THEN p.geom ELSE ST_Multi(ST_Union(c.geom, p.geom)) END,
			  planned_area_ha = CASE WHEN GeometryType(c.geom) = 'POINT'
			                         THEN coalesce(c.established_area_ha, c.planned_area_ha, 0) + p.area_ha
			                         ELSE round((ST_Area(ST_Union(c.geom, p.geom)::geography) / 1e4)::numeric, 2) END,
			  geometry_quality = 'indicative',
			  placement = 'Footprint extended by the boundary of ' || $2,
			  sources = c.sources || $2, updated_at = now()
			  FROM proposals p WHERE p.id = $1 AND c.id = p.cluster_id`, id, source)
		if err != nil {
			return 0, err
		}
		if tag.RowsAffected() == 0 {
			return 0, &ForbiddenError{Reason: "the cluster is outside your remit"}
		}
		return *st.ClusterID, nil
	}
	// A new cluster goes through the import's checks like any other new feature; its boundary was
	// drawn on a screen, so it is indicative.
	l, _ := s.catalog.Layer("clusters")
	var props map[string]any
	err := tx.QueryRow(ctx, `SELECT jsonb_build_object('name', p.name, 'kind', 'ccn', 'district_code', p.district_code,
		  'district_basis', 'stated', 'status', 'established', 'planned_area_ha', p.area_ha, 'established_area_ha', p.area_ha,
		  'investor', p.investor, 'target_industries', p.target_industries, 'decision_number', $2::text, 'decision_date', $3::text,
		  'geometry_quality', 'indicative', 'placement', 'The boundary drawn on screen in ' || $4, 'notes', p.notes,
		  'sources', jsonb_build_array($4), 'commune_code', p.commune_code,
		  'commune_basis', CASE WHEN p.commune_code IS NOT NULL THEN 'stated' END)
		  FROM proposals p WHERE p.id = $1`, id, number, date.Format("2006-01-02"), source).Scan(&props)
	if err != nil {
		return 0, err
	}
	f := geojson.NewFeature(nil)
	g, err := geojson.UnmarshalGeometry(st.Geometry)
	if err != nil {
		return 0, fmt.Errorf("approval geometry: %w", err)
	}
	f.Geometry = g.Geometry()
	for k, v := range props {
		if v != nil {
			f.Properties[k] = v
		}
	}
	// The checks read the province outline as the service's role; the write stays the editor's.
	if _, err := tx.Exec(ctx, "RESET ROLE"); err != nil {
		return 0, err
	}
	stm, checked, err := prepareWrite(ctx, tx, l, f)
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, "SET LOCAL ROLE clustermap_editor"); err != nil {
		return 0, err
	}
	var cid int64
	if err := tx.QueryRow(ctx, stm.Insert, checked.Props, checked.Geom).Scan(&cid); err != nil {
		return 0, err
	}
	// The founding decision is the new cluster's first event (its stage is already "established").
	var eid int64
	if err := insertEvent(ctx, tx, cid, approvalEvent("founding_decision", number, date, source), &id).Scan(&eid); err != nil {
		return 0, err
	}
	return cid, nil
}

// approvalEvent is the event an approval records: the provincial People's Committee's decision.
func approvalEvent(kind, number string, date time.Time, source string) EventInput {
	return EventInput{Kind: kind, OccurredOn: date.Format("2006-01-02"), DecisionNumber: number,
		IssuedBy: "UBND tỉnh", Sources: []string{source}}
}

// EligibilityInput is a boundary to check: a saved proposal's, or one being drawn.
type EligibilityInput struct {
	Kind             string          `json:"kind"`
	ClusterID        *int64          `json:"cluster_id"`
	DistrictCode     string          `json:"district_code"`
	TargetIndustries []string        `json:"target_industries"`
	Geometry         json.RawMessage `json:"geometry"`
}

// ProposalEligibility checks a saved proposal's boundary.
func (s *Store) ProposalEligibility(ctx context.Context, a Actor, id int64, planner *planning.Planner) (*Eligibility, error) {
	var in EligibilityInput
	err := s.inTx(ctx, "proposal eligibility", func(ctx context.Context, tx pgx.Tx) error {
		if err := becomeEditor(ctx, tx, a); err != nil {
			return err
		}
		var g []byte
		err := tx.QueryRow(ctx, `SELECT kind::text, cluster_id, district_code, target_industries, ST_AsGeoJSON(geom, 15) FROM proposals WHERE id = $1`, id).
			Scan(&in.Kind, &in.ClusterID, &in.DistrictCode, &in.TargetIndustries, &g)
		if errors.Is(err, pgx.ErrNoRows) {
			return errNoProposal
		}
		in.Geometry = g
		return err
	})
	if err != nil {
		return nil, err
	}
	if in.Kind == "new" {
		in.ClusterID = nil // an approved new proposal names the cluster it created
	}
	return s.Eligibility(ctx, in, planner)
}

// ReasonToApprove refuses approving proposal id without a reason when its boundary fails the
// Decree 32/2024 check: a department may approve against the verdict, but the reason is then on
// record (the approval's comment, which its history versions carry).
func (s *Store) ReasonToApprove(ctx context.Context, a Actor, id int64, reason string, planner *planning.Planner) error {
	if a.Role != RoleDepartment && a.Role != RoleAdmin { // who may approve is said before what approving needs
		return &ForbiddenError{Reason: "only the Department of Industry and Trade reviews proposals"}
	}
	if strings.TrimSpace(reason) != "" {
		return nil
	}
	e, err := s.ProposalEligibility(ctx, a, id, planner)
	if err != nil {
		return err
	}
	if e.Verdict == planning.No {
		return &ValidationError{Problems: []string{"the proposal does not meet the conditions of Decree 32/2024: approving it needs a reason, which its history keeps"}}
	}
	return nil
}

// WithdrawApproval undoes an approval, in one transaction: the cluster goes back to its version
// from before the approval (a cluster the approval created is deleted), and the proposal goes
// back to the department's queue (submitted) without its decision, the reason in its review
// comment. Both steps are in history under the proposal. Only the department and
// administrators withdraw, with a reason; a cluster changed again since the approval is refused
// (those later changes would be lost without anyone seeing them).
func (s *Store) WithdrawApproval(ctx context.Context, a Actor, id int64, reason string) error {
	if a.Role != RoleDepartment && a.Role != RoleAdmin {
		return &ForbiddenError{Reason: "only the Department of Industry and Trade withdraws an approval"}
	}
	if reason = strings.TrimSpace(reason); reason == "" {
		return &ValidationError{Problems: []string{"withdrawing an approval needs a reason"}}
	}
	a.Proposal = id
	a.Comment = "approval withdrawn: " + reason
	clusters, _ := s.catalog.Layer("clusters")
	return s.inTx(ctx, "withdraw approval", func(ctx context.Context, tx pgx.Tx) error {
		var status string
		var cluster *int64
		err := tx.QueryRow(ctx, `SELECT status::text, cluster_id FROM proposals WHERE id = $1 FOR UPDATE`, id).Scan(&status, &cluster)
		if errors.Is(err, pgx.ErrNoRows) {
			return errNoProposal
		}
		if err != nil {
			return err
		}
		if status != StatusApproved || cluster == nil {
			return &ValidationError{Problems: []string{fmt.Sprintf("a %s proposal has no approval to withdraw", status)}}
		}
		var first, last, current int64
		err = tx.QueryRow(ctx, `SELECT coalesce(min(version) FILTER (WHERE proposal_id = $3), 0),
			  coalesce(max(version) FILTER (WHERE proposal_id = $3), 0), coalesce(max(version), 0)
			  FROM feature_versions WHERE layer = $1 AND fid = $2`, clusters.ID, *cluster, id).Scan(&first, &last, &current)
		if err != nil {
			return err
		}
		if first == 0 {
			return &ValidationError{Problems: []string{"the approval wrote no version of its cluster"}}
		}
		if current != last {
			return &ValidationError{Problems: []string{fmt.Sprintf(
				"the cluster has changed since the approval (version %d, the approval wrote %d): revert those changes first", current, last)}}
		}
		// The approval's events go first, with the reason: the stage then follows what remains.
		if err := becomeEditor(ctx, tx, a); err != nil {
			return err
		}
		if err := withdrawProposalEvents(ctx, tx, a, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "RESET ROLE"); err != nil {
			return err
		}
		if first == 1 {
			// The approval created the cluster: withdrawing it removes the cluster.
			if _, err := lockVersion(ctx, tx, clusters, *cluster); err != nil {
				return err
			}
			if err := becomeEditor(ctx, tx, a); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM clusters WHERE id = $1`, *cluster); err != nil {
				return err
			}
		} else if _, err := revertIn(ctx, tx, a, clusters, *cluster, first-1); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE proposals SET status = 'submitted', decision_number = NULL, decision_date = NULL,
			  cluster_id = CASE WHEN kind = 'new' THEN NULL ELSE cluster_id END,
			  reviewed_by = $2, reviewed_at = now(), review_comment = $3, updated_at = now()
			 WHERE id = $1`, id, a.User, a.Comment)
		return err
	})
}
