package consent

// ValidCode reports whether s has the shape of an İYS number (İYS
// numarası, iysCode) or a brand code (Marka Numarası, brandCode): digits
// only, at most ten. İYS's examples show six digits; the documentation does
// not fix the length, so a shorter or longer number is not refused.
func ValidCode(s string) bool {
	if s == "" || len(s) > 10 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
