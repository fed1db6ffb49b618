package server

import "testing"

// Nodes whose settings spell one İYS differently share its budget; two
// İYS (a rehearsal simulator, the real one) do not.
func TestIYSScope(t *testing.T) {
	same := []string{"https://api.iys.org.tr", "https://API.iys.org.tr/", "HTTPS://api.iys.org.tr//"}
	for _, s := range same[1:] {
		if iysScope(s) != iysScope(same[0]) {
			t.Errorf("%q → %q, want %q", s, iysScope(s), iysScope(same[0]))
		}
	}
	if iysScope("http://127.0.0.1:8090") == iysScope("https://api.iys.org.tr") {
		t.Error("a simulator and İYS share a scope")
	}
}
