package web

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"iysgate/app/store"
)

// Error is an answer to a request that went wrong: an HTTP status, a stable
// code for API clients and a Turkish message for people. Handlers return
// it (or a domain error that asError maps to one), and the error handler
// writes it as JSON on the API and as a page in the UI, so that both faces
// say the same thing with the same status.
type Error struct {
	Status  int
	Code    string
	Message string
	Fields  []fieldError
	// cause is what went wrong underneath, for the log only.
	cause error
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.cause }

// asError maps the errors the domain packages return to their answer; nil
// means the error is unexpected (a 500, logged).
func asError(err error) *Error {
	var we *Error
	if errors.As(err, &we) {
		return we
	}
	var full *store.StorageFullError
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &Error{Status: fiber.StatusNotFound, Code: "NOT_FOUND", Message: "Kayıt bulunamadı."}
	case errors.As(err, &full):
		return &Error{Status: fiber.StatusInsufficientStorage, Code: "STORAGE_FULL", Message: fmt.Sprintf(
			"Firmanızın sakladığı dosyalar %s sınırına ulaştı (şu an %s, bu dosya %s). Önizlemedeki listeleri gönderin ya da silin; "+
				"biten listelerin dosyaları saklama süresi dolunca silinir.", mb(full.Limit), mb(full.Used), mb(full.Size))}
	}
	return nil
}

// mb writes a size in megabytes the Turkish way ("1.024 MB").
func mb(n int64) string { return formatCount((n+(1<<20)-1)>>20) + " MB" }
