package geo

import (
	"fmt"
	"regexp"
)

var provinceCodeRE = regexp.MustCompile(`^[0-9]{2,3}$`)

// IsProvinceCode reports whether s is spelled as a province's code (two or three digits, the
// GSO's): what a province filter checks before it reaches SQL.
func IsProvinceCode(s string) bool { return provinceCodeRE.MatchString(s) }

// CheckProvince is what a province filter answers for its code: nil for none ("") or a code, an
// InputError (a 400) for anything else.
func CheckProvince(code string) error {
	if code == "" || IsProvinceCode(code) {
		return nil
	}
	return &InputError{Msg: fmt.Sprintf("province %q is not a province code (2–3 digits)", code)}
}
