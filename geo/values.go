package geo

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Values from requests reach PostgreSQL as text parameters; these checks keep every value inside
// what PostgreSQL accepts, so bad input is a 400 and never a database error.

var decimal = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$`)

// MaxDecimalDigits bounds the digits of a number from a request. PostgreSQL's numeric holds at
// most 16383 digits after the point (more is "value overflows numeric format", a 500), and no
// column of ClusterMap needs more than float8's 17 significant digits; 30 leaves room for
// trailing zeros a client may write, and keeps every number far inside both limits.
const MaxDecimalDigits = 30

// CheckDigits refuses a number written with more than MaxDecimalDigits digits (leading zeros
// included: "0.000…1" costs PostgreSQL as much as any other digit).
func CheckDigits(s string) error {
	mantissa, _, _ := strings.Cut(strings.ToLower(s), "e")
	n := 0
	for i := 0; i < len(mantissa); i++ {
		if mantissa[i] >= '0' && mantissa[i] <= '9' {
			n++
		}
	}
	if n > MaxDecimalDigits {
		return fmt.Errorf("number has %d digits; at most %d are accepted", n, MaxDecimalDigits)
	}
	return nil
}

// ParseDecimal reads a plain decimal number (no hex, no underscores, no Inf or NaN) of a size
// PostgreSQL's numeric and float8 both take.
func ParseDecimal(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if !decimal.MatchString(s) {
		return 0, fmt.Errorf("%q is not a decimal number", truncate(s, 40))
	}
	if err := CheckDigits(s); err != nil {
		return 0, err
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v > 1e15 || v < -1e15 {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	return v, nil
}

// ParseDate reads YYYY-MM-DD with a year PostgreSQL knows (1 to 9999; there is no year 0).
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return t, err
	}
	return t, CheckYear(t)
}

// CheckYear refuses instants outside the years 1 to 9999.
func CheckYear(t time.Time) error {
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return fmt.Errorf("year %d is outside 1–9999", y)
	}
	return nil
}

// ValidText reports whether s can be sent to PostgreSQL as text: valid UTF-8 without NUL bytes.
func ValidText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// truncate shortens s for an error message, so a hostile value is not echoed whole.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// RoundDegrees rounds a longitude or latitude to 6 decimals (about 0.1 m), the precision of every
// coordinate ClusterMap writes.
func RoundDegrees(v float64) float64 { return math.Round(v*1e6) / 1e6 }
