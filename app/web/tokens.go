package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"iysgate/app/auth"
	"iysgate/app/store"
	"iysgate/app/validate"
)

func (s *Server) tokensPage(c *fiber.Ctx) error {
	return s.renderTokens(c, fiber.StatusOK, "", "")
}

func (s *Server) renderTokens(c *fiber.Ctx, status int, newToken, formErr string) error {
	tokens, err := s.deps.Store.ListTokens(c.UserContext(), currentUser(c).ID)
	if err != nil {
		return err
	}
	return s.render(c, status, "tokens", "API Anahtarları", map[string]any{"Tokens": tokens, "NewToken": newToken, "Error": formErr})
}

func (s *Server) createToken(c *fiber.Ctx) error {
	name, p := tokenName(c.FormValue("name"))
	if len(p) > 0 {
		return s.renderTokens(c, fiber.StatusUnprocessableEntity, "", p[0].Message)
	}
	token, prefix, hash := auth.NewToken()
	if _, err := s.deps.Store.CreateToken(c.UserContext(), actor(c), currentUser(c).ID, name, prefix, hash); err != nil {
		return err
	}
	// The token is shown in this response only, never stored in clear.
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.renderTokens(c, fiber.StatusCreated, token, "")
}

func (s *Server) revokeToken(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil {
		return fiber.ErrNotFound
	}
	err = s.deps.Store.RevokeToken(c.UserContext(), actor(c), currentUser(c).ID, int64(id))
	if errors.Is(err, store.ErrNotFound) {
		return s.fail(c, fiber.StatusNotFound, "NOT_FOUND", "Anahtar bulunamadı.")
	}
	if err != nil {
		return err
	}
	if wantsJSON(c) {
		return c.SendStatus(fiber.StatusNoContent)
	}
	return s.saved(c, "/tokens", "Anahtar iptal edildi.")
}

// apiTokens lists the user's own tokens, newest first.
func (s *Server) apiTokens(c *fiber.Ctx) error {
	page, err := pageFrom(c, maxPageLimit)
	if err != nil {
		return err
	}
	tokens, next, err := s.deps.Store.TokenPage(c.UserContext(), currentUser(c).ID, page)
	if err != nil {
		return err
	}
	return list(c, "tokens", tokens, next)
}

func (s *Server) apiCreateToken(c *fiber.Ctx) error {
	var body struct {
		Name string `json:"name"`
	}
	if err := parseJSON(c, &body); err != nil {
		return err
	}
	name, p := tokenName(body.Name)
	if len(p) > 0 {
		return p
	}
	body.Name = name
	token, prefix, hash := auth.NewToken()
	t, err := s.deps.Store.CreateToken(c.UserContext(), actor(c), currentUser(c).ID, body.Name, prefix, hash)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": t.ID, "name": t.Name, "prefix": t.Prefix, "token": token})
}

// tokenName cleans and checks a token's name.
func tokenName(name string) (string, validate.Problems) {
	var p validate.Problems
	p.Text("name", "Anahtar adı", &name, validate.MaxName, true)
	return name, p
}
