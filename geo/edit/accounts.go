package edit

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/argon2"
)

// Principal is an authenticated user.
type Principal struct {
	ID   int64  `json:"-"`
	Name string `json:"username"`
	Role string `json:"role"`
	Scope
	// PreReform flags a district account: its unit was abolished on 1 July 2025, and it works
	// on its district's records made before the reform.
	PreReform bool `json:"pre_reform,omitempty"`
	// UnitName names the commune or province of the scope, for people (never a code alone).
	UnitName string `json:"unit_name,omitempty"`
}

// Scope is the territory an account works in: a pre-2025 district (district users), a commune or
// ward valid today (commune users: UBND cấp xã, which took over the district's tasks for clusters,
// docs/sources/remits-2025.md), or a province (a department user bound to one province; none
// means every province of the installation).
type Scope struct {
	District string `json:"district,omitempty"`
	Commune  string `json:"commune,omitempty"`
	Province string `json:"province,omitempty"`
}

// argon2id parameters: OWASP's second recommended set (19 MiB, 2 passes, 1 lane), which costs
// ~30 ms on one core, so a login stays cheap while guessing stays expensive.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

var userNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,62}$`)

// HashPassword returns the argon2id PHC string of a password.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b.EncodeToString(salt), b.EncodeToString(key)), nil
}

// checkPassword compares a password with a PHC string in constant time.
func checkPassword(phc, password string) bool {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when a user does not exist, so that an unknown name costs the
// same time as a wrong password and the two cannot be told apart.
var dummyHash, _ = HashPassword("clustermap: no such user")

// AddUser creates a user. A district user must name an existing district code.
func (s *Store) AddUser(ctx context.Context, name, role, district, password string) error {
	return s.AddScopedUser(ctx, name, role, Scope{District: district}, password)
}

// AddScopedUser creates a user with its scope: a district user an existing district, a commune
// user a commune or ward valid today, a department user optionally a province valid today.
func (s *Store) AddScopedUser(ctx context.Context, name, role string, scope Scope, password string) error {
	district := scope.District
	switch {
	case !userNameRE.MatchString(name):
		return &ValidationError{Problems: []string{"a user name is 2–63 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit"}}
	case role != RoleDistrict && role != RoleCommune && role != RoleDepartment && role != RoleAdmin:
		return &ValidationError{Problems: []string{"role must be commune, district, department or admin"}}
	case (role == RoleDistrict) != (district != ""):
		return &ValidationError{Problems: []string{"a district user needs --district CODE, and only a district user has one"}}
	case (role == RoleCommune) != (scope.Commune != ""):
		return &ValidationError{Problems: []string{"a commune user needs --commune CODE, and only a commune user has one"}}
	case scope.Province != "" && role != RoleDepartment:
		return &ValidationError{Problems: []string{"only a department user is bound to a province (--province CODE)"}}
	case len(password) < 12:
		return &ValidationError{Problems: []string{"the password must have at least 12 characters"}}
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return s.inTx(ctx, "add user", func(ctx context.Context, tx pgx.Tx) error {
		if role == RoleDistrict {
			var ok bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM districts WHERE code = $1)`, district).Scan(&ok); err != nil {
				return err
			}
			if !ok {
				return &ValidationError{Problems: []string{fmt.Sprintf("no district has the code %q", district)}}
			}
		}
		for _, u := range []struct{ level, code string }{{"commune", scope.Commune}, {"province", scope.Province}} {
			if u.code == "" {
				continue
			}
			var ok bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM admin_units WHERE level = $1::admin_level AND code = $2
				AND daterange(valid_from, valid_to, '[]') @> current_date)`, u.level, u.code).Scan(&ok); err != nil {
				return err
			}
			if !ok {
				return &ValidationError{Problems: []string{fmt.Sprintf("no %s valid today has the code %q", u.level, u.code)}}
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO users (name, role, district_code, commune_code, province_code, password_hash)
			VALUES ($1, $2, nullif($3, ''), nullif($4, ''), nullif($5, ''), $6)`, name, role, district, scope.Commune, scope.Province, hash)
		return err
	})
}

// newSecret returns a random 256-bit token (prefix + base64url) and its SHA-256. Tokens are
// random, not chosen by people, so a fast hash suffices for storing them.
func newSecret(prefix string) (string, []byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("token: %w", err)
	}
	tok := prefix + base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(tok))
	return tok, h[:], nil
}

