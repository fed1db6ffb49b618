package iysapi_test

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"iysgate/app/consent"
	"iysgate/app/iys/iysapi"
	"iysgate/app/iys/iysapi/iysapitest"
)

// Every code's status and İYS text are those of İYS's code table; a code
// the table lacks has the status its examples show.
func TestCodesAgainstTheCodeTable(t *testing.T) {
	table := iysapitest.CodeTable(t)
	seen := iysapitest.ExampleStatuses(t)
	other := iysapitest.OtherExamples(t)
	for code, c := range iysapi.Codes {
		if row, ok := table[code]; ok {
			if strconv.Itoa(c.Status) != row[0] {
				t.Errorf("%s: status %d, the code table says %s", code, c.Status, row[0])
			}
			if c.Text != row[1] {
				t.Errorf("%s: text %q, the code table says %q", code, c.Text, row[1])
			}
		} else if row, ok := other[code]; ok {
			if strconv.Itoa(c.Status) != row[0] || c.Text != row[1] {
				t.Errorf("%s: %d %q, the examples of other endpoints say %s %q", code, c.Status, c.Text, row[0], row[1])
			}
		} else if !slices.Contains(seen[code], c.Status) {
			t.Errorf("%s is not in the code table and its examples show %v, not %d", code, seen[code], c.Status)
		}
		if c.Message == "" || c.Hint == "" || c.Class == 0 {
			t.Errorf("%s lacks its Turkish message, hint or class", code)
		}
	}
}

// Every code the examples of the endpoints iysgate uses can answer is in
// the table, so no answer of İYS arrives as an unknown code.
func TestEveryCodeOfTheEndpointsIsKnown(t *testing.T) {
	for code := range iysapitest.ExampleStatuses(t) {
		if _, ok := iysapi.LookupCode(code); !ok {
			t.Errorf("the examples answer %s, which the table lacks", code)
		}
	}
}

// Each endpoint's method, path and success statuses are the document's.
func TestEndpointsAgainstTheExamples(t *testing.T) {
	ex := iysapitest.Examples(t)
	for _, e := range iysapi.Endpoints() {
		f, ok := ex[string(e.Kind)]
		if !ok {
			t.Errorf("%s: no fixture", e.Kind)
			continue
		}
		if f.Method != e.Method || f.Path != e.Pattern {
			t.Errorf("%s: %s %s, the document says %s %s", e.Kind, e.Method, e.Pattern, f.Method, f.Path)
		}
		var success []int
		for status := range f.Responses {
			if n, _ := strconv.Atoi(status); n >= 200 && n < 300 {
				success = append(success, n)
			}
		}
		slices.Sort(success)
		if got := slices.Sorted(slices.Values(e.Success)); !slices.Equal(got, success) {
			t.Errorf("%s: success %v, the document says %v", e.Kind, got, success)
		}
	}
}

func TestPath(t *testing.T) {
	got := iysapi.Lookup(iysapi.KindRequestResultV2).Path("123", "45 6", "a/b")
	if want := "/v2/sps/123/brands/45%206/consents/request/a%2Fb"; got != want {
		t.Errorf("Path = %q, want %q", got, want)
	}
	for _, n := range [][]string{{"1"}, {"1", "2", "3", "4"}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Path(%v) did not panic", n)
				}
			}()
			iysapi.Lookup(iysapi.KindRequestResult).Path(n...)
		}()
	}
}

// The published limits are the numbers of the document's sentences.
func TestLimitsAgainstTheDocument(t *testing.T) {
	sentences := iysapitest.LimitSentences(t)
	for name, n := range map[string]int{
		"per-second": iysapi.PerSecond, "status-hour": iysapi.StatusPerHour, "history-hour": iysapi.HistoryPerHour,
		"token-hour-intro": iysapi.TokensPerHourIntro, "token-hour-method": iysapi.TokensPerHourMethod,
		"list-items": iysapi.MaxListItems, "result-wait": int(iysapi.ResultWait / time.Second),
		"result-retention":         int(iysapi.ResultRetention / (24 * time.Hour)),
		"multi-status-description": iysapi.MaxRecipientsDescription, "multi-status-h127": iysapi.MaxRecipientsH127,
		"changes-window": int((iysapi.ChangeWindow - iysapi.ChangeDelay) / time.Hour), "changes-page": iysapi.MaxChangesPage,
		"page": iysapi.MaxPage, "phone-length": iysapi.MaxPhoneLen, "request-id": iysapi.MaxRequestIDLen,
		"token-life": int(iysapi.AccessTokenLife / time.Hour), "token-lockout": int(iysapi.Hour / time.Hour),
	} {
		if !hasNumber(sentences[name], n) {
			t.Errorf("%s: %d is not in %q", name, n, sentences[name])
		}
	}
	if s := sentences["email-length"]; !hasNumber(s, iysapi.MinEmailLen) || !hasNumber(s, iysapi.MaxEmailLen) {
		t.Errorf("e-mail length %d–%d not in %q", iysapi.MinEmailLen, iysapi.MaxEmailLen, s)
	}
	if !hasNumber(sentences["token-life"], int(iysapi.RefreshTokenLife/time.Hour)) {
		t.Errorf("refresh token life not in %q", sentences["token-life"])
	}
	for _, h := range iysapi.HourlyLimits {
		if c, ok := iysapi.LookupCode(h.Code); !ok || c.Class != iysapi.ClassRateLimit || c.Status != 429 {
			t.Errorf("%s's hourly code %s is not a 429 rate limit", h.Kind, h.Code)
		}
	}
}

// H119 names the sources a provider may send: exactly the app's list.
func TestProviderSourcesAreH119s(t *testing.T) {
	text := iysapi.Codes["H119"].Text
	listed := strings.Split(text[strings.Index(text, ": ")+2:], ", ")
	var ours []string
	for _, s := range consent.AllSources {
		ours = append(ours, string(s))
	}
	slices.Sort(listed)
	slices.Sort(ours)
	if !slices.Equal(listed, ours) {
		t.Errorf("H119 lists %v, the app sends %v", listed, ours)
	}
}

var number = regexp.MustCompile(`\d+`)

func hasNumber(s string, n int) bool {
	return slices.Contains(number.FindAllString(s, -1), strconv.Itoa(n))
}
