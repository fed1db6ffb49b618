package web

import (
	"bytes"
	"encoding/csv"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
	"github.com/xuri/excelize/v2"
)

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for next, want := range map[string]string{
		"/users":                "/users",
		"/consents?tab=email":   "/consents?tab=email",
		"":                      "/",
		"//evil.example":        "/",
		"/\\evil.example":       "/",
		"/\t/evil.example":      "/",
		"/\r\nSet-Cookie: x=y":  "/",
		"https://evil.example/": "/",
		"javascript:alert(1)":   "/",
		"/%2F%2Fevil.example":   "/%2F%2Fevil.example",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

// Both export formats neutralise a cell a spreadsheet would run, and keep
// phones, numbers and dates as they are.
func TestExportNeutralisesFormulas(t *testing.T) {
	t.Parallel()
	header := []string{"Alıcı", "Ad", "Not", "Onay Tarihi"}
	line := []string{"+905321234567", `=HYPERLINK("http://x","tıkla")`, "-5", "11.06.2025 14:30:00"}
	want := []string{"+905321234567", `'=HYPERLINK("http://x","tıkla")`, "-5", "11.06.2025 14:30:00"}
	lines := func(fn func([]string) error) error { return fn(slices.Clone(line)) }

	var out bytes.Buffer
	if err := writeExportCSV(&out, header, lines); err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(out.String(), "\ufeff")))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil || len(recs) != 2 || !slices.Equal(recs[0], header) || !slices.Equal(recs[1], want) {
		t.Errorf("csv = %q (%v), want %q", recs, err, want)
	}

	wb, err := exportWorkbook(header, lines)
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	out.Reset()
	if err := wb.Write(&out); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Onaylar")
	if err != nil || len(rows) != 2 || !slices.Equal(rows[0], header) || !slices.Equal(rows[1], want) {
		t.Errorf("xlsx = %q (%v), want %q", rows, err, want)
	}
}

// A request the server could not read (headers over the read buffer: a
// 431) has no path to tell API from page, and is answered in JSON, which
// API clients read and a browser shows.
func TestUnreadableRequestGetsJSON(t *testing.T) {
	t.Parallel()
	s := &Server{deps: Deps{Log: slog.New(slog.DiscardHandler)}}
	app := fiber.New()
	var fctx fasthttp.RequestCtx
	c := app.AcquireCtx(&fctx)
	defer app.ReleaseCtx(c)
	if err := s.handleError(c, fiber.ErrRequestHeaderFieldsTooLarge); err != nil {
		t.Fatal(err)
	}
	body := string(c.Response().Body())
	if c.Response().StatusCode() != 431 || !strings.Contains(body, `"code":"REQUEST_TOO_LARGE"`) {
		t.Fatalf("431: %d %s", c.Response().StatusCode(), body)
	}
}
