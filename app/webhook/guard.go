package webhook

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// The guard. An endpoint's URL is a request the appliance makes on a
// tenant's behalf from inside the agency's network, so by default it may
// only be https to a public address: never loopback, private (RFC 1918),
// link-local (169.254.0.0/16 with the cloud metadata service, fe80::/10),
// unique-local (fc00::/7), unspecified, shared (100.64.0.0/10), multicast
// or reserved addresses. The address checked is the one actually dialled,
// after DNS resolution, at every delivery (a name that resolved to a public
// address when it was registered may not later lead inside). An Admin's
// allow-list (IYSGATE_WEBHOOK_ALLOW) names the exceptions: networks
// (CIDR), single addresses or host names ("crm.local", "*.ic.ornek.com.tr")
// that may be reached, with plain http too.

// Allow is the parsed allow-list; the zero value allows nothing.
type Allow struct {
	prefixes []netip.Prefix
	hosts    []string // lower-case; "*.x" matches any name under x
}

// AllowSetting is the environment variable of the allow-list, for messages.
const AllowSetting = "IYSGATE_WEBHOOK_ALLOW"

// ParseAllow reads an allow-list: entries separated by commas or spaces,
// each a CIDR, an IP address or a host name.
func ParseAllow(s string) (*Allow, error) {
	a := &Allow{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		if p, err := netip.ParsePrefix(f); err == nil {
			a.prefixes = append(a.prefixes, p.Masked())
			continue
		}
		if ip, err := netip.ParseAddr(f); err == nil {
			ip = ip.Unmap()
			a.prefixes = append(a.prefixes, netip.PrefixFrom(ip, ip.BitLen()))
			continue
		}
		h := strings.ToLower(strings.TrimSuffix(f, "."))
		if !validHostPattern(h) {
			return nil, fmt.Errorf("%s: %q bir ağ (CIDR, ör. 10.0.0.0/8), IP adresi ya da alan adı (ör. crm.ornek.local, *.ornek.local) değil", AllowSetting, f)
		}
		a.hosts = append(a.hosts, h)
	}
	return a, nil
}

