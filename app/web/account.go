package web

import (
	"os"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"iysgate/app/auth"
	"iysgate/app/validate"
)

// Hesabım: every user changes their own password here. The change ends
// the user's other sessions and keeps this one.

// accountForm is the password form and its errors by field.
type accountForm struct {
	Errors map[string]string
}

func (s *Server) accountPage(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "account", "Hesabım", &accountForm{Errors: map[string]string{}})
}

func (s *Server) changePassword(c *fiber.Ctx) error {
	u := currentUser(c)
	form := c.Request().PostArgs()
	current, next, confirm := string(form.Peek("current")), string(form.Peek("password")), string(form.Peek("password_confirm"))
	p := validate.Password(next, confirm)
	if !auth.CheckPassword(u.PasswordHash, current) {
		p.Add("current", "PASSWORD_WRONG", "Şu anki parolanız hatalı.")
	} else if next == current {
		p.Add("password", "PASSWORD_SAME", "Yeni parola eskisiyle aynı olamaz.")
	}
	if len(p) > 0 {
		return s.render(c, fiber.StatusUnprocessableEntity, "account", "Hesabım", &accountForm{Errors: p.ByField()})
	}
	hash, err := auth.HashPassword(next)
	if err != nil {
		return err
	}
	if err := s.setOwnPassword(c, hash); err != nil {
		return err
	}
	s.removeFirstAdminPassword(u.Email)
	return s.saved(c, "/account", "Parolanız değiştirildi; başka yerlerde açık oturumlarınız kapatıldı.")
}

// setOwnPassword stores the user's new password hash and carries this
// session over the change (sessions older than the change end).
func (s *Server) setOwnPassword(c *fiber.Ctx, hash string) error {
	at, err := s.deps.Store.SetPassword(c.UserContext(), actor(c), currentUser(c).ID, hash)
	if err != nil {
		return err
	}
	sess, err := s.sessions.Get(c)
	if err != nil {
		return err
	}
	sess.Set(sessionLoginAt, at.Add(time.Microsecond).UnixMicro())
	return sess.Save()
}

// FirstAdminPasswordFile is where the first Admin's generated password is
// written, in the data directory, readable by the service user only; it is
// removed when that Admin first changes the password.
const FirstAdminPasswordFile = "ilk-admin-parolasi.txt"

// removeFirstAdminPassword deletes the first Admin's password file once
// its owner has chosen a password of their own.
func (s *Server) removeFirstAdminPassword(email string) {
	path := s.deps.Config.DataDir + "/" + FirstAdminPasswordFile
	if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), email) {
		if err := os.Remove(path); err != nil {
			s.deps.Log.Warn("first admin password file not removed", "path", path, "err", err)
		}
	}
}
