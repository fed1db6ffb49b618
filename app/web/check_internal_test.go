package web

import (
	"encoding/json"
	"testing"
)

// A recipient decodes as the JSON string or number it is, whether or not
// it takes the shortcut for plain strings.
func TestCheckRecipientDecoding(t *testing.T) {
	cases := map[string]string{
		`"05321112233"`:         "05321112233",
		`"+90 532 111 22 33"`:   "+90 532 111 22 33",
		`"\u0030532 111 22 33"`: "0532 111 22 33",
		`"ayşe@örnek.com.tr"`:   "ayşe@örnek.com.tr",
		`"a\"b"`:                `a"b`,
		`"\ud800"`:              "\ufffd",
		`905321112233`:          "905321112233",
		`-5`:                    "-5",
		`1e3`:                   "1e3",
		`null`:                  "",
		`""`:                    "",
	}
	for in, want := range cases {
		var got []checkRecipient
		if err := json.Unmarshal([]byte("["+in+"]"), &got); err != nil || len(got) != 1 || string(got[0]) != want {
			t.Errorf("%s: got %q %v, want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`true`, `{}`, `[]`} {
		var got []checkRecipient
		if err := json.Unmarshal([]byte("["+in+"]"), &got); err == nil {
			t.Errorf("%s: accepted as %q", in, got)
		}
	}
}
