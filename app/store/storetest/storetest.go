// Package storetest makes the records most tests start from (a company
// with a brand, users with a role in brands) in one way, so that a change
// of what a company or a user needs is made here once.
package storetest

import (
	"context"
	"strings"
	"testing"

	"iysgate/app/auth"
	"iysgate/app/store"
)

// Company creates a company with one brand; the company's İYS code is the
// brand code with a 7 in front.
func Company(t testing.TB, st *store.Store, title, brandName, brandCode string) *store.Brand {
	t.Helper()
	c, err := st.CreateCompany(context.Background(), store.System, store.CompanyInput{Title: title, IYSCode: "7" + brandCode})
	if err != nil {
		t.Fatal(err)
	}
	return Brand(t, st, c.ID, brandName, brandCode)
}

// Brand adds a brand to a company.
func Brand(t testing.TB, st *store.Store, companyID int64, name, code string) *store.Brand {
	t.Helper()
	b, err := st.CreateBrand(context.Background(), store.System, store.Brand{CompanyID: companyID, Name: name, BrandCode: code})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Password is the password User gives a user.
func Password(email string) string { return email + "-parola" }

// User creates a user with a role ("admin", or a brand role) in brands;
// its password is Password(email).
func User(t testing.TB, st *store.Store, email, role string, brands ...int64) *store.User {
	t.Helper()
	hash, err := auth.HashPassword(Password(email))
	if err != nil {
		t.Fatal(err)
	}
	in := store.UserInput{Email: email, Name: strings.Split(email, "@")[0], PasswordHash: hash, IsAdmin: role == "admin"}
	if !in.IsAdmin {
		in.Memberships = store.SameRole(role, brands)
	}
	u, err := st.CreateUser(context.Background(), store.System, in)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
