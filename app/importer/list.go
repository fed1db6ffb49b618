package importer

import (
	"errors"
	"io"
)

// msgListHeader is the error of a contact list without a phone or e-mail
// column.
const msgListHeader = "Listede telefon ya da e-posta sütunu bulunamadı. İlk satırlardan birine başlık yazın: " +
	"telefon için «Telefon», «GSM» ya da «Cep Telefonu»; e-posta için «E-Posta» ya da «Email»."

// OpenList opens a contact list (a campaign's recipients, for a scrub) as
// Open does, but the header row needs only a telefon or an eposta column
// (any of their synonyms); other columns are optional, and a column
// written twice counts once (the first). Without a phone or e-mail column
// the error is CodeHeaderMissing with a message that says which headers to
// write. Rows' Input carries the phone and e-mail cells.
func OpenList(r io.ReaderAt, size int64, filename string, limits Limits) (Reader, error) {
	limits.list = true
	rd, err := Open(r, size, filename, limits)
	var e *Error
	if errors.As(err, &e) && e.Code == CodeHeaderNotFound {
		e.Code, e.Message, e.Missing = CodeHeaderMissing, msgListHeader, []Column{ColPhone, ColEmail}
	}
	return rd, err
}

// mapHeader maps a header row: with the mapper given to OpenWith, else as
// MapHeader does for imports, and for a list only the phone or e-mail
// column is needed.
func (l Limits) mapHeader(cells []string) (Mapping, error) {
	if l.mapFn != nil {
		return l.mapFn(cells)
	}
	if !l.list {
		return MapHeader(cells)
	}
	m, _ := mapHeader(cells)
	if m.Has(ColPhone) || m.Has(ColEmail) {
		return m, nil
	}
	return m, &Error{Code: CodeHeaderMissing, Message: msgListHeader, Missing: []Column{ColPhone, ColEmail}}
}
