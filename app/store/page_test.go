package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"iysgate/app/store"
	"iysgate/app/store/storetest"
)

// walk reads a list page by page (pages of size) and returns the keys of
// its items in the order they came, failing on a page larger than asked,
// a next cursor on a short page, or a cursor that does not move on.
func walk[T any](t *testing.T, size int, fetch func(store.Page) ([]T, int64, error), key func(T) int64) []int64 {
	t.Helper()
	var keys []int64
	p := store.Page{Limit: size}
	for range 1000 {
		items, next, err := fetch(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) > size {
			t.Fatalf("page of %d items, asked for %d", len(items), size)
		}
		for _, it := range items {
			keys = append(keys, key(it))
		}
		if next == 0 {
			return keys
		}
		if len(items) < size || next == p.After || next != key(items[len(items)-1]) {
			t.Fatalf("after %d: %d items, next cursor %d", p.After, len(items), next)
		}
		p.After = next
	}
	t.Fatal("the pages do not end")
	return nil
}

// sorted reports whether keys ascend (newestFirst false) or descend, each
// once.
func sorted(keys []int64, newestFirst bool) bool {
	for i := 1; i < len(keys); i++ {
		if (keys[i] > keys[i-1]) == newestFirst || keys[i] == keys[i-1] {
			return false
		}
	}
	return true
}

// Every list the API pages gives each item of its scope once, in its
// order, through pages of any size, and nothing outside the scope; the
// last page has no cursor, also when it is full.
func TestPagesWalkEveryItem(t *testing.T) {
	t.Parallel()
	st, b := setup(t)
	ctx := context.Background()
	other := storetest.Company(t, st, "Başka", "Başka Marka", "654399")
	brands := []int64{b.ID}
	for i := range 6 {
		x := storetest.Brand(t, st, b.CompanyID, fmt.Sprintf("Marka %d", i), fmt.Sprintf("65430%d", i))
		brands = append(brands, x.ID)
	}
	var companies []int64
	for i := range 4 {
		co, err := st.CreateCompany(ctx, store.System, store.CompanyInput{Title: fmt.Sprintf("Firma %d", i), IYSCode: fmt.Sprintf("76543%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		companies = append(companies, co.ID)
	}
	u := storetest.User(t, st, "p@ornek.com.tr", "personel", brands[:3]...)
	for i := range 5 {
		storetest.User(t, st, fmt.Sprintf("m%d@ornek.com.tr", i), "musteri", brands[i%len(brands)])
	}
	storetest.User(t, st, "b@baska.com.tr", "musteri", other.ID)
	for i := range 7 {
		if _, err := st.CreateToken(ctx, store.System, u.ID, fmt.Sprintf("anahtar %d", i), fmt.Sprintf("p%d", i), []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	a := store.Actor{UserID: u.ID, Label: u.Email}
	none := func(pgx.Tx, int64) error { return nil }
	for i := range 7 {
		brand := &brands[i%3]
		if i == 6 {
			brand = &other.ID
		}
		if _, err := st.CreateImport(ctx, a, brand, store.Upload{Filename: fmt.Sprintf("liste-%d.csv", i)}, strings.NewReader("a"), none); err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateScrub(ctx, a, store.ScrubInput{BrandID: *brand, Type: "MESAJ", RecipientType: "BIREYSEL"},
			store.Upload{Filename: "tarama.csv"}, strings.NewReader("a"), none); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		for _, co := range []int64{b.CompanyID, other.CompanyID} {
			if _, err := st.RequestSubscription(ctx, store.System, co, []int64{5000, 25000, 75000}[i]); err != nil {
				t.Fatal(err)
			}
		}
	}

	for _, size := range []int{1, 2, 3, 50} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			check := func(name string, keys []int64, want int, newestFirst bool) {
				t.Helper()
				if len(keys) != want || !sorted(keys, newestFirst) {
					t.Errorf("%s: %v, want %d items, newest first %v", name, keys, want, newestFirst)
				}
			}
			check("all companies", walk(t, size, func(p store.Page) ([]*store.Company, int64, error) { return st.CompanyPage(ctx, nil, p) },
				func(c *store.Company) int64 { return c.ID }), 6, false)
			check("some companies", walk(t, size, func(p store.Page) ([]*store.Company, int64, error) { return st.CompanyPage(ctx, companies[1:3], p) },
				func(c *store.Company) int64 { return c.ID }), 2, false)
			check("all brands", walk(t, size, func(p store.Page) ([]store.Brand, int64, error) { return st.BrandPage(ctx, nil, p) },
				func(b store.Brand) int64 { return b.ID }), 8, false)
			got := walk(t, size, func(p store.Page) ([]store.Brand, int64, error) { return st.BrandPage(ctx, brands[2:5], p) },
				func(b store.Brand) int64 { return b.ID })
			if !slices.Equal(got, brands[2:5]) {
				t.Errorf("brands %v: %v", brands[2:5], got)
			}
			check("all users", walk(t, size, func(p store.Page) ([]*store.User, int64, error) { return st.UserPage(ctx, nil, p) },
				func(u *store.User) int64 { return u.ID }), 7, false)
			// p@ (three brands) and the Müşteri of brands 0, 1 and 2.
			check("users of brands", walk(t, size, func(p store.Page) ([]*store.User, int64, error) { return st.UserPage(ctx, brands[:3], p) },
				func(u *store.User) int64 { return u.ID }), 4, false)
			check("tokens", walk(t, size, func(p store.Page) ([]store.APIToken, int64, error) { return st.TokenPage(ctx, u.ID, p) },
				func(t store.APIToken) int64 { return t.ID }), 7, true)
			check("all imports", walk(t, size, func(p store.Page) ([]*store.Import, int64, error) {
				return st.ListImports(ctx, store.ImportScope{All: true}, p)
			}, func(im *store.Import) int64 { return im.ID }), 7, true)
			check("imports of brands", walk(t, size, func(p store.Page) ([]*store.Import, int64, error) {
				return st.ListImports(ctx, store.ImportScope{UserID: 0, BrandIDs: brands[:2]}, p)
			}, func(im *store.Import) int64 { return im.ID }), 4, true)
			check("all scrubs", walk(t, size, func(p store.Page) ([]*store.Scrub, int64, error) { return st.ListScrubs(ctx, nil, p) },
				func(s *store.Scrub) int64 { return s.ID }), 7, true)
			check("scrubs of a brand", walk(t, size, func(p store.Page) ([]*store.Scrub, int64, error) { return st.ListScrubs(ctx, brands[:1], p) },
				func(s *store.Scrub) int64 { return s.ID }), 2, true)
			check("subscriptions", walk(t, size, func(p store.Page) ([]store.Subscription, int64, error) {
				return st.SubscriptionPage(ctx, nil, "", p)
			}, func(s store.Subscription) int64 { return s.ID }), 6, true)
			check("one company's pending subscriptions", walk(t, size, func(p store.Page) ([]store.Subscription, int64, error) {
				return st.SubscriptionPage(ctx, []int64{other.CompanyID}, store.SubscriptionPending, p)
			}, func(s store.Subscription) int64 { return s.ID }), 3, true)
		})
	}
}
