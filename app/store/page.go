package store

import "math"

// Page asks for one page of a list. Lists are paged by keyset, never by
// OFFSET: After is the key (the id) of the last item of the previous page,
// and the next page starts after it, so that a page costs the same however
// deep it is and rows added meanwhile neither repeat nor skip items.
// Lists of records people make over time (imports, scrubs, deliveries,
// subscriptions, tokens) go newest first; directories (companies, brands,
// users) in the order they were created.
type Page struct {
	After int64 // 0: the first page
	Limit int   // at most this many items; 0 or less: DefaultPageLimit
}

// DefaultPageLimit is the size of a page that asks for none.
const DefaultPageLimit = 50

// limit is the page's size.
func (p Page) limit() int {
	if p.Limit <= 0 {
		return DefaultPageLimit
	}
	return p.Limit
}

// below is the bound of a newest-first page: ids below it.
func (p Page) below() int64 {
	if p.After <= 0 {
		return math.MaxInt64
	}
	return p.After
}

// fetch is how many rows a page's query reads: one more than the page, to
// tell whether another page follows.
func (p Page) fetch() int { return p.limit() + 1 }

// cut trims the rows a page's query read (fetch of them) to the page and
// returns the cursor of the next page: the key of the page's last item,
// or 0 when this page is the last.
func cut[T any](p Page, rows []T, key func(T) int64) ([]T, int64) {
	if len(rows) <= p.limit() {
		return rows, 0
	}
	rows = rows[:p.limit()]
	return rows, key(rows[len(rows)-1])
}