func validHostPattern(h string) bool {
	h = strings.TrimPrefix(h, "*.")
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// String lists the entries, for the log at start.
func (a *Allow) String() string {
	var out []string
	for _, p := range a.prefixes {
		out = append(out, p.String())
	}
	return strings.Join(append(out, a.hosts...), ",")
}

// hostAllowed reports whether a host name is on the list.
func (a *Allow) hostAllowed(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, h := range a.hosts {
		if h == host || (strings.HasPrefix(h, "*.") && strings.HasSuffix(host, h[1:])) {
			return true
		}
	}
	return false
}

// addrAllowed reports whether an address is in a listed network.
func (a *Allow) addrAllowed(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range a.prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// BlockedError refuses an address the guard does not let a webhook reach.
type BlockedError struct {
	Host string
	Addr netip.Addr // invalid when the refusal is about the scheme or the name
	Why  string
}

func (e *BlockedError) Error() string { return e.Why }

// permit decides whether host, resolved to ip, may be dialled, over TLS
// (https) or not.
func (a *Allow) permit(host string, ip netip.Addr, https bool) error {
	ip = ip.Unmap()
	if a.hostAllowed(host) || a.addrAllowed(ip) {
		return nil
	}
	if Blocked(ip) {
		return &BlockedError{Host: host, Addr: ip, Why: blockedWhy(host, ip)}
	}
	if !https {
		return &BlockedError{Host: host, Addr: ip, Why: fmt.Sprintf(
			"Düz http ile yalnızca %s ayarının izin verdiği adreslere istek gönderilir; %s (%s) izinli değil. https kullanın.", AllowSetting, host, ip)}
	}
	return nil
}

func blockedWhy(host string, ip netip.Addr) string {
	name := host
	if name != ip.String() {
		name = fmt.Sprintf("%s (%s)", host, ip)
	}
	return fmt.Sprintf("%s yerel ya da özel bir ağ adresi (%s); webhook istekleri bu adreslere gönderilmez. "+
		"Gerekliyse Admin %s ayarına ekleyebilir.", name, addrKind(ip), AllowSetting)
}

// reserved are the ranges Blocked refuses beyond netip's own predicates.
var reserved = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space (carrier NAT)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and the broadcast address
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated)
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// Blocked reports whether ip is an address no webhook may reach unless the
// allow-list names it. IPv6 forms that carry an IPv4 address (mapped,
// NAT64, 6to4) are judged by that address.
func Blocked(ip netip.Addr) bool {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid(), ip.IsUnspecified(), ip.IsLoopback(), ip.IsPrivate(), ip.IsLinkLocalUnicast(),
		ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast(), ip.IsMulticast():
		return true
	}
	for _, p := range reserved {
		if p.Contains(ip) {
			return true
		}
	}
	b := ip.As16()
	switch {
	case nat64.Contains(ip):
		return Blocked(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
	case sixToFour.Contains(ip):
		return Blocked(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
	}
	return false
}

// addrKind names the kind of a blocked address in Turkish.
func addrKind(ip netip.Addr) string {
	ip = ip.Unmap()
	switch {
	case ip.IsLoopback():
		return "bu makinenin kendisi (loopback)"
	case ip.IsUnspecified():
		return "belirsiz adres"
	case ip.IsLinkLocalUnicast():
		return "bağlantı yerel (link-local; bulut meta veri servisi dahil)"
	case ip.IsPrivate() && ip.Is6():
		return "benzersiz yerel (unique-local)"
	case ip.IsPrivate():
		return "özel ağ"
	case ip.IsMulticast(), ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast():
		return "çok noktaya yayın (multicast)"
	}
	return "ayrılmış adres aralığı"
}

// URLError refuses an endpoint URL at registration: a stable code for API
// clients and a Turkish message.
type URLError struct{ Code, Message string }

// The codes of URLError.
const (
	CodeURLRequired    = "URL_REQUIRED"
	CodeURLInvalid     = "URL_INVALID"
	CodeURLCredentials = "URL_CREDENTIALS"
	CodeURLHTTP        = "URL_HTTP_NOT_ALLOWED"
	CodeURLBlocked     = "URL_BLOCKED_ADDRESS"
)

func (e *URLError) Error() string { return e.Message }

// MaxURL is the longest URL an endpoint may have.
const MaxURL = 2000

// CheckURL checks an endpoint's URL as it is registered: absolute, https
// (or http to a host the allow-list names), without credentials, and not a
// literal address the guard refuses. A host name is checked again, on the
// address it resolves to, at every delivery. It returns the URL as it will
// be called.
func (a *Allow) CheckURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", &URLError{CodeURLRequired, "Adres (URL) zorunludur."}
	}
	if len(raw) > MaxURL {
		return "", &URLError{CodeURLInvalid, fmt.Sprintf("Adres en çok %d karakter olabilir.", MaxURL)}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", &URLError{CodeURLInvalid, "Adres https://alan.adi/yol biçiminde tam bir adres olmalı."}
	}
	if u.User != nil {
		return "", &URLError{CodeURLCredentials, "Adreste kullanıcı adı ya da parola olmamalı: isteklerin iysgate'ten geldiğini webhook-signature imzasıyla doğrulayın."}
	}
	host := u.Hostname()
	if host == "" {
		return "", &URLError{CodeURLInvalid, "Adreste sunucu adı yok."}
	}
	u.Fragment, u.RawFragment = "", ""
	if ip, err := netip.ParseAddr(host); err == nil {
		if err := a.permit(host, ip, u.Scheme == "https"); err != nil {
			code := CodeURLBlocked
			if !Blocked(ip) {
				code = CodeURLHTTP
			}
			return "", &URLError{code, err.Error()}
		}
		return u.String(), nil
	}
	lower := strings.ToLower(strings.TrimSuffix(host, "."))
	if (lower == "localhost" || strings.HasSuffix(lower, ".localhost")) && !a.hostAllowed(host) {
		return "", &URLError{CodeURLBlocked, blockedWhy(host, netip.IPv6Loopback())}
	}
	if u.Scheme == "http" && !a.hostAllowed(host) {
		return "", &URLError{CodeURLHTTP, fmt.Sprintf("Düz http ile yalnızca %s ayarının adıyla izin verdiği sunuculara istek gönderilir; https kullanın.", AllowSetting)}
	}
	return u.String(), nil
}

// errNoAddress is a host name that resolved to nothing.
var errNoAddress = errors.New("sunucu adı bir adrese çözülemedi")
