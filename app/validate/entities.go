package validate

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"iysgate/app/consent"
)

// More codes of field problems.
const (
	CodeIYSCodeInvalid   = "IYS_CODE_INVALID"
	CodeIYSCodeRequired  = "IYS_CODE_REQUIRED"
	CodeTaxIDInvalid     = "TAX_ID_INVALID"
	CodeBrandCodeInvalid = "BRAND_CODE_INVALID"
	CodeEmailInvalid     = "EMAIL_INVALID"
	CodePhoneInvalid     = "PHONE_INVALID"
	CodePasswordLength   = "PASSWORD_LENGTH"
	CodePasswordMismatch = "PASSWORD_MISMATCH"
)

// Password lengths: bcrypt reads at most 72 bytes.
const (
	MinPassword      = 10
	MaxPasswordBytes = 72
)

// Company is what a company form says.
type Company struct {
	Title, IYSCode, TaxID string
	IntegratorAssigned    bool
}

// Check cleans the fields in place and returns their problems.
func (c *Company) Check() Problems {
	var p Problems
	p.Text("title", "Firma unvanı", &c.Title, MaxTitle, true)
	c.IYSCode, c.TaxID = strings.TrimSpace(c.IYSCode), strings.TrimSpace(c.TaxID)
	if c.IYSCode != "" && !consent.ValidCode(c.IYSCode) {
		p.Add("iys_code", CodeIYSCodeInvalid, "İYS numarası yalnızca rakamlardan oluşur (ör. 123456).")
	}
	if c.TaxID != "" && !digits(c.TaxID, 10, 11) {
		p.Add("tax_id", CodeTaxIDInvalid, "Vergi numarası 10, T.C. kimlik numarası 11 haneli olmalı.")
	}
	if c.IntegratorAssigned && c.IYSCode == "" {
		p.Add("integrator_assigned", CodeIYSCodeRequired, "Entegratör ataması için önce İYS numarasını girin.")
	}
	return p
}

// Brand is what a brand form says.
type Brand struct {
	Name, BrandCode string
}

// Check cleans the fields in place and returns their problems.
func (b *Brand) Check() Problems {
	var p Problems
	p.Text("name", "Marka adı", &b.Name, MaxTitle, true)
	b.BrandCode = strings.TrimSpace(b.BrandCode)
	if b.BrandCode != "" && !consent.ValidCode(b.BrandCode) {
		p.Add("brand_code", CodeBrandCodeInvalid, "Marka numarası (BrandKod) yalnızca rakamlardan oluşur (ör. 654321).")
	}
	return p
}

// User is what a user form says about the person (roles and brands are
// checked against what the acting user may grant, elsewhere).
type User struct {
	Name, Email, Phone string
}

// Check cleans the fields in place (the address lower-cased) and returns
// their problems.
func (u *User) Check() Problems {
	var p Problems
	p.Text("name", "Ad Soyad", &u.Name, MaxName, true)
	u.Email, u.Phone = strings.ToLower(strings.TrimSpace(u.Email)), strings.TrimSpace(u.Phone)
	if !emailOK(u.Email) {
		p.Add("email", CodeEmailInvalid, "Geçerli bir e-posta adresi girin (ör. ad.soyad@firma.com.tr).")
	}
	if u.Phone != "" && !phoneOK(u.Phone) {
		p.Add("phone", CodePhoneInvalid, "Geçerli bir telefon numarası girin (ör. +90 532 123 45 67).")
	}
	return p
}

// Password checks a new password and its confirmation.
func Password(password, confirm string) Problems {
	var p Problems
	if utf8.RuneCountInString(password) < MinPassword || len(password) > MaxPasswordBytes {
		p.Add("password", CodePasswordLength, "Parola en az 10, en çok 72 karakter olmalı.")
	}
	if password != confirm {
		p.Add("password_confirm", CodePasswordMismatch, "Parolalar eşleşmiyor.")
	}
	return p
}

func emailOK(s string) bool {
	if s == "" || len(s) > MaxEmail || !utf8.ValidString(s) {
		return false
	}
	addr, err := mail.ParseAddress(s)
	return err == nil && addr.Address == s && strings.Contains(s[strings.LastIndex(s, "@")+1:], ".")
}

func phoneOK(s string) bool {
	n := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			n++
		case strings.ContainsRune("+ -().", r):
		default:
			return false
		}
	}
	return n >= 10 && n <= 15
}

func digits(s string, lengths ...int) bool {
	ok := false
	for _, n := range lengths {
		ok = ok || len(s) == n
	}
	return ok && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) || r > '9' }) < 0
}
