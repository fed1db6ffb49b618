package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

// Sender posts signed payloads to endpoints through the guard, with
// bounded time and bounded reads. It is safe for concurrent use.
type Sender struct {
	allow   *Allow
	client  *http.Client
	timeout time.Duration
	// lookup resolves a host name (the system's resolver; tests give
	// names the addresses they need).
	lookup func(ctx context.Context, host string) ([]netip.Addr, error)
}

// DefaultTimeout bounds one request (connect, TLS, answer and its body).
const DefaultTimeout = 10 * time.Second

// responseKept is how much of an answer's body the delivery log keeps;
// responseRead is how much is read at most (the rest is not, and the
// connection is not reused).
const (
	responseKept = 300
	responseRead = 64 << 10
)

// NewSender returns a sender that lets through what allow permits and
// gives up on a request after timeout (0: DefaultTimeout).
func NewSender(allow *Allow, timeout time.Duration) *Sender {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if allow == nil {
		allow = &Allow{}
	}
	s := &Sender{allow: allow, timeout: timeout, lookup: func(ctx context.Context, host string) ([]netip.Addr, error) {
		return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	}}
	tr := &http.Transport{
		// Never through a proxy from the environment: the guard must see
		// the address the request goes to.
		Proxy:                 nil,
		DialContext:           s.dial,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
	}
	s.client = &http.Client{
		Transport: tr,
		Timeout:   timeout,
		// Redirects are not followed: a public URL answering 307 to
		// http://169.254.169.254/ must not make the appliance go there.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return s
}

type httpsKey struct{}

// dial resolves the host itself, checks every address with the guard and
// connects to a permitted one by address, so that the address checked is
// the address dialled (no second lookup between them). The dialer's
// Control checks the socket's address once more.
func (s *Sender) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	https, _ := ctx.Value(httpsKey{}).(bool)
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else if ips, err = s.lookup(ctx, host); err != nil {
		return nil, fmt.Errorf("%s çözülemedi: %w", host, err)
	}
	if len(ips) == 0 {
		return nil, errNoAddress
	}
	d := &net.Dialer{Timeout: s.timeout, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return err
		}
		return s.allow.permit(host, ap.Addr(), https)
	}}
	var firstErr error
	for _, ip := range ips {
		if err := s.allow.permit(host, ip, https); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		conn, err := d.DialContext(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
		if err == nil {
			return conn, nil
		}
		if firstErr == nil || isBlocked(firstErr) {
			firstErr = err
		}
	}
	return nil, firstErr
}

func isBlocked(err error) bool {
	var be *BlockedError
	return errors.As(err, &be)
}

// Result is the outcome of one attempt.
type Result struct {
	OK    bool   // the endpoint answered 2xx
	Code  int    // its HTTP status (0: no answer)
	Error string // why it failed, in Turkish, for the delivery log
	// Blocked: the guard refused the address (no request was made).
	Blocked bool
}

// Send posts body to rawURL as message id, signed with key, now.
func (s *Sender) Send(ctx context.Context, rawURL string, key []byte, id string, body []byte) Result {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return Result{Error: "Adres geçersiz: " + rawURL}
	}
	ctx = context.WithValue(ctx, httpsKey{}, u.Scheme == "https")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return Result{Error: "İstek hazırlanamadı: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "iysgate-webhook/1")
	SetHeaders(req.Header, key, id, time.Now().Unix(), body)
	res, err := s.client.Do(req)
	if err != nil {
		return Result{Error: s.describe(err), Blocked: isBlocked(err)}
	}
	defer res.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(res.Body, responseKept))
	// The rest is read (bounded) so that the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, responseRead))
	r := Result{Code: res.StatusCode, OK: res.StatusCode >= 200 && res.StatusCode < 300}
	switch {
	case r.OK:
	case res.StatusCode >= 300 && res.StatusCode < 400:
		r.Error = fmt.Sprintf("Alıcı HTTP %d ile %s adresine yönlendirdi; yönlendirmeler izlenmez, webhook adresini düzeltin.",
			res.StatusCode, clip(res.Header.Get("Location")))
	default:
		r.Error = fmt.Sprintf("Alıcı HTTP %d döndü", res.StatusCode)
		if t := clip(string(head)); t != "" {
			r.Error += ": " + t
		}
	}
	return r
}

// describe turns a transport error into the delivery log's Turkish.
func (s *Sender) describe(err error) string {
	var be *BlockedError
	if errors.As(err, &be) {
		return be.Why
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("Alıcı %s içinde yanıt vermedi (zaman aşımı).", s.timeout)
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return "Bağlantı reddedildi: alıcı sunucu bu adreste dinlemiyor."
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return "İstek gönderilemedi: " + clip(err.Error())
}

// clip keeps a short, printable part of a text for the log.
func clip(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > 200 {
		s = string([]rune(s)[:200]) + "…"
	}
	return s
}
