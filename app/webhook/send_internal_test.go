package webhook

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// receiver is an HTTP server on loopback that counts the requests it gets.
type receiver struct {
	srv  *httptest.Server
	hits atomic.Int64
}

func newReceiver(t *testing.T, tls bool, h http.HandlerFunc) *receiver {
	r := &receiver{}
	wrapped := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.hits.Add(1)
		h(w, req)
	})
	if tls {
		r.srv = httptest.NewTLSServer(wrapped)
	} else {
		r.srv = httptest.NewServer(wrapped)
	}
	t.Cleanup(r.srv.Close)
	return r
}

func ok(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }

// sender returns a Sender with the allow-list, trusting the test TLS
// server's certificate, and resolving the names of fake.
func sender(t *testing.T, allow string, timeout time.Duration, tlsSrv *httptest.Server, fake map[string][]string) *Sender {
	t.Helper()
	a, err := ParseAllow(allow)
	if err != nil {
		t.Fatal(err)
	}
	s := NewSender(a, timeout)
	if tlsSrv != nil {
		s.client.Transport.(*http.Transport).TLSClientConfig = tlsSrv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	}
	s.lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
		var out []netip.Addr
		for _, a := range fake[host] {
			out = append(out, netip.MustParseAddr(a))
		}
		return out, nil
	}
	return s
}

func port(srv *httptest.Server) string {
	return srv.URL[strings.LastIndex(srv.URL, ":")+1:]
}

// A name that resolves to a loopback, private, link-local or IPv6 loopback
// address is refused when the request would be made, before any byte is
// sent; the same request goes through once the allow-list names it.
func TestSenderRefusesWhatTheNameResolvesTo(t *testing.T) {
	r := newReceiver(t, true, ok)
	p := port(r.srv)
	fake := map[string][]string{
		"geri.example.com": {"127.0.0.1"}, "ozel.example.com": {"10.0.0.1"},
		"meta.example.com": {"169.254.169.254"}, "v6.example.com": {"::1"},
		"karma.example.com": {"10.0.0.1", "127.0.0.1"},
	}
	s := sender(t, "", time.Second, r.srv, fake)
	key, _ := NewSecret()
	for host, says := range map[string]string{"geri": "loopback", "ozel": "özel ağ", "meta": "link-local", "v6": "loopback", "karma": "özel ağ"} {
		res := s.Send(context.Background(), "https://"+host+".example.com:"+p+"/h", key, "msg_1", []byte(`{}`))
		if res.OK || !res.Blocked || !strings.Contains(res.Error, says) || !strings.Contains(res.Error, AllowSetting) {
			t.Errorf("%s: %+v, want blocked saying %q", host, res, says)
		}
	}
	if n := r.hits.Load(); n != 0 {
		t.Fatalf("the receiver got %d requests through refused names", n)
	}
	allowed := sender(t, "127.0.0.1/32", time.Second, r.srv, fake)
	if res := allowed.Send(context.Background(), "https://geri.example.com:"+p+"/h", key, "msg_1", []byte(`{}`)); !res.OK || res.Code != 204 {
		t.Fatalf("allowed loopback: %+v", res)
	}
	byName := sender(t, "karma.example.com", time.Second, r.srv, fake)
	if res := byName.Send(context.Background(), "https://karma.example.com:"+p+"/h", key, "msg_1", []byte(`{}`)); !res.OK {
		t.Fatalf("a host named in the allow-list: %+v", res)
	}
}

// Plain http goes only where the allow-list says; there the receiver
// verifies the signature with the reference library.
func TestSenderHTTPOnlyWhenAllowed(t *testing.T) {
	key, secret := NewSecret()
	wh, _ := standardwebhooks.NewWebhook(secret)
	var verified atomic.Int64
	r := newReceiver(t, false, func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if err := wh.Verify(body, req.Header); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		verified.Add(1)
		w.WriteHeader(http.StatusOK)
	})
	public := sender(t, "", time.Second, nil, map[string][]string{"genel.example.com": {"93.184.216.34"}})
	if res := public.Send(context.Background(), "http://genel.example.com/h", key, "msg_7", []byte(`{"a":1}`)); !res.Blocked || !strings.Contains(res.Error, "Düz http") {
		t.Fatalf("http to a public address by default: %+v", res)
	}
	if res := public.Send(context.Background(), r.srv.URL+"/h", key, "msg_7", []byte(`{"a":1}`)); !res.Blocked || !strings.Contains(res.Error, "loopback") {
		t.Fatalf("http to loopback by default: %+v", res)
	}
	if res := sender(t, "127.0.0.1", time.Second, nil, nil).Send(context.Background(), r.srv.URL+"/h", key, "msg_7", []byte(`{"a":1}`)); !res.OK || res.Code != 200 {
		t.Fatalf("allowed http: %+v", res)
	}
	if r.hits.Load() != 1 || verified.Load() != 1 {
		t.Fatalf("hits %d, verified %d; want 1 and 1", r.hits.Load(), verified.Load())
	}
}

// A redirect is an answer, not a new request: the target (here an allowed
// loopback server, so that only the rule, not the guard, keeps us away)
// gets nothing.
func TestSenderDoesNotFollowRedirects(t *testing.T) {
	target := newReceiver(t, false, ok)
	r := newReceiver(t, false, func(w http.ResponseWriter, req *http.Request) {
		http.Redirect(w, req, target.srv.URL+"/latest/meta-data/", http.StatusTemporaryRedirect)
	})
	key, _ := NewSecret()
	res := sender(t, "127.0.0.1", time.Second, nil, nil).Send(context.Background(), r.srv.URL+"/h", key, "msg_1", []byte(`{}`))
	if res.OK || res.Code != 307 || !strings.Contains(res.Error, "yönlendirmeler izlenmez") {
		t.Fatalf("redirect: %+v", res)
	}
	if target.hits.Load() != 0 {
		t.Fatal("the redirect was followed")
	}
}

// A receiver that does not answer in time is given up on; one that
// answers with a huge body is read only so far; a failure's body is kept
// short for the log.
func TestSenderBounds(t *testing.T) {
	release := make(chan struct{})
	slow := newReceiver(t, false, func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-release:
		case <-req.Context().Done():
		}
	})
	defer close(release)
	key, _ := NewSecret()
	s := sender(t, "127.0.0.1", 200*time.Millisecond, nil, nil)
	if res := s.Send(context.Background(), slow.srv.URL, key, "msg_1", []byte(`{}`)); res.OK || !strings.Contains(res.Error, "zaman aşımı") {
		t.Fatalf("slow receiver: %+v", res)
	}
	huge := newReceiver(t, false, func(w http.ResponseWriter, req *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		chunk := []byte(strings.Repeat("hata ", 1000))
		for range 4000 { // 20 MB
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	res := sender(t, "127.0.0.1", 5*time.Second, nil, nil).Send(context.Background(), huge.srv.URL, key, "msg_1", []byte(`{}`))
	if res.OK || res.Code != 500 || !strings.HasPrefix(res.Error, "Alıcı HTTP 500 döndü: hata hata") || len([]rune(res.Error)) > 260 {
		t.Fatalf("huge error body: code %d, %d characters: %.80q", res.Code, len([]rune(res.Error)), res.Error)
	}
	closed := newReceiver(t, false, ok)
	closed.srv.Close()
	if res := s.Send(context.Background(), closed.srv.URL, key, "msg_1", []byte(`{}`)); res.OK || !strings.Contains(res.Error, "reddedildi") {
		t.Fatalf("nobody listening: %+v", res)
	}
}
