package geo

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// roadRE reads a road number however a user writes it, in either language: "QL19", "ql 19",
// "Quốc lộ 19", "quoc lo 19", "highway 19", "National Highway 19", "NH19", "route 14C".
var roadRE = regexp.MustCompile(`(?i)^\s*(?:ql|nh|qlo|quốc\s*lộ|quoc\s*lo|(?:national\s+)?highway|hwy|route|road)\s*\.?\s*(\d{1,3}[a-z]?)\s*$`)

// industryWords are the words of the industries clusters target, as sources write them (in
// English, clusters.target_industries) and as a Vietnamese user asks for them: a query holding
// either finds the clusters whose target industries hold the English word.
var industryWords = []Text{
	{"chế biến", "processing"}, {"thực phẩm", "food"}, {"nông sản", "agri"}, {"nông lâm sản", "agro"},
	{"may mặc", "garment"}, {"dệt may", "garment"}, {"cơ khí", "mechanical"}, {"gỗ", "wood"},
	{"nội thất", "furniture"}, {"thủ công", "handicraft"}, {"vật liệu xây dựng", "building material"},
	{"công nghiệp hỗ trợ", "supporting industr"}, {"bao bì", "packaging"}, {"nhựa", "plastic"},
	{"tiêu dùng", "consumer goods"}, {"đá", "stone"}, {"gạch", "brick"}, {"in ấn", "printing"},
}

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

// IndustryTerms are the industries a query names ("food processing", "chế biến thực phẩm" → food,
// processing), in the English words sources write clusters' target industries in.
func IndustryTerms(q string) (industries []string) {
	key := strings.ToLower(strings.TrimSpace(q))
	// Whole words only: "đá" is a word of "Gò Đá Trắng", not of "Đak Đoa"; Vietnamese words are
	// compared with their diacritics, since without them "đá" would be "da" of "Đak Đoa".
	words := " " + strings.Join(strings.FieldsFunc(key, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' }), " ") + " "
	for _, w := range industryWords {
		vi, en := strings.ToLower(w.VI), strings.ToLower(w.EN)
		// A term of two words or more is safe without its diacritics too ("che bien").
		if strings.Contains(words, " "+vi+" ") || strings.Contains(vi, " ") && strings.Contains(words, " "+foldVI(vi)+" ") ||
			strings.Contains(words, " "+en) && len(en) >= 4 {
			if !slices.Contains(industries, en) {
				industries = append(industries, en)
			}
		}
	}
	return industries
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
