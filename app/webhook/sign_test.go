package webhook_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"iysgate/app/webhook"
)

// The signer reproduces the Standard Webhooks specification's published
// example (secret, message id, timestamp, body → signature).
func TestSignSpecVector(t *testing.T) {
	key, err := webhook.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	got := webhook.Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
}

// A generated secret round-trips, and the reference library's verifier
// (an independent implementation) accepts the headers we set and refuses
// them for another body or another key.
func TestSecretAndHeadersVerifyWithTheReferenceLibrary(t *testing.T) {
	key, secret := webhook.NewSecret()
	if !strings.HasPrefix(secret, "whsec_") || len(key) != 32 {
		t.Fatalf("secret %q, key of %d bytes", secret, len(key))
	}
	back, err := webhook.ParseSecret(secret)
	if err != nil || string(back) != string(key) {
		t.Fatalf("ParseSecret(FormatSecret(key)) = %x, %v", back, err)
	}
	body := []byte(`{"type":"consent.changed","timestamp":"2025-01-01T00:00:00Z","data":{}}`)
	h := http.Header{}
	webhook.SetHeaders(h, key, webhook.MessageID(42), time.Now().Unix(), body)
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(body, h); err != nil {
		t.Fatalf("reference verifier refuses our signature: %v", err)
	}
	if err := wh.Verify(append(body, ' '), h); err == nil {
		t.Fatal("the verifier accepts another body")
	}
	_, other := webhook.NewSecret()
	wh2, _ := standardwebhooks.NewWebhook(other)
	if err := wh2.Verify(body, h); err == nil {
		t.Fatal("the verifier accepts another key")
	}
	if h.Get("webhook-id") != "msg_42" {
		t.Fatalf("webhook-id %q", h.Get("webhook-id"))
	}
	if _, err := webhook.ParseSecret("whsec_***"); err == nil {
		t.Fatal("a secret that is not base64 is accepted")
	}
}

// A secret a user gives is taken only as Standard Webhooks writes one:
// the prefix, base64, 24 to 64 bytes.
func TestParseSecretBounds(t *testing.T) {
	for secret, ok := range map[string]bool{
		webhook.FormatSecret(make([]byte, 24)): true,
		webhook.FormatSecret(make([]byte, 64)): true,
		webhook.FormatSecret(make([]byte, 23)): false,
		webhook.FormatSecret(make([]byte, 65)): false,
		"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw":     false, // no prefix
		"whsec_":                               false,
	} {
		if _, err := webhook.ParseSecret(secret); (err == nil) != ok {
			t.Errorf("ParseSecret(%q): %v, want ok=%v", secret, err, ok)
		}
	}
}
