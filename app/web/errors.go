package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"

	"github.com/gofiber/fiber/v2"

	"iysgate/app/consent"
	"iysgate/app/store"
	"iysgate/app/validate"
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
	var quota *store.QuotaError
	var problems validate.Problems
	switch {
	case errors.As(err, &problems):
		e := &Error{Status: fiber.StatusUnprocessableEntity, Code: "VALIDATION", Message: "Gönderilen bilgilerde hata var."}
		if !slices.ContainsFunc(problems, func(p validate.Problem) bool { return p.Code != validate.CodeDuplicate }) {
			// Only values another record has: a conflict, not a typo.
			e.Status, e.Code, e.Message = fiber.StatusConflict, validate.CodeDuplicate, problems[0].Message
		}
		for _, p := range problems {
			e.Fields = append(e.Fields, fieldError{Field: p.Field, Code: p.Code, Message: p.Message})
		}
		return e
	case errors.Is(err, store.ErrNotFound):
		return &Error{Status: fiber.StatusNotFound, Code: "NOT_FOUND", Message: "Kayıt bulunamadı."}
	case errors.Is(err, store.ErrNotInPreview):
		return &Error{Status: fiber.StatusConflict, Code: "NOT_IN_PREVIEW", Message: "Liste önizlemede değil ya da artık onaylanamaz."}
	case errors.Is(err, store.ErrImportChanged):
		return &Error{Status: fiber.StatusConflict, Code: "IMPORT_STALE", Message: store.MessageImportChanged}
	case errors.As(err, &quota):
		return &Error{Status: fiber.StatusConflict, Code: "QUOTA", Message: store.MessageQuota(quota)}
	case errors.As(err, &full):
		return &Error{Status: fiber.StatusInsufficientStorage, Code: "STORAGE_FULL", Message: fmt.Sprintf(
			"Firmanızın sakladığı dosyalar %s sınırına ulaştı (şu an %s, bu dosya %s). Önizlemedeki listeleri gönderin ya da silin; "+
				"biten listelerin dosyaları saklama süresi dolunca silinir.", mb(full.Limit), mb(full.Used), mb(full.Size))}
	}
	return nil
}

// mb writes a size in megabytes the Turkish way ("1.024 MB").
func mb(n int64) string { return formatCount((n+(1<<20)-1)>>20) + " MB" }

// errBrandForbidden refuses a brand that is not the user's, whether or not
// it exists (another company's brand reads like a missing one): 403 on
// every route, with the words İYS users know.
var errBrandForbidden = &Error{Status: fiber.StatusForbidden, Code: consent.CodeBrandForbidden, Message: consent.MessageBrandForbidden}

// required is the refusal of a request without a field it needs.
func required(field, message string) validate.Problems {
	return validate.Problems{{Field: field, Code: validate.CodeRequired, Message: message}}
}

// parseJSON decodes an API body into v. A body that is not JSON, or holds a
// value of the wrong type, is refused with the field at fault.
func parseJSON(c *fiber.Ctx, v any) error {
	err := c.BodyParser(v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		msg := te.Field + " alanı " + jsonKind(te.Type.Kind()) + " olmalı."
		return &Error{Status: fiber.StatusBadRequest, Code: "BAD_JSON", Message: "İstek gövdesinde türü yanlış bir alan var: " + msg,
			Fields: []fieldError{{Field: te.Field, Code: "TYPE", Message: msg}}}
	}
	return &Error{Status: fiber.StatusBadRequest, Code: "BAD_JSON", Message: "İstek gövdesi geçerli bir JSON değil.", cause: err}
}

// jsonKind names a Go kind as the JSON value it is decoded from.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "metin (string)"
	case reflect.Bool:
		return "true ya da false (boolean)"
	case reflect.Slice, reflect.Array:
		return "liste (array)"
	case reflect.Map, reflect.Struct:
		return "nesne (object)"
	case reflect.Float32, reflect.Float64:
		return "sayı (number)"
	}
	if k >= reflect.Int && k <= reflect.Uint64 {
		return "tam sayı (integer)"
	}
	return "başka türde"
}
