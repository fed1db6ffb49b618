package webhook_test

import (
	"net/netip"
	"strings"
	"testing"

	"iysgate/app/webhook"
)

func TestBlocked(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1": true, "127.8.9.10": true, "10.1.2.3": true, "172.16.0.1": true, "192.168.1.1": true,
		"169.254.169.254": true, "::1": true, "fe80::1": true, "fd00::1": true, "fc00::5": true,
		"0.0.0.0": true, "::": true, "100.64.0.1": true, "224.0.0.1": true, "255.255.255.255": true,
		"::ffff:127.0.0.1": true, "::ffff:169.254.169.254": true,
		"64:ff9b::a00:1": true, // NAT64 of 10.0.0.1
		"2002:7f00:1::1": true, // 6to4 of 127.0.0.1
		"8.8.8.8":        false, "93.184.216.34": false, "2606:4700:4700::1111": false,
		"64:ff9b::808:808": false, // NAT64 of 8.8.8.8
	} {
		if got := webhook.Blocked(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Blocked(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestParseAllow(t *testing.T) {
	a, err := webhook.ParseAllow("10.0.0.0/8, 127.0.0.1 ::1/128\tcrm.local,*.ic.ornek.com.tr")
	if err != nil {
		t.Fatal(err)
	}
	if got := a.String(); got != "10.0.0.0/8,127.0.0.1/32,::1/128,crm.local,*.ic.ornek.com.tr" {
		t.Fatalf("String() = %q", got)
	}
	for _, bad := range []string{"10.0.0.0/33", "crm_ornek .local?", "http://crm.local", "*."} {
		if _, err := webhook.ParseAllow(bad); err == nil || !strings.Contains(err.Error(), webhook.AllowSetting) {
			t.Errorf("ParseAllow(%q) = %v, want an error naming the setting", bad, err)
		}
	}
	if a, err := webhook.ParseAllow(""); err != nil || a.String() != "" {
		t.Fatalf("empty allow-list: %v %q", err, a.String())
	}
}

// At registration: https only by default, no literal private address, no
// credentials; the allow-list opens what it names, http included.
func TestCheckURL(t *testing.T) {
	none, _ := webhook.ParseAllow("")
	cases := []struct {
		allow, url string
		ok         bool
		says       string // part of the Turkish refusal
	}{
		{"", "https://crm.ornek.com.tr/hooks/iys", true, ""},
		{"", "https://93.184.216.34/x", true, ""},
		{"", "http://crm.ornek.com.tr/hooks", false, "https kullanın"},
		{"", "https://127.0.0.1:8443/x", false, "loopback"},
		{"", "https://[::1]/x", false, "loopback"},
		{"", "https://10.20.30.40/x", false, "özel ağ"},
		{"", "https://192.168.1.10/x", false, "özel ağ"},
		{"", "https://169.254.169.254/latest/meta-data/", false, "link-local"},
		{"", "https://[fd12::1]/x", false, "unique-local"},
		{"", "https://0.0.0.0/x", false, "belirsiz"},
		{"", "https://localhost:9000/x", false, "loopback"},
		{"", "https://api.localhost/x", false, "loopback"},
		{"", "https://kullanici:parola@crm.ornek.com.tr/x", false, "parola"},
		{"", "ftp://crm.ornek.com.tr/x", false, "https://"},
		{"", "crm.ornek.com.tr/x", false, "https://"},
		{"", "", false, "zorunlu"},
		{"127.0.0.1", "http://127.0.0.1:8080/h", true, ""},
		{"127.0.0.0/8", "https://127.0.0.1:8443/h", true, ""},
		{"127.0.0.1", "http://[::1]:8080/h", false, "loopback"},
		{"", "http://93.184.216.34/x", false, "https kullanın"},
		{"", "http://127.0.0.1/x", false, "loopback"},
		{"10.0.0.0/8", "http://10.1.1.1/h", true, ""},
		{"10.0.0.0/8", "http://crm.ornek.com.tr/h", false, "https kullanın"},
		{"crm.local", "http://crm.local/h", true, ""},
		{"*.ic.ornek.com.tr", "http://crm.ic.ornek.com.tr/h", true, ""},
		{"localhost", "https://localhost:9000/x", true, ""},
	}
	for _, c := range cases {
		a := none
		if c.allow != "" {
			var err error
			if a, err = webhook.ParseAllow(c.allow); err != nil {
				t.Fatal(err)
			}
		}
		_, err := a.CheckURL(c.url)
		if c.ok != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.says)) {
			t.Errorf("allow %q, CheckURL(%q) = %v; want ok=%v, saying %q", c.allow, c.url, err, c.ok, c.says)
		}
	}
	if got, _ := none.CheckURL("  https://crm.ornek.com.tr/h#parca "); got != "https://crm.ornek.com.tr/h" {
		t.Fatalf("the URL as called: %q", got)
	}
}
