package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// Signing after Standard Webhooks: the secret is "whsec_" and the base64 of
// the key; a request carries webhook-id, webhook-timestamp (Unix seconds)
// and webhook-signature "v1,<base64 of HMAC-SHA256(key, id.timestamp.body)>".
// Ten lines, so written here rather than taken from the reference library
// (github.com/standard-webhooks/standard-webhooks/libraries v0.0.1), whose
// verifier the tests use as an independent check.

// The request headers of Standard Webhooks.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

const secretPrefix = "whsec_"

// keyBytes is the length of a generated key (Standard Webhooks asks for 24
// to 64 bytes).
const keyBytes = 32

// NewSecret makes a signing key and the secret shown (once) to the user.
func NewSecret() (key []byte, secret string) {
	key = make([]byte, keyBytes)
	_, _ = rand.Read(key) // crypto/rand never fails on Linux
	return key, FormatSecret(key)
}

// FormatSecret writes a key as a Standard Webhooks secret.
func FormatSecret(key []byte) string {
	return secretPrefix + base64.StdEncoding.EncodeToString(key)
}

// The bounds of a key a user gives (Standard Webhooks: 24 to 64 bytes).
const (
	minKeyBytes = 24
	maxKeyBytes = 64
)

// SecretMessage is what a user is told of a secret ParseSecret refuses.
const SecretMessage = "İmza anahtarı whsec_ ile başlamalı, ardından base64 ile yazılmış 24–64 baytlık bir anahtar gelmeli " +
	"(ör. whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw); boş bırakırsanız iysgate üretir."

// ErrSecret refuses a secret that is not a Standard Webhooks secret of a
// usable length (tell the user SecretMessage).
var ErrSecret = errors.New("geçersiz webhook imza anahtarı")

// CodeSecret is the problem code of a refused secret.
const CodeSecret = "SECRET_INVALID"

// ParseSecret reads a Standard Webhooks secret ("whsec_…") into its key.
func ParseSecret(secret string) ([]byte, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(secret), secretPrefix)
	if !ok {
		return nil, ErrSecret
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	if err != nil || len(key) < minKeyBytes || len(key) > maxKeyBytes {
		return nil, ErrSecret
	}
	return key, nil
}

// Sign is the webhook-signature of body sent as message id at timestamp
// (Unix seconds).
func Sign(key []byte, id string, timestamp int64, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(strconv.FormatInt(timestamp, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// SetHeaders puts the three Standard Webhooks headers on h.
func SetHeaders(h http.Header, key []byte, id string, timestamp int64, body []byte) {
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(timestamp, 10))
	h.Set(HeaderSignature, Sign(key, id, timestamp, body))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
