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
	hops := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed entry: trust nothing left of it
		}
		a = a.Unmap()
		if !s.proxies.trusts(a) {
			return a.String()
		}
		peer = a
	}
	return peer.String()
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
