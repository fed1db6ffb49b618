// Package auth holds the secrets of iysgate: password hashes (bcrypt, from
// golang.org/x/crypto) and API tokens (random, shown once, stored as SHA-256).
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 10

// ErrWeakPassword is returned for a password that is too short or too long.
var ErrWeakPassword = errors.New("parola en az 10, en çok 72 karakter olmalı")

// HashPassword hashes a password with bcrypt.
func HashPassword(pw string) (string, error) {
	if utf8.RuneCountInString(pw) < MinPasswordLen || len(pw) > 72 {
		return "", ErrWeakPassword
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	return string(h), err
}

// CheckPassword reports whether pw matches hash.
func CheckPassword(hash, pw string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

// dummyHash is compared against when an account does not exist, so that a
// wrong e-mail takes as long as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("iysgate-timing-equaliser"), bcrypt.DefaultCost)

// SpendTime performs a comparison as costly as CheckPassword.
func SpendTime(pw string) { _ = bcrypt.CompareHashAndPassword(dummyHash, []byte(pw)) }

// TokenPrefix starts every API token, so a leaked one is recognisable.
const TokenPrefix = "iys_"

// NewToken returns a new API token, its display prefix and its hash.
func NewToken() (token, prefix string, hash []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, token[:len(TokenPrefix)+6], HashToken(token)
}

// HashToken is how a token is stored and looked up. A token has 256 bits of
// entropy, so a fast hash is enough (bcrypt would only slow every API call).
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return h[:]
}

// RandomPassword returns a readable random password for the first admin.
func RandomPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
