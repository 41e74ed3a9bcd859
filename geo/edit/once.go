package edit

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// A create a client may send again. A client that sent a create and lost the answer (a timeout, a
// dropped connection, a 5xx from a proxy) cannot know whether the feature exists; sending it again
// must not make a second cluster. So a create may carry a key of the client's choosing
// (Actor.Key): the first create with a key records, in its own transaction, a hash of what it asked
// for and the id it made (migrations/00010_idempotency.sql); a later one with the same key and the
// same request is answered with that id and writes nothing; one with the same key and another
// request is refused. Keys are per user and last a day.

// MaxKeyChars bounds a key.
const MaxKeyChars = 255

// keyLifetime is how long a key is remembered; the SQL below says the same.
const keyLifetime = "1 day"

// errKeyRaced: another create with the same key committed while this one ran; this one rolls back
// and is answered as a repeat.
var errKeyRaced = errors.New("a create with the same key committed first")

// requestHash is what "the same request" means: the same target, body and change comment.
func requestHash(target string, body []byte, comment string) []byte {
	h := sha256.New()
	h.Write([]byte(target))
	h.Write([]byte{0})
	h.Write(body)
	h.Write([]byte{0})
	h.Write([]byte(comment))
	return h.Sum(nil)
}

func checkKey(key string) error {
	if n := utf8.RuneCountInString(key); n > MaxKeyChars {
		return &ValidationError{Problems: []string{fmt.Sprintf("the request's key has %d characters; at most %d", n, MaxKeyChars)}}
	}
	return nil
}

// earlierCreate finds what an earlier create with a's key made within the last day: the id, or 0
// when the key is new. The same key with another request is refused. It runs before the
// transaction becomes the editor (a retry is answered even if the create would now be refused,
// say because its name is taken since by the very feature it made), so it names the user itself.
func earlierCreate(ctx context.Context, tx pgx.Tx, a Actor, target string, hash []byte) (int64, error) {
	var id int64
	var was []byte
	var wasTarget string
	err := tx.QueryRow(ctx, `SELECT result_id, request_hash, target FROM idempotency_keys
		WHERE actor = $1 AND key = $2 AND created_at > now() - interval '`+keyLifetime+`'`,
		a.User, a.Key).Scan(&id, &was, &wasTarget)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read key: %w", err)
	}
	if string(was) != string(hash) || wasTarget != target {
		return 0, &ValidationError{Problems: []string{"this request's key was used for a different create within the last day: " +
			"send a new key with a new create, and the same key only when sending the same create again"}}
	}
	return id, nil
}

// rememberCreate records, as the editor, that a's key made id, and forgets a's keys older than a
// day. When a create with the same key committed since earlierCreate looked, this one must not
// commit: errKeyRaced.
func rememberCreate(ctx context.Context, tx pgx.Tx, a Actor, target string, hash []byte, id int64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE actor = $1 AND created_at <= now() - interval '`+keyLifetime+`'`, a.User); err != nil {
		return fmt.Errorf("forget old keys: %w", err)
	}
	tag, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (actor, key, request_hash, target, result_id)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, a.User, a.Key, hash, target, id)
	if err != nil {
		return fmt.Errorf("record key: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return errKeyRaced
	}
	return nil
}

// once runs a create at most once per a.Key: with no key it simply runs; with a key, a repeat is
// answered with the id the first run made (replayed true) and writes nothing. prepare runs first,
// as the serving role (validation against the database); create then runs as the editor and
// returns the id it made; describe, when given, reads what the answer needs about the id in the
// same transaction, made or replayed.
func (s *Store) once(ctx context.Context, what string, a Actor, target string, hash []byte,
	prepare func(ctx context.Context, tx pgx.Tx) error,
	create func(ctx context.Context, tx pgx.Tx) (int64, error),
	describe func(ctx context.Context, tx pgx.Tx, id int64, replayed bool) error) (id int64, replayed bool, err error) {
	if err := checkKey(a.Key); err != nil {
		return 0, false, err
	}
	run := func() error {
		return s.inTx(ctx, what, func(ctx context.Context, tx pgx.Tx) error {
			if a.Key != "" {
				// Creates with one key wait for each other here: the second then finds the
				// first's key, instead of racing it to the natural key's unique index. (Two-number
				// advisory locks are a space apart from geo's one-number migration lock.)
				if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))`, a.User, a.Key); err != nil {
					return fmt.Errorf("wait for the key: %w", err)
				}
				earlier, err := earlierCreate(ctx, tx, a, target, hash)
				if err != nil {
					return err
				}
				if earlier > 0 {
					id, replayed = earlier, true // nothing written: the commit is empty
					return describeIn(ctx, tx, describe, id, true)
				}
			}
			if err := prepare(ctx, tx); err != nil {
				return err
			}
			if err := becomeEditor(ctx, tx, a); err != nil {
				return err
			}
			var err error
			if id, err = create(ctx, tx); err != nil {
				return err
			}
			if a.Key != "" {
				if err := rememberCreate(ctx, tx, a, target, hash, id); err != nil {
					return err
				}
			}
			return describeIn(ctx, tx, describe, id, false)
		})
	}
	err = run()
	if errors.Is(err, errKeyRaced) {
		id, replayed = 0, false
		err = run() // the other create has committed: this run finds its key
	}
	return id, replayed, err
}

func describeIn(ctx context.Context, tx pgx.Tx, describe func(context.Context, pgx.Tx, int64, bool) error, id int64, replayed bool) error {
	if describe == nil {
		return nil
	}
	return describe(ctx, tx, id, replayed)
}
