package importer

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"iysgate/app/consent"
)

// Column is a column of the import template.
type Column int

// The template's columns, in the template's order.
const (
	ColBrandCode         Column = iota // marka_kodu
	ColRecipientType                   // alici_tipi
	ColFirstName                       // ad
	ColLastName                        // soyad
	ColPhone                           // telefon
	ColEmail                           // eposta
	ColCallPermission                  // arama_izni
	ColMessagePermission               // mesaj_izni
	ColEmailPermission                 // eposta_izni
	ColSource                          // izin_kaynagi
	ColConsentDate                     // izin_tarihi
	numColumns
)

type columnInfo struct {
	name  string // the template's header
	label string // Turkish name for messages
	field string // the consent.Field… the column feeds
}

var columnInfos = [numColumns]columnInfo{
	ColBrandCode:         {"marka_kodu", "Marka Kodu", consent.FieldBrandCode},
	ColRecipientType:     {"alici_tipi", "Alıcı Tipi", consent.FieldRecipientType},
	ColFirstName:         {"ad", "Ad", ""},
	ColLastName:          {"soyad", "Soyad", ""},
	ColPhone:             {"telefon", "Telefon", consent.FieldPhone},
	ColEmail:             {"eposta", "E-Posta", consent.FieldEmail},
	ColCallPermission:    {"arama_izni", "Arama İzni", consent.FieldCallPermission},
	ColMessagePermission: {"mesaj_izni", "Mesaj İzni", consent.FieldMessagePermission},
	ColEmailPermission:   {"eposta_izni", "E-Posta İzni", consent.FieldEmailPermission},
	ColSource:            {"izin_kaynagi", "İzin Kaynağı", consent.FieldSource},
	ColConsentDate:       {"izin_tarihi", "İzin Tarihi", consent.FieldConsentDate},
}

// Columns returns every column in the template's order.
func Columns() []Column {
	cs := make([]Column, numColumns)
	for i := range cs {
		cs[i] = Column(i)
	}
	return cs
}

// TemplateHeader returns the template's header row: marka_kodu, alici_tipi,
// ad, soyad, telefon, eposta, arama_izni, mesaj_izni, eposta_izni,
// izin_kaynagi, izin_tarihi.
func TemplateHeader() []string {
	h := make([]string, numColumns)
	for i := range h {
		h[i] = columnInfos[i].name
	}
	return h
}

// Name is the column's header in the template ("marka_kodu"); an invalid
// column gives "".
func (c Column) Name() string {
	if c < 0 || c >= numColumns {
		return ""
	}
	return columnInfos[c].name
}

// Label is the column's Turkish name for messages ("Marka Kodu").
func (c Column) Label() string {
	if c < 0 || c >= numColumns {
		return ""
	}
	return columnInfos[c].label
}

// Field is the consent field the column feeds (consent.FieldPhone for
// telefon), as problems name it; "" for ad and soyad, which no rule checks.
func (c Column) Field() string {
	if c < 0 || c >= numColumns {
		return ""
	}
	return columnInfos[c].field
}

// String returns Name.
func (c Column) String() string { return c.Name() }

// ColumnForField returns the column a problem's field refers to. The
// generic consent.FieldRecipient (a row with neither phone nor e-mail) has
// no single column and gives false, like an unknown field.
func ColumnForField(field string) (Column, bool) {
	if field == "" {
		return 0, false
	}
	for c := range numColumns {
		if columnInfos[c].field == field {
			return c, true
		}
	}
	return 0, false
}

