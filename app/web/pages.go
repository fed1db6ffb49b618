package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"iysgate/app/store"
	"iysgate/app/validate"
)

// Every list of the API is one envelope: the items under the collection's
// name ("imports", "brands", …) and "next_cursor", the cursor of the next
// page (null on the last page). A client asks for the next page with
// ?after=<next_cursor>, and for its size with ?limit= (1 to maxPageLimit,
// DefaultPageLimit when absent). The cursor is opaque to clients: today
// the last item's key.

// maxPageLimit is the largest page of a list (consents have their own,
// the export's page).
const maxPageLimit = 500

// pageFrom reads ?after= and ?limit= for a list whose pages hold at most
// max items. A cursor or a size that is not one of ours is refused, never
// silently replaced: a client paging with a broken cursor would otherwise
// read the first page again and again.
func pageFrom(c *fiber.Ctx, max int) (store.Page, error) {
	return pageOf(c.Query("after"), c.Query("limit"), max)
}

// pageOf is pageFrom of the values of after and limit.
func pageOf(after, limit string, max int) (store.Page, error) {
	var p validate.Problems
	page := store.Page{Limit: store.DefaultPageLimit}
	if v := strings.TrimSpace(after); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			p.Add("after", "CURSOR_INVALID", "Sayfa imleci (after) geçersiz: bir önceki yanıttaki next_cursor değerini gönderin.")
		}
		page.After = n
	}
	if v := strings.TrimSpace(limit); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > max {
			p.Add("limit", "LIMIT_INVALID", "Sayfa boyu (limit) 1 ile "+strconv.Itoa(max)+" arasında bir tam sayı olmalı.")
		}
		page.Limit = n
	}
	if len(p) > 0 {
		return store.Page{}, p
	}
	return page, nil
}

// list answers one page of a list in the envelope: items under key
// (never null) and the cursor of the next page (null on the last one).
func list[T any](c *fiber.Ctx, key string, items []T, next int64) error {
	if items == nil {
		items = []T{}
	}
	var cursor *string
	if next > 0 {
		v := strconv.FormatInt(next, 10)
		cursor = &v
	}
	return c.JSON(fiber.Map{key: items, "next_cursor": cursor})
}
