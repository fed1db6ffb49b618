package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// Helpers every handler uses to answer.

// saved redirects after a successful form: htmx follows HX-Redirect.
func (s *Server) saved(c *fiber.Ctx, to, msg string) error {
	s.flash(c, msg)
	if c.Get("HX-Request") == "true" {
		c.Set("HX-Redirect", to)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