// headerSynonyms maps folded header texts (see foldHeader) to columns.
var headerSynonyms = func() map[string]Column {
	m := map[string]Column{}
	add := func(c Column, names ...string) {
		for _, n := range names {
			m[foldHeader(n)] = c
		}
	}
	add(ColBrandCode, "marka_kodu", "Marka Kodu", "Marka No", "Marka Numarası", "Marka", "Marka İYS Kodu",
		"İYS Marka Kodu", "Marka İYS No", "BrandCode", "Brand Code", "Brand")
	add(ColRecipientType, "alici_tipi", "Alıcı Tipi", "Alıcı Türü", "Tip", "Tipi",
		"Müşteri Tipi", "Bireysel/Tacir", "RecipientType", "Recipient Type")
	add(ColFirstName, "ad", "Adı", "İsim", "İsmi", "Ad Soyad", "Adı Soyadı", "İsim Soyisim",
		"FirstName", "First Name", "Name")
	add(ColLastName, "soyad", "Soyadı", "Soyisim", "Soyismi", "LastName", "Last Name", "Surname")
	add(ColPhone, "telefon", "Telefon No", "Telefon Numarası", "Tel", "Tel No", "GSM", "GSM No",
		"Cep", "Cep Telefonu", "Cep Tel", "Cep No", "Cep Telefon No", "Mobil", "Phone", "Mobile", "MSISDN")
	add(ColEmail, "eposta", "E-Posta", "E-Posta Adresi", "Eposta Adresi", "Email", "E-mail", "Email Adresi",
		"Mail", "Mail Adresi", "Elektronik Posta", "Mail Address", "Email Address")
	add(ColCallPermission, "arama_izni", "Arama İzni", "Arama", "Arama Onayı", "Arama İzin Durumu",
		"Çağrı İzni", "Sesli Arama İzni", "Call Permission")
	add(ColMessagePermission, "mesaj_izni", "Mesaj İzni", "Mesaj", "Mesaj Onayı", "Mesaj İzin Durumu",
		"SMS", "SMS İzni", "SMS Onayı", "Message Permission")
	add(ColEmailPermission, "eposta_izni", "E-Posta İzni", "Eposta İzni", "E-Mail İzni", "Email İzni",
		"Mail İzni", "E-Posta Onayı", "Eposta Onayı", "Email Onayı", "E-Posta İzin Durumu", "Email Permission")
	add(ColSource, "izin_kaynagi", "İzin Kaynağı", "Kaynak", "Kaynağı", "Onay Kaynağı", "İzin Kaynak",
		"Source")
	add(ColConsentDate, "izin_tarihi", "İzin Tarihi", "Onay Tarihi", "Tarih", "Tarihi", "İzin Tarih",
		"Onay Tarih", "ConsentDate", "Consent Date")
	return m
}()

// foldHeader makes the comparison key of a header cell: Turkish letters
// folded to ASCII, upper case, and everything but letters and digits
// dropped ("E-Posta İzni" → "EPOSTAIZNI", "izin_tarihi" → "IZINTARIHI",
// "Telefon No." → "TELEFONNO", "Telefon *" → "TELEFON").
func foldHeader(s string) string {
	var buf [64]byte
	b := buf[:0]
	for _, r := range s {
		switch r {
		case 'İ', 'ı', 'i', 'I', 'Î', 'î':
			r = 'I'
		case 'Ş', 'ş':
			r = 'S'
		case 'Ğ', 'ğ':
			r = 'G'
		case 'Ü', 'ü', 'Û', 'û':
			r = 'U'
		case 'Ö', 'ö':
			r = 'O'
		case 'Ç', 'ç':
			r = 'C'
		case 'Â', 'â':
			r = 'A'
		default:
			if r < utf8.RuneSelf {
				switch {
				case 'a' <= r && r <= 'z':
					r -= 'a' - 'A'
				case 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
				default:
					continue
				}
			} else if unicode.IsLetter(r) || unicode.IsDigit(r) {
				r = unicode.ToUpper(r)
			} else {
				continue // spaces, punctuation, the combining dot of a lower-cased İ
			}
		}
		b = utf8.AppendRune(b, r)
	}
	return string(b)
}

// HeaderColumn maps one header cell to a column ("Cep Telefonu" →
// ColPhone), reporting false when the text is not a known header.
func HeaderColumn(cell string) (Column, bool) {
	c, ok := headerSynonyms[foldHeader(cell)]
	return c, ok
}

