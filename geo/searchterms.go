package geo

import (
	"regexp"
	"strings"
)

// roadRE reads a road number however a user writes it, in either language: "QL19", "ql 19",
// "Quốc lộ 19", "quoc lo 19", "highway 19", "National Highway 19", "NH19", "route 14C".
var roadRE = regexp.MustCompile(`(?i)^\s*(?:ql|nh|qlo|quốc\s*lộ|quoc\s*lo|(?:national\s+)?highway|hwy|route|road)\s*\.?\s*(\d{1,3}[a-z]?)\s*$`)

// SearchTerms are what a query also means: the road a road number names ("highway 19" → QL19,
// "Quốc lộ 19"), matched like the query itself (without diacritics); and the crop an English or
// Vietnamese crop name names ("cassava" → "Sắn"), matched with its diacritics (accented), since
// without them "sắn" would also find the Sê San river's dams.
func SearchTerms(q string) (folded, accented []string) {
	folded = []string{q}
	if m := roadRE.FindStringSubmatch(q); m != nil {
		n := strings.ToUpper(m[1])
		folded = append(folded, "QL"+n, "Quốc lộ "+n)
	}
	key := strings.ToLower(strings.TrimSpace(q))
	for _, t := range Crops.Terms {
		if t.Code == "other" {
			continue
		}
		en, vi := strings.ToLower(t.Title.EN), strings.ToLower(t.Title.VI)
		if key == en || key == t.Code || strings.HasPrefix(en, key) && len(key) >= 4 || key == vi || key == foldVI(vi) {
			// "Sắn (mì)": the name a zone carries is the word before the bracket.
			name, _, _ := strings.Cut(t.Title.VI, " (")
			accented = append(accented, name)
		}
	}
	return folded, accented
}

// foldVI drops Vietnamese diacritics from a lower-case word, as search_key does in the database.
func foldVI(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteString(string(viBase(r)))
	}
	return b.String()
}

func viBase(r rune) rune {
	for base, forms := range map[rune]string{
		'a': "àáạảãâầấậẩẫăằắặẳẵ", 'e': "èéẹẻẽêềếệểễ", 'i': "ìíịỉĩ", 'o': "òóọỏõôồốộổỗơờớợởỡ",
		'u': "ùúụủũưừứựửữ", 'y': "ỳýỵỷỹ", 'd': "đ",
	} {
		if strings.ContainsRune(forms, r) {
			return base
		}
	}
	return r
}
