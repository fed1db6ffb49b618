package web

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// trustedProxies are the reverse proxies whose X-Forwarded-For is believed.
type trustedProxies []netip.Prefix

// parseTrustedProxies reads IYSGATE_TRUSTED_PROXIES: IPs and CIDRs,
// separated by commas.
func parseTrustedProxies(s string) (trustedProxies, error) {
	var out trustedProxies
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("IYSGATE_TRUSTED_PROXIES: %q bir IP adresi ya da CIDR değil", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func (t trustedProxies) trusts(a netip.Addr) bool {
	for _, p := range t {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientIP is the address of the person or system behind a request: the
// peer, or, when the peer is a trusted proxy, the last address in
// X-Forwarded-For that is not a trusted proxy. The list is read from the
// right because each proxy appends the address it saw; what lies left of
// the first untrusted entry was written by the client and proves nothing.
func (s *Server) clientIP(c *fiber.Ctx) string {
	peer, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok {
		return c.IP()
	}
	peer = peer.Unmap()
	if !s.proxies.trusts(peer) {
		return peer.String()
	}
	// Every X-Forwarded-For header, in order: a proxy may add its own
	// header line after the one the client sent.
	var hops []string
	for _, h := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
		hops = append(hops, strings.Split(string(h), ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(strings.TrimSpace(hops[i]))
		if !ok {
			break // a malformed entry: trust nothing left of it
		}
		if !s.proxies.trusts(a) {
			return a.String()
		}
		peer = a
	}
	return peer.String()
}

// parseHop reads one X-Forwarded-For entry: an address, or an address
// with a port ("198.51.100.9:4711", "[2001:db8::1]:4711").
func parseHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// forwarded reports whether a request says it was forwarded by a proxy.
func forwarded(c *fiber.Ctx) bool {
	h := &c.Request().Header
	return len(h.Peek(fiber.HeaderXForwardedFor)) > 0 || len(h.Peek("Forwarded")) > 0 || len(h.Peek("X-Real-Ip")) > 0
}

// throttleKey is the address the login throttle counts by: the client's
// address, or for IPv6 its /64, which one household or office gets whole.
func throttleKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Is4() {
		return ip
	}
	p, _ := a.Prefix(64)
	return p.String()
}

const ipKey = "client_ip"

// rememberIP works out the client's address once per request (clientIP).
func (s *Server) rememberIP(c *fiber.Ctx) error {
	c.Locals(ipKey, s.clientIP(c))
	return c.Next()
}

// requestIP is the request's client address (see clientIP).
func requestIP(c *fiber.Ctx) string {
	if ip, ok := c.Locals(ipKey).(string); ok {
		return ip
	}
	return c.IP()
}
