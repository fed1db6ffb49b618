// Package web is iysgate's HTTP face: the htmx UI (Turkish) and the JSON API
// over the same store, guarded route by route by the Casbin policy.
package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"path"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/csrf"
	"github.com/gofiber/fiber/v2/middleware/helmet"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/gofiber/fiber/v2/middleware/session"
	pgstorage "github.com/gofiber/storage/postgres/v3"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"iysgate/app/config"
	"iysgate/app/metrics"
	"iysgate/app/store"
	"iysgate/app/webhook"
	"iysgate/policy"
	"iysgate/static"
)

// Deps are what the web layer uses.
type Deps struct {
	Config     config.Config
	Store      *store.Store
	Policy     *policy.Enforcer
	River      *river.Client[pgx.Tx]
	Metrics    *metrics.Metrics
	Log        *slog.Logger
	Simulation bool // no İYS credentials: the UI says so on every page
	// WebhookAllow is the guard's allow-list, for checking endpoint URLs.
	WebhookAllow *webhook.Allow
}

// Server holds the Fiber app and its routes.
type Server struct {
	deps     Deps
	app      *fiber.App
	tpl      templates
	sessions *session.Store
	perms    map[string]string // "METHOD /path" → permission
	uploads  map[string]bool   // "METHOD /path" of the routes that take files
	spooling chan struct{}     // a slot per upload being spooled (maxSpooling)
	proxies  trustedProxies
}

// noSession lists the paths that never touch the session store.
func noSession(path string) bool {
	return path == "/metrics" || path == "/healthz" || path == "/readyz" || path == "/favicon.ico"
}

// smallBodyLimit bounds every request body except on upload routes.
const smallBodyLimit = 1 << 20

// multipartSlack is what a multipart body may hold beyond its file: the
// boundaries, part headers and the form's other fields.
const multipartSlack = 64 << 10

const (
	csrfKey  = "csrf"
	routeKey = "route"
)

// contentSecurityPolicy is every page's policy: nothing from another site,
// no inline script or style (the API page adds what its renderer needs:
// apiDocsCSP).
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"

// New builds the app with its middleware and routes.
func New(d Deps) (*Server, error) {
	tpl, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	if _, err := OpenAPI(); err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	if _, err := OpenAPI30(); err != nil {
		return nil, fmt.Errorf("openapi.yaml as OpenAPI 3.0: %w", err)
	}
	proxies, err := parseTrustedProxies(d.Config.TrustedProxies)
	if err != nil {
		return nil, err
	}
	s := &Server{deps: d, tpl: tpl, perms: map[string]string{}, uploads: map[string]bool{}, proxies: proxies,
		spooling: make(chan struct{}, maxSpooling)}
	s.app = fiber.New(fiber.Config{
		AppName:   "iysgate",
		BodyLimit: d.Config.MaxUploadBytes + multipartSlack,
		// Bodies stream to the handlers, and multipart bodies are not parsed
		// before them: uploads are read with their limit (see upload.go).
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		// /API/v1 is not /api/v1, nor /imports/ /imports: a path names one
		// route, with one guard and one body limit.
		CaseSensitive:         true,
		StrictRouting:         true,
		DisableStartupMessage: true,
		// Long filter links fit; longer ones get a 431 in JSON.
		ReadBufferSize: 16 << 10,
		// A 200 MB upload over a slow office line takes minutes.
		ReadTimeout:  15 * time.Minute,
		IdleTimeout:  2 * time.Minute,
		ErrorHandler: s.handleError,
	})
	storage := pgstorage.New(pgstorage.Config{DB: d.Store.Pool(), Table: "web_sessions", GCInterval: 10 * time.Minute})
	s.sessions = session.New(session.Config{
		Storage:        storage,
		Expiration:     d.Config.SessionTTL,
		KeyLookup:      "cookie:iysgate_oturum",
		CookieHTTPOnly: true,
		CookieSameSite: "Lax",
		CookieSecure:   d.Config.SecureCookies,
	})

	// Idle keep-alive connections (an open tab polling a page) close at
	// shutdown instead of holding it until they time out.
	s.app.Server().CloseOnShutdown = true
	s.app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, e any) {
		d.Log.Error("panic", "err", e, "path", c.Path(), "request_id", c.Locals(requestid.ConfigDefault.ContextKey))
	}}))
	s.app.Use(requestid.New())
	s.app.Use(s.rememberIP)
	s.app.Use(s.observe)
	s.app.Use(helmet.New(helmet.Config{
		ContentSecurityPolicy:     contentSecurityPolicy,
		ReferrerPolicy:            "same-origin",
		CrossOriginEmbedderPolicy: "unsafe-none",
	}))
	s.app.Use(s.limitBody)
	s.app.Use(noStore)
	s.app.Use(s.authenticate)
	s.app.Use(csrf.New(csrf.Config{
		Session:        s.sessions,
		KeyLookup:      "header:X-CSRF-Token",
		Extractor:      s.csrfExtractor,
		CookieName:     "iysgate_csrf",
		CookieHTTPOnly: true,
		CookieSameSite: "Lax",
		CookieSecure:   d.Config.SecureCookies,
		Expiration:     d.Config.SessionTTL,
		ContextKey:     csrfKey,
		// API calls with a bearer token carry no cookies, so CSRF cannot reach them.
		// Probes and assets need no token and must not create sessions. A
		// visitor who is not signed in has no session to keep a token in:
		// the login form has its own check (see loginToken), and every other
		// route refuses them.
		Next: func(c *fiber.Ctx) bool {
			return strings.HasPrefix(c.Path(), "/api/") || strings.HasPrefix(c.Path(), "/static/") || noSession(c.Path()) ||
				currentUser(c) == nil
		},
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			return s.fail(c, fiber.StatusForbidden, "CSRF", "Güvenlik doğrulaması başarısız: oturum süreniz dolmuş olabilir. Sayfayı yenileyip tekrar deneyin.")
		},
	}))
	s.routes()
	return s, nil
}

