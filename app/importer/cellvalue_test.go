package importer

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

func TestFormatNumber(t *testing.T) {
	for in, want := range map[string]string{
		"5321234567":             "5321234567",
		"905321234567":           "905321234567",
		"5.321234567E+9":         "5321234567",
		"5.321234567E+09":        "5321234567",
		"5321234567.0":           "5321234567",
		"45819.4375":             "45819.4375",
		"0.30000000000000004":    "0.3",
		"1E-3":                   "0.001",
		"-12":                    "-12",
		"-0":                     "0",
		"007":                    "7",
		"1.2345678901234567E+20": "123456789012346000000",
		"abc":                    "abc",
		"":                       "",
	} {
		if got := formatNumber([]byte(in)); got != want {
			t.Errorf("formatNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSerialToTime(t *testing.T) {
	for _, tt := range []struct {
		f        float64
		date1904 bool
		want     string
		dateOnly bool
		ok       bool
	}{
		{45819.4375, false, "2025-06-11 10:30:00", false, true},
		{45819, false, "2025-06-11 00:00:00", true, true},
		{42125, false, "2015-05-01 00:00:00", true, true},
		{61, false, "1900-03-01 00:00:00", true, true},
		{59, false, "1900-02-28 00:00:00", true, true},
		{60, false, "1900-02-28 00:00:00", true, true}, // Excel's 1900-02-29
		{1, false, "1900-01-01 00:00:00", true, true},
		{0.5, false, "", false, false},
		{-1, false, "", false, false},
		{3e6, false, "", false, false},
		{45819.99999999, false, "2025-06-12 00:00:00", true, true}, // rounds to the next day
		{44357.4375, true, "2025-06-11 10:30:00", false, true},
		{0, true, "1904-01-01 00:00:00", true, true},
	} {
		got, dateOnly, ok := serialToTime(tt.f, tt.date1904)
		if ok != tt.ok || ok && (got.Format("2006-01-02 15:04:05") != tt.want || dateOnly != tt.dateOnly) {
			t.Errorf("serialToTime(%v, %v) = %v %v %v, want %s %v %v", tt.f, tt.date1904, got, dateOnly, ok, tt.want, tt.dateOnly, tt.ok)
		}
		if ok && got.Location() != time.UTC {
			t.Error("not UTC")
		}
	}
	if formatTimeOfDay(0.5) != "12:00:00" {
		t.Error(formatTimeOfDay(0.5))
	}
}

func TestIsDateFormat(t *testing.T) {
	for id := range 200 {
		want := id >= 14 && id <= 22 || id >= 27 && id <= 36 || id >= 45 && id <= 47 || id >= 50 && id <= 58
		if isDateFormat(id, "", false) != want {
			t.Errorf("built-in %d: %v", id, !want)
		}
	}
	for code, want := range map[string]bool{
		"dd.mm.yyyy": true, "d/m/yy h:mm": true, "[$-41F]dd\\ mmmm\\ yyyy": true, "yyyy-mm-dd hh:mm:ss": true,
		"hh:mm": true, "[h]:mm:ss": true, "mm:ss.0": true, "[hh]": true, "dd.mm.yyyy;@": true,
		"General": false, "0": false, "0.00": false, "#,##0.00 \"TL\"": false, "\"d\"0": false, "[Red]0.00": false,
		"0.00E+00": false, "@": false, "0\\d": false, "_(* #,##0_)": false, "#,##0;[Red]-#,##0": false,
		"[$₺-41F] #,##0.00": false, "0 \"adet\"": false, "\"Tarih: \"0": false, "*s0": false,
	} {
		if got := isDateFormat(164, code, true); got != want {
			t.Errorf("isDateFormat(%q) = %v, want %v", code, got, want)
		}
	}
}

func TestParseISODate(t *testing.T) {
	for in, want := range map[string]string{
		"2025-06-11T10:30:00":     "2025-06-11 10:30:00",
		"2025-06-11T10:30:00.000": "2025-06-11 10:30:00",
		"2025-06-11T10:30:00Z":    "2025-06-11 10:30:00",
		"2025-06-11T10:30":        "2025-06-11 10:30:00",
		"2025-06-11":              "2025-06-11 00:00:00",
		"11.06.2025":              "",
		"2025-06-11X":             "",
	} {
		got, _, ok := parseISODate(in)
		if ok != (want != "") || ok && got.Format("2006-01-02 15:04:05") != want {
			t.Errorf("parseISODate(%q) = %v %v, want %q", in, got, ok, want)
		}
	}
}

func TestRefColumn(t *testing.T) {
	for ref, want := range map[string]int{"A1": 0, "C7": 2, "Z9": 25, "AA1": 26, "AZ1": 51, "BA1": 52, "XFD1048576": 16383, "$B$2": 1, "b3": 1, "A": 0} {
		if got, ok := refColumn([]byte(ref)); !ok || got != want {
			t.Errorf("refColumn(%q) = %d %v, want %d", ref, got, ok, want)
		}
	}
	for _, ref := range []string{"", "1A", "ABCD1", "XFE1", "$"} {
		if _, ok := refColumn([]byte(ref)); ok {
			t.Errorf("refColumn(%q) accepted", ref)
		}
	}
	for col, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 701: "ZZ", 702: "AAA", 16383: "XFD"} {
		if got := columnLetters(col); got != want {
			t.Errorf("columnLetters(%d) = %q, want %q", col, got, want)
		}
	}
}

func TestXMLDecoding(t *testing.T) {
	for in, want := range map[string]string{
		"a &amp; b":            "a & b",
		"&lt;&gt;&quot;&apos;": `<>"'`,
		"&#305;&#x130;&#X15F;": "ıİş",
		"a\r\nb\rc":            "a\nb\nc",
		"&#0;":                 "\uFFFD",
		"plain":                "plain",
	} {
		got, err := appendDecoded(nil, []byte(in))
		if err != nil || string(got) != want {
			t.Errorf("appendDecoded(%q) = %q %v, want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"&nbsp;", "&", "&#xZZ;", "&#;", "a &amp b &lt; c"} {
		if _, err := appendDecoded(nil, []byte(bad)); err == nil {
			t.Errorf("appendDecoded(%q) accepted", bad)
		}
	}
	for in, want := range map[string]string{
		"a_x000D__x000A_b": "a\r\nb",
		"_x005F_x000D_":    "_x000D_",
		"_x":               "_x",
		"x_x00e7_y":        "xçy",
		"_xD83D__xDE00_":   "😀",
		"_xD83D_":          "\uFFFD",
		"no escapes":       "no escapes",
		"_x12G4_ok_x0041_": "_x12G4_okA",
	} {
		if got := string(decodeXString([]byte(in))); got != want {
			t.Errorf("decodeXString(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestXMLScannerSmallReads feeds the scanner one byte at a time, so that
// every token crosses a buffer boundary.
func TestXMLScannerSmallReads(t *testing.T) {
	doc := `<?xml version="1.0"?><!-- c --><a x="1>2" y='q"'><b/>text &amp; more<![CDATA[<raw>]]><c:d e:f="g">` + strings.Repeat("z", 5000) + `</c:d></a>`
	sc := newXMLScanner(io.MultiReader(oneByteReader{strings.NewReader(doc)}), -1)
	sc.buf = make([]byte, 16)
	var got []string
	for {
		k, err := sc.next()
		if err != nil {
			t.Fatal(err)
		}
		if k == tokEOF {
			break
		}
		switch k {
		case tokStart:
			got = append(got, "<"+string(sc.name)+" "+strings.TrimSpace(string(sc.attrs))+">")
		case tokEnd:
			got = append(got, "</"+string(sc.name)+">")
		case tokText, tokCDATA:
			if n := len(got); n > 0 && strings.HasPrefix(got[n-1], "T:") {
				got[n-1] += string(sc.text)
			} else {
				got = append(got, "T:"+string(sc.text))
			}
		}
	}
	want := []string{`<a x="1>2" y='q"'>`, "<b >", "</b>", "T:text &amp; more<raw>", `<d e:f="g">`, "T:" + strings.Repeat("z", 5000), "</d>", "</a>"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("tokens:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(sc.buf) > 64<<10 {
		t.Errorf("the buffer grew to %d bytes for long text", len(sc.buf))
	}
	if v := attrValue([]byte(` x="1&amp;2" y='b'`), "x"); v != "1&2" {
		t.Errorf("attrValue = %q", v)
	}
}

type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	return o.r.Read(b[:1])
}

func TestXMLScannerTagTooLong(t *testing.T) {
	doc := `<a ` + strings.Repeat(`x="1" `, 400000) + `>`
	sc := newXMLScanner(bytes.NewReader([]byte(doc)), -1)
	if _, err := sc.next(); err != errXMLTagTooLong {
		t.Errorf("err = %v", err)
	}
}
