package web

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

func TestSafeNext(t *testing.T) {
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

func TestNeutralise(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")", "+SUM(A1)": "'+SUM(A1)", "-1+2": "'-1+2", "@cmd": "'@cmd",
		"+905321234567": "+905321234567", "Ayşe": "Ayşe", "": "",
	} {
		if got := neutralise(in); got != want {
			t.Errorf("neutralise(%q) = %q, want %q", in, got, want)
		}
	}
}

// A request the server could not read (headers over the read buffer: a
// 431) has no path to tell API from page, and is answered in JSON, which
// API clients read and a browser shows.
func TestUnreadableRequestGetsJSON(t *testing.T) {
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