// App is the Fiber app (for Listen and for tests).
func (s *Server) App() *fiber.App { return s.app }

// Permissions maps every registered route ("GET /users") to its permission.
func (s *Server) Permissions() map[string]string { return s.perms }

// Shutdown stops accepting requests and waits for those in flight.
func (s *Server) Shutdown(timeout time.Duration) error {
	return s.app.ShutdownWithTimeout(timeout)
}

// upload registers a route that takes a file (see handle): its body may be
// as large as the upload limit.
func (s *Server) upload(method, path, perm string, h fiber.Handler) {
	s.uploads[method+" "+path] = true
	s.handle(method, path, perm, h)
}

// handle registers a route behind the guard of perm. Every route goes
// through here; a test checks that no route bypasses it.
func (s *Server) handle(method, path, perm string, h fiber.Handler) {
	s.perms[method+" "+path] = perm
	mark := func(c *fiber.Ctx) error {
		c.Locals(routeKey, path)
		return c.Next()
	}
	s.app.Add(method, path, mark, s.guard(perm), h)
}

// csrfExtractor finds the CSRF token of a request: the header htmx sends,
// or the form's _csrf field, read from the body only (never from the
// query string, which ends up in logs and Referer headers). An upload's
// field comes before its file and is read without reading the file.
func (s *Server) csrfExtractor(c *fiber.Ctx) (string, error) {
	if t := c.Get("X-CSRF-Token"); t != "" {
		return t, nil
	}
	var t string
	switch {
	case s.uploads[c.Method()+" "+c.Path()]:
		if u, err := s.uploadOf(c); err == nil {
			t = u.field("_csrf")
		}
	default:
		t = string(c.Request().PostArgs().Peek("_csrf"))
	}
	if t == "" {
		return "", csrf.ErrTokenNotFound
	}
	return t, nil
}

