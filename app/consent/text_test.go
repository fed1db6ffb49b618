package consent

import (
	"strings"
	"testing"
)

func TestCleanText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		max      int
		issue    TextIssue
	}{
		{"  Ayşe   Yılmaz ", "Ayşe Yılmaz", 100, TextOK},
		{"Ay\u200bşe\u00a0Yıl\tmaz\n", "Ayşe Yıl maz", 100, TextOK},
		{"\ufeffİpek", "İpek", 100, TextOK},
		{"Ali\x00", "", 100, TextControl},
		{"Ali\x07Veli", "", 100, TextControl},
		{"Ali \u202eileV", "", 100, TextControl},
		{"Ali \u2067x", "", 100, TextControl},
		{"\xff\xfeAli", "", 100, TextEncoding},
		{strings.Repeat("ç", 101), "", 100, TextTooLong},
		{strings.Repeat("ç", 100), strings.Repeat("ç", 100), 100, TextOK},
	} {
		got, issue := CleanText(tc.in, tc.max)
		if issue != tc.issue || (issue == TextOK && got != tc.want) {
			t.Errorf("CleanText(%q) = %q, %v; want %q, %v", tc.in, got, issue, tc.want, tc.issue)
		}
	}
}

func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"Ayşe", "a\x00b", "\u202e", " x  y ", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, issue := CleanText(s, 50)
		if issue != TextOK {
			return
		}
		again, issue2 := CleanText(out, 50)
		if again != out || issue2 != TextOK {
			t.Fatalf("not idempotent: %q → %q → %q", s, out, again)
		}
		if strings.ContainsRune(out, 0) || strings.TrimSpace(out) != out || strings.Contains(out, "  ") {
			t.Fatalf("CleanText(%q) = %q", s, out)
		}
	})
}

func TestRepairText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"liste.csv":              "liste.csv",
		"a\x00b.csv":             "ab.csv",
		"\u202eexe.csv":          "exe.csv",
		"\xffliste.csv":          "liste.csv",
		strings.Repeat("ş", 300): strings.Repeat("ş", 255),
	} {
		if got, _ := RepairText(in, 255); got != want {
			t.Errorf("RepairText(%q) = %q, want %q", in, got, want)
		}
	}
}