// Mapping says which cell of a row holds which column. Make one with
// [MapHeader].
type Mapping struct {
	index [numColumns]int // 1-based cell index; 0 when the column is absent
	// Width is the number of cells of the header row, up to its last
	// non-empty one. Cells to its right are not read.
	Width int
	// Ignored lists the non-empty header cells that map to no column, as
	// written, in file order; the UI shows them as ignored columns.
	Ignored []string
}

// Index returns the 0-based cell index of column c, and whether the header
// has it.
func (m Mapping) Index(c Column) (int, bool) {
	if c < 0 || c >= numColumns || m.index[c] == 0 {
		return -1, false
	}
	return m.index[c] - 1, true
}

// Has reports whether the header has column c.
func (m Mapping) Has(c Column) bool { _, ok := m.Index(c); return ok }

// Cell returns the text of column c in cells, "" when the header lacks the
// column or the row is shorter.
func (m Mapping) Cell(cells []string, c Column) string {
	i, ok := m.Index(c)
	if !ok || i >= len(cells) {
		return ""
	}
	return cells[i]
}

// RowInput builds the consent row from a row's cells. A missing column is
// an empty value, which consent.ValidateRow treats by its rules (empty
// permissions default to ONAY, an empty date to now). ConsentDateValue is
// left zero: the readers set it for date cells.
func (m Mapping) RowInput(cells []string) consent.RowInput {
	return consent.RowInput{
		BrandCode:         m.Cell(cells, ColBrandCode),
		Phone:             m.Cell(cells, ColPhone),
		Email:             m.Cell(cells, ColEmail),
		RecipientType:     m.Cell(cells, ColRecipientType),
		CallPermission:    m.Cell(cells, ColCallPermission),
		MessagePermission: m.Cell(cells, ColMessagePermission),
		EmailPermission:   m.Cell(cells, ColEmailPermission),
		Source:            m.Cell(cells, ColSource),
		ConsentDate:       m.Cell(cells, ColConsentDate),
		FirstName:         m.Cell(cells, ColFirstName),
		LastName:          m.Cell(cells, ColLastName),
	}
}

// requiredColumns are the columns a header must have; in addition it must
// have telefon or eposta (or both).
//
// The permission columns, ad, soyad and izin_tarihi are optional: a
// missing permission column reads as empty cells (an empty phone
// permission pair defaults to ONAY for both channels, an empty e-mail
// permission to ONAY, each with a warning), and a missing date as "now"
// with a warning, as consent.ValidateRow has it. marka_kodu, alici_tipi and
// izin_kaynagi are required because nothing can stand in for them: İYS
// needs the brand and recipient type of every consent, and a source that
// is missing for every row is a wrong template rather than a detail (for
// TACIR rows the cells may still be empty).
var requiredColumns = []Column{ColBrandCode, ColRecipientType, ColSource}

// RequiredColumns returns the columns a header must have. In addition it
// must have telefon or eposta, or both.
func RequiredColumns() []Column { return append([]Column(nil), requiredColumns...) }

// MapHeader maps the cells of a header row to the template's columns,
// tolerant of case, Turkish letters, spaces, hyphens, underscores, dots and
// the common synonyms ("GSM", "Cep Telefonu", "E-mail", "SMS İzni", "Onay
// Tarihi", …). Unknown non-empty cells are listed in Mapping.Ignored.
//
// It fails with one *Error when required columns are missing
// (CodeHeaderMissing: the message names them in Turkish and lists the
// expected headers) or when two cells map to the same column
// (CodeHeaderDuplicate); the Mapping is returned as far as it goes even
// then.
func MapHeader(cells []string) (Mapping, error) { return MapHeaderWith(cells, HeaderRules{}) }

// MapHeaderWith is MapHeader under rules: with HeaderRules.BrandGiven the
// header need not have marka_kodu.
func MapHeaderWith(cells []string, rules HeaderRules) (Mapping, error) {
	m, dups := mapHeader(cells)
	missing := rules.missing(m.Has)
	if len(missing) == 0 && len(dups) == 0 {
		return m, nil
	}
	return m, headerError(missing, dups, rules)
}