// observe logs every request (log/slog) and records it in the metrics by
// route pattern.
func (s *Server) observe(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		if herr := s.app.ErrorHandler(c, err); herr != nil {
			c.Status(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	route, ok := c.Locals(routeKey).(string)
	if !ok {
		route = "unmatched" // keeps 404 scans from creating a series per path
	}
	elapsed := time.Since(start)
	s.deps.Metrics.ObserveHTTP(c.Method(), route, status, elapsed)
	attrs := []any{"method", c.Method(), "path", c.Path(), "route", route, "status", status,
		"duration_ms", float64(elapsed.Microseconds()) / 1000, "ip", requestIP(c),
		"request_id", c.Locals(requestid.ConfigDefault.ContextKey)}
	if u := currentUser(c); u != nil {
		attrs = append(attrs, "user_id", u.ID)
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	s.deps.Log.Log(c.UserContext(), level, "http", attrs...)
	return nil
}

// limitBody bounds what a request body may cost before anything reads
// it. Bodies are sent as they are: a compressed body (Content-Encoding)
// would be inflated without bound, and is refused. Upload routes take
// multipart bodies up to the upload limit, read as they stream (see
// upload.go); since a handler may answer before the end, such a
// connection is closed after the answer, so that what is left of the body
// is never read as the next request. Every other route takes at most 1
// MB, read here whole for the same reason, and no multipart body (no form
// of theirs sends one; its files would be spooled to disk).
func (s *Server) limitBody(c *fiber.Ctx) error {
	h := &c.Request().Header
	if ce := h.Peek(fiber.HeaderContentEncoding); len(ce) > 0 && !strings.EqualFold(string(ce), "identity") {
		c.Context().SetConnectionClose()
		return s.fail(c, fiber.StatusUnsupportedMediaType, "ENCODED_BODY", "Sıkıştırılmış istek gövdesi kabul edilmiyor; gövdeyi sıkıştırmadan gönderin.")
	}
	cl := h.ContentLength()
	if s.uploads[c.Method()+" "+c.Path()] {
		c.Context().SetConnectionClose()
		if cl > s.deps.Config.MaxUploadBytes+multipartSlack {
			return s.failWith(c, s.tooLarge())
		}
		return c.Next()
	}
	if cl > smallBodyLimit || cl == -1 {
		c.Context().SetConnectionClose()
		return s.fail(c, fiber.StatusRequestEntityTooLarge, "BODY_TOO_LARGE", "İstek gövdesi çok büyük (en çok 1 MB).")
	}
	if strings.HasPrefix(string(h.ContentType()), fiber.MIMEMultipartForm) {
		c.Context().SetConnectionClose()
		return s.fail(c, fiber.StatusUnsupportedMediaType, "MULTIPART_NOT_ACCEPTED", "Bu adres dosya kabul etmiyor.")
	}
	_ = c.Request().Body() // the whole body, now: at most 1 MB
	return c.Next()
}

// noStore keeps pages, API answers and downloads out of browser and proxy
// caches: they hold personal data and change with every change of state.
// Assets are cached (staticHandler).
func noStore(c *fiber.Ctx) error {
	if !strings.HasPrefix(c.Path(), "/static/") {
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	return c.Next()
}

// wantsJSON tells API requests from browser requests.
func wantsJSON(c *fiber.Ctx) bool {
	return strings.HasPrefix(c.Path(), "/api/")
}

// apiError is the JSON error body of the API.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Fields  []fieldError `json:"fields,omitempty"`
}

type fieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// fail answers an error: JSON on the API, a Turkish page in the UI.
func (s *Server) fail(c *fiber.Ctx, status int, code, message string) error {
	return s.failWith(c, &Error{Status: status, Code: code, Message: message})
}

// failWith writes e: JSON on the API, a Turkish page in the UI.
func (s *Server) failWith(c *fiber.Ctx, e *Error) error {
	status := e.Status
	if wantsJSON(c) {
		return c.Status(status).JSON(apiError{Error: apiErrorBody{Code: e.Code, Message: e.Message, Fields: e.Fields}})
	}
	heading := map[int]string{401: "Giriş gerekli", 403: "Erişim engellendi", 404: "Sayfa bulunamadı",
		413: "Dosya çok büyük", 500: "Beklenmeyen hata"}[status]
	if heading == "" {
		heading = "Hata"
	}
	msg := e.Message
	if len(e.Fields) > 0 {
		// A page shows what is wrong with each field.
		msgs := make([]string, len(e.Fields))
		for i, f := range e.Fields {
			msgs[i] = f.Message
		}
		msg = strings.Join(msgs, " ")
	}
	data := map[string]string{"Heading": heading, "Message": msg}
	if c.Get("HX-Request") == "true" {
		// htmx swaps the error into the page instead of doing nothing.
		c.Set("HX-Retarget", "main")
		c.Set("HX-Reswap", "innerHTML")
		return s.render(c, status, "error", heading, data, "content")
	}
	return s.render(c, status, "error", heading, data)
}

// handleError is Fiber's error handler: it maps unhandled errors to pages.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		switch fe.Code {
		case fiber.StatusNotFound:
			return s.fail(c, fe.Code, "NOT_FOUND", "Aradığınız sayfa bulunamadı.")
		case fiber.StatusMethodNotAllowed:
			return s.fail(c, fe.Code, "METHOD_NOT_ALLOWED", "Bu işlem bu adreste desteklenmiyor.")
		case fiber.StatusRequestEntityTooLarge:
			return s.fail(c, fe.Code, "BODY_TOO_LARGE", "Gönderilen veri izin verilen boyutu aşıyor.")
		case fiber.StatusRequestHeaderFieldsTooLarge:
			// The request could not be read, so its path is unknown: JSON,
			// which API clients read and a browser shows.
			return c.Status(fe.Code).JSON(apiError{Error: apiErrorBody{Code: "REQUEST_TOO_LARGE",
				Message: "İstek satırı ya da başlıkları çok uzun (en çok 16 KB); adres çok uzunsa süzgeçleri azaltın."}})
		}
		if fe.Code < 500 {
			return s.fail(c, fe.Code, "BAD_REQUEST", "İstek geçersiz.")
		}
	}
	if we := asError(err); we != nil {
		return s.failWith(c, we)
	}
	s.deps.Log.Error("request failed", "err", err, "path", c.Path(), "request_id", c.Locals(requestid.ConfigDefault.ContextKey))
	return s.fail(c, fiber.StatusInternalServerError, "INTERNAL", "Beklenmeyen bir hata oluştu. Sorun sürerse sistem yöneticinize (Admin) şu kodu iletin: "+
		toString(c.Locals(requestid.ConfigDefault.ContextKey)))
}

