package geo

import "regexp"

var provinceCodeRE = regexp.MustCompile(`^[0-9]{2,3}$`)

// IsProvinceCode reports whether s is spelled as a province's code (two or three digits, the
// GSO's): what a province filter checks before it reaches SQL.
func IsProvinceCode(s string) bool { return provinceCodeRE.MatchString(s) }