func hashToken(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

// NewToken issues an API token for a user and returns it; only its hash is stored.
func (s *Store) NewToken(ctx context.Context, name string) (string, error) {
	tok, h, err := newSecret("cm_")
	if err != nil {
		return "", err
	}
	err = s.inTx(ctx, "new token", func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO api_tokens (token_hash, user_id)
			SELECT $1, id FROM users WHERE name = $2 AND disabled_at IS NULL`, h, name)
		if err == nil && tag.RowsAffected() == 0 {
			return &ValidationError{Problems: []string{fmt.Sprintf("no enabled user %q", name)}}
		}
		return err
	})
	return tok, err
}

// DisableUser disables a user and revokes all its sessions and tokens in one transaction; every
// request after the commit is refused, since each request looks its credentials up.
func (s *Store) DisableUser(ctx context.Context, name string) error {
	return s.inTx(ctx, "disable user", func(ctx context.Context, tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `UPDATE users SET disabled_at = coalesce(disabled_at, now()) WHERE name = $1 RETURNING id`, name).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return &ValidationError{Problems: []string{fmt.Sprintf("no user %q", name)}}
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, id)
		return err
	})
}

// Login checks a user's password and opens a session; it returns the session token. Unknown
// users, disabled users and wrong passwords all answer ErrUnauthorized, after the same work.
func (s *Store) Login(ctx context.Context, name, password string) (string, *Principal, time.Time, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var p Principal
	var hash string
	var disabled bool
	err := s.pool.QueryRow(ctx, `SELECT u.id, u.name, u.role, coalesce(u.district_code, ''), coalesce(u.commune_code, ''), coalesce(u.province_code, ''),
		`+scopeNameSQL+`, u.password_hash, u.disabled_at IS NOT NULL FROM users u WHERE u.name = $1`, name).
		Scan(&p.ID, &p.Name, &p.Role, &p.District, &p.Commune, &p.Province, &p.UnitName, &hash, &disabled)
	if errors.Is(err, pgx.ErrNoRows) {
		checkPassword(dummyHash, password)
		return "", nil, time.Time{}, ErrUnauthorized
	}
	if err != nil {
		return "", nil, time.Time{}, fmt.Errorf("login: %w", err)
	}
	if !checkPassword(hash, password) || disabled {
		return "", nil, time.Time{}, ErrUnauthorized
	}
	p.PreReform = p.Role == RoleDistrict
	tok, h, err := newSecret("cms_")
	if err != nil {
		return "", nil, time.Time{}, err
	}
	expires := time.Now().Add(s.SessionTTL)
	if _, err := s.pool.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)`, h, p.ID, expires); err != nil {
		return "", nil, time.Time{}, fmt.Errorf("login: %w", err)
	}
	return tok, &p, expires, nil
}

// Logout revokes a session.
func (s *Store) Logout(ctx context.Context, session string) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	if _, err := s.pool.Exec(ctx, `UPDATE sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL`, hashToken(session)); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}

// scopeNameSQL names a user's commune or province as valid today.
const scopeNameSQL = `coalesce((SELECT a.name FROM admin_units a WHERE daterange(a.valid_from, a.valid_to, '[]') @> current_date
	AND ((a.level = 'commune' AND a.code = u.commune_code) OR (a.level = 'province' AND a.code = u.province_code)) LIMIT 1), '')`

const sessionUserSQL = `SELECT u.id, u.name, u.role, coalesce(u.district_code, ''), coalesce(u.commune_code, ''), coalesce(u.province_code, ''), ` + scopeNameSQL + `
	  FROM sessions s JOIN users u ON u.id = s.user_id
	 WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.disabled_at IS NULL`

const tokenUserSQL = `SELECT u.id, u.name, u.role, coalesce(u.district_code, ''), coalesce(u.commune_code, ''), coalesce(u.province_code, ''), ` + scopeNameSQL + `
	  FROM api_tokens t JOIN users u ON u.id = t.user_id
	 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL`

// SessionUser returns the user of a live session, or ErrUnauthorized.
func (s *Store) SessionUser(ctx context.Context, session string) (*Principal, error) {
	return s.lookup(ctx, sessionUserSQL, session)
}

// TokenUser returns the user of a live API token, or ErrUnauthorized.
func (s *Store) TokenUser(ctx context.Context, token string) (*Principal, error) {
	return s.lookup(ctx, tokenUserSQL, token)
}

func (s *Store) lookup(ctx context.Context, sql, secret string) (*Principal, error) {
	if secret == "" || len(secret) > 200 {
		return nil, ErrUnauthorized
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var p Principal
	err := s.pool.QueryRow(ctx, sql, hashToken(secret)).Scan(&p.ID, &p.Name, &p.Role, &p.District, &p.Commune, &p.Province, &p.UnitName)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrUnauthorized
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	p.PreReform = p.Role == RoleDistrict
	return &p, nil
}