func toString(v any) string {
	s, _ := v.(string)
	return s
}

// health answers /healthz: the process is alive.
func (s *Server) health(c *fiber.Ctx) error { return c.SendString("ok") }

// ready answers /readyz: the database and River's tables answer.
func (s *Server) ready(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
	defer cancel()
	// Details go to the log, not to anonymous callers.
	if err := s.deps.Store.Pool().Ping(ctx); err != nil {
		s.deps.Log.Warn("readyz: database", "err", err)
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "failing": "database"})
	}
	if s.deps.River != nil {
		if _, err := s.deps.River.QueueList(ctx, river.NewQueueListParams().First(1)); err != nil {
			s.deps.Log.Warn("readyz: river", "err", err)
			return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "failing": "river"})
		}
	}
	return c.JSON(fiber.Map{"status": "ready"})
}

// metricsHandler serves /metrics to the monitoring system: with the
// bearer token IYSGATE_METRICS_TOKEN when it is set, otherwise to clients
// on this machine only, talking to iysgate directly (a request forwarded by
// a proxy on this machine may come from anywhere). The series name
// companies and their quota, which is nobody else's business.
func (s *Server) metricsHandler() fiber.Handler {
	h := adaptor.HTTPHandler(s.deps.Metrics.Handler())
	want := []byte("Bearer " + s.deps.Config.MetricsToken)
	return func(c *fiber.Ctx) error {
		if s.deps.Config.MetricsToken != "" {
			if subtle.ConstantTimeCompare([]byte(c.Get(fiber.HeaderAuthorization)), want) != 1 {
				c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="iysgate metrics"`)
				return c.Status(fiber.StatusUnauthorized).SendString("/metrics için IYSGATE_METRICS_TOKEN anahtarı gerekli (Authorization: Bearer …).\n")
			}
			return h(c)
		}
		if ip, err := netip.ParseAddr(requestIP(c)); err != nil || !ip.IsLoopback() || forwarded(c) {
			return c.Status(fiber.StatusForbidden).SendString("/metrics yalnızca bu makineden okunabilir; başka bir makineden okumak için IYSGATE_METRICS_TOKEN ayarlayın.\n")
		}
		return h(c)
	}
}

// staticHandler serves the embedded assets.
func (s *Server) staticHandler(c *fiber.Ctx) error {
	name := c.Params("*")
	b, err := static.FS.ReadFile(name)
	if err != nil {
		return fiber.ErrNotFound
	}
	c.Type(strings.TrimPrefix(path.Ext(name), "."))
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	return c.Send(b)
}