// missing lists the required columns that has reports absent: those of
// requiredColumns (but marka_kodu when a brand is given) and, when neither
// is there, telefon and eposta.
func (r HeaderRules) missing(has func(Column) bool) []Column {
	var missing []Column
	for _, c := range requiredColumns {
		if !has(c) && !(c == ColBrandCode && r.BrandGiven) {
			missing = append(missing, c)
		}
	}
	if !has(ColPhone) && !has(ColEmail) {
		missing = append(missing, ColPhone, ColEmail)
	}
	return missing
}

// mapHeader maps what it can; dups holds, per column found more than once,
// the header cells that map to it.
func mapHeader(cells []string) (m Mapping, dups [][]string) {
	for i := len(cells) - 1; i >= 0; i-- {
		if !blank(cells[i]) {
			m.Width = i + 1
			break
		}
	}
	var seen [numColumns][]string
	for i, cell := range cells[:m.Width] {
		if blank(cell) {
			continue
		}
		c, ok := HeaderColumn(cell)
		if !ok {
			m.Ignored = append(m.Ignored, strings.TrimSpace(cell))
			continue
		}
		seen[c] = append(seen[c], strings.TrimSpace(cell))
		if m.index[c] == 0 {
			m.index[c] = i + 1
		}
	}
	for _, s := range seen {
		if len(s) > 1 {
			dups = append(dups, s)
		}
	}
	return m, dups
}

// recognised counts the columns a mapping found; the reader uses it to
// pick the most plausible header row for its error message.
func (m Mapping) recognised() int {
	n := 0
	for _, i := range m.index {
		if i != 0 {
			n++
		}
	}
	return n
}

func headerError(missing []Column, dups [][]string, rules HeaderRules) *Error {
	var b strings.Builder
	code := CodeHeaderDuplicate
	if len(missing) > 0 {
		code = CodeHeaderMissing
		var req, either []string
		for _, c := range missing {
			if c == ColPhone || c == ColEmail {
				either = append(either, c.Name())
				continue
			}
			req = append(req, c.Name()+" ("+c.Label()+")")
		}
		b.WriteString("Dosyanın başlık satırında zorunlu sütunlar eksik: ")
		if len(req) > 0 {
			b.WriteString(strings.Join(req, ", "))
			if len(either) > 0 {
				b.WriteString("; ayrıca ")
			}
		}
		if len(either) > 0 {
			b.WriteString("telefon ya da eposta sütunlarından en az biri")
		}
		b.WriteString(".")
	}
	if len(dups) > 0 {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		b.WriteString("Aynı sütun birden fazla kez var: ")
		for i, d := range dups {
			if i > 0 {
				b.WriteString("; ")
			}
			c, _ := HeaderColumn(d[0])
			b.WriteString(quoteAll(d))
			b.WriteString(" başlıklarının hepsi ")
			b.WriteString(c.Name())
			b.WriteString(" sütunu olarak okunuyor")
		}
		b.WriteString(". Her sütun bir kez yer almalı.")
	}
	b.WriteString(" Beklenen başlıklar: ")
	b.WriteString(strings.Join(TemplateHeader(), ", "))
	if rules.BrandGiven {
		b.WriteString(" (zorunlu: alici_tipi, izin_kaynagi ve telefon ya da eposta; marka_kodu boşsa yüklerken seçilen marka kullanılır).")
	} else {
		b.WriteString(" (zorunlu: marka_kodu, alici_tipi, izin_kaynagi ve telefon ya da eposta).")
	}
	b.WriteString(" Boş şablonu indirip kullanabilirsiniz.")
	return &Error{Code: code, Message: b.String(), Missing: missing, Duplicates: dups}
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = "«" + s + "»"
	}
	return strings.Join(q, ", ")
}

// blank reports whether s is empty or white space only.
func blank(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
		case c < utf8.RuneSelf:
			return false
		default:
			return strings.TrimFunc(s[i:], unicode.IsSpace) == ""
		}
	}
	return true
}
