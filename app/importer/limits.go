package importer

import (
	"errors"
	"fmt"
	"strings"
)

// Limits bound what reading one uploaded file may cost. A zero field means
// its default (see [DefaultLimits]), so Limits{} is a valid value.
type Limits struct {
	// MaxSheetBytes bounds the uncompressed size of the worksheet XML that
	// is read, and the size of a CSV file. Default 2 GiB.
	MaxSheetBytes int64
	// MaxSharedStringsBytes bounds the uncompressed size of
	// xl/sharedStrings.xml, and also the text it holds, which is kept in
	// memory while the file is read. Default 256 MiB.
	MaxSharedStringsBytes int64
	// MaxPartBytes bounds every other part that is read whole (workbook,
	// relationships, styles). Default 64 MiB.
	MaxPartBytes int64
	// MaxRatio bounds uncompressed size / compressed size for a zip entry
	// larger than RatioMinBytes. Default 200.
	MaxRatio int64
	// RatioMinBytes is the size from which MaxRatio applies: small parts
	// (an empty sheet, a style sheet) legitimately compress far better.
	// Default 8 MiB.
	RatioMinBytes int64
	// MaxRows bounds the number of data rows (non-empty rows after the
	// header). Default 5,000,000.
	MaxRows int
	// MaxColumns bounds the width of the header row. Data cells to the
	// right of the header are ignored. Default 200.
	MaxColumns int
	// MaxCellLength bounds the length of one cell, in characters. Default
	// 32,767, Excel's own maximum.
	MaxCellLength int
	// list: a header needs only telefon or eposta (see OpenList).
	list bool
	// mapFn maps candidate header rows instead of MapHeader, and
	// keepUnmapped keeps the most plausible row when none maps (see
	// OpenWith).
	mapFn        func(cells []string) (Mapping, error)
	keepUnmapped bool
}

// The defaults of [Limits].
const (
	DefaultMaxSheetBytes         = 2 << 30
	DefaultMaxSharedStringsBytes = 256 << 20
	DefaultMaxPartBytes          = 64 << 20
	DefaultMaxRatio              = 200
	DefaultRatioMinBytes         = 8 << 20
	DefaultMaxRows               = 5_000_000
	DefaultMaxColumns            = 200
	DefaultMaxCellLength         = 32_767
)

// DefaultLimits returns the default limits.
func DefaultLimits() Limits { return Limits{}.withDefaults() }

// withDefaults fills the zero (or negative) fields with their defaults.
func (l Limits) withDefaults() Limits {
	def64 := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def64(&l.MaxSheetBytes, DefaultMaxSheetBytes)
	def64(&l.MaxSharedStringsBytes, DefaultMaxSharedStringsBytes)
	def64(&l.MaxPartBytes, DefaultMaxPartBytes)
	def64(&l.MaxRatio, DefaultMaxRatio)
	def64(&l.RatioMinBytes, DefaultRatioMinBytes)
	def(&l.MaxRows, DefaultMaxRows)
	def(&l.MaxColumns, DefaultMaxColumns)
	def(&l.MaxCellLength, DefaultMaxCellLength)
	return l
}

// The codes of [Error]. They are stable: the API returns them and tests
// match them.
const (
	// CodeFileEmpty: the file is empty.
	CodeFileEmpty = "FILE_EMPTY"
	// CodeFileXLS: an old binary Excel file (.xls), or a password-protected
	// workbook (both are OLE2 compound files).
	CodeFileXLS = "FILE_XLS"
	// CodeFileUnsupported: a file of another kind (.ods, .xlsb, HTML,
	// Excel 2003 XML, or not a spreadsheet at all).
	CodeFileUnsupported = "FILE_UNSUPPORTED"
	// CodeFileCorrupt: a broken or truncated zip, malformed XML, or a
	// workbook without the parts an .xlsx file has.
	CodeFileCorrupt = "FILE_CORRUPT"
	// CodeFileEncoding: a CSV file that is neither UTF-8, UTF-16 with a
	// byte order mark, nor Windows-1254.
	CodeFileEncoding = "FILE_ENCODING"
	// CodeHeaderNotFound: no visible sheet has a non-empty row among its
	// first rows.
	CodeHeaderNotFound = "HEADER_NOT_FOUND"
	// CodeHeaderMissing: required columns are missing from the header.
	CodeHeaderMissing = "HEADER_MISSING_COLUMNS"
	// CodeHeaderDuplicate: two header cells map to the same column.
	CodeHeaderDuplicate = "HEADER_DUPLICATE_COLUMNS"
	// CodeLimitSize: an uncompressed part or the CSV file is too large.
	CodeLimitSize = "LIMIT_SIZE"
	// CodeLimitRatio: a zip entry expands suspiciously far (a zip bomb).
	CodeLimitRatio = "LIMIT_RATIO"
	// CodeLimitRows: more data rows than allowed.
	CodeLimitRows = "LIMIT_ROWS"
	// CodeLimitColumns: a header wider than allowed.
	CodeLimitColumns = "LIMIT_COLUMNS"
	// CodeLimitCell: a cell longer than allowed.
	CodeLimitCell = "LIMIT_CELL"
)

// Error is the error of this package: a stable code, the Turkish message a
// user reads, and where it happened. Every error that [Open] and
// [Reader.Next] return, except io.EOF at the end of the rows, is an
// *Error; use errors.As to get it.
type Error struct {
	// Code is one of the Code constants.
	Code string
	// Message is the Turkish text for the user; Error returns it.
	Message string
	// Row is the 1-based row of the file where the problem was found, or 0.
	Row int
	// Missing lists the missing required columns (CodeHeaderMissing).
	// When neither telefon nor eposta is present, both are listed.
	Missing []Column
	// Duplicates lists, for CodeHeaderDuplicate, the header cells that map
	// to the same column, as written in the file.
	Duplicates [][]string
	// Err is the underlying cause, for logs; it may be nil.
	Err error
}

// Error returns the Turkish message.
func (e *Error) Error() string { return e.Message }

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Messages of the errors whose text does not depend on details.
const (
	msgCorrupt     = "Dosya bozuk ya da geçerli bir Excel dosyası değil."
	msgCorruptHint = " Dosyayı Excel'de açıp «Farklı Kaydet» ile «Excel Çalışma Kitabı (.xlsx)» olarak yeniden kaydedin ve tekrar yükleyin."
	msgXLS         = "Eski Excel biçimindeki (.xls) ya da parola korumalı dosyalar okunamaz. Dosyayı Excel'de açıp, parola varsa kaldırıp, «Farklı Kaydet» ile «Excel Çalışma Kitabı (.xlsx)» olarak kaydedin ve yeniden yükleyin."
	msgEmpty       = "Dosya boş."
)

func corruptError(row int, cause error) *Error {
	msg := msgCorrupt
	if row > 0 {
		msg = fmt.Sprintf("Dosya bozuk ya da geçerli bir Excel dosyası değil: %d. satır okunamadı.", row)
	}
	return &Error{Code: CodeFileCorrupt, Message: msg + msgCorruptHint, Row: row, Err: cause}
}

func unsupportedError(what string) *Error {
	return &Error{Code: CodeFileUnsupported, Message: what + " Yalnızca Excel Çalışma Kitabı (.xlsx) ve CSV dosyaları okunabilir; dosyayı Excel'de açıp «Farklı Kaydet» ile .xlsx olarak kaydedin."}
}

func sizeError(part string, limit int64) *Error {
	return &Error{Code: CodeLimitSize, Message: fmt.Sprintf("Dosya çok büyük: %s açıldığında %s sınırını aşıyor. Dosyayı birkaç parçaya bölüp ayrı ayrı yükleyin.", part, humanBytes(limit))}
}

func ratioError(part string, ratio int64) *Error {
	return &Error{Code: CodeLimitRatio, Message: fmt.Sprintf("Dosya güvenlik nedeniyle reddedildi: %s, sıkıştırılmış boyutunun %d katından fazlasına açılıyor (zip bombası olabilir). Dosyayı Excel'de açıp yeniden kaydedin; sorun sürerse birkaç parçaya bölün.", part, ratio)}
}

func rowsError(row, limit int) *Error {
	return &Error{Code: CodeLimitRows, Row: row, Message: fmt.Sprintf("Dosyada en çok %s veri satırı olabilir; %d. satırda bu sınır aşıldı. Listeyi birkaç dosyaya bölüp ayrı ayrı yükleyin.", groupDigits(limit), row)}
}

func columnsError(row, limit int) *Error {
	return &Error{Code: CodeLimitColumns, Row: row, Message: fmt.Sprintf("Başlık satırında (%d. satır) en çok %d sütun olabilir. Kullanılmayan sütunları silip yeniden yükleyin.", row, limit)}
}

func cellError(row, col, limit int) *Error {
	where := fmt.Sprintf("%d. satırdaki", row)
	if col >= 0 {
		where = fmt.Sprintf("%d. satırın %s sütunundaki", row, columnLetters(col))
	}
	if row <= 0 {
		where = "Dosyadaki bir"
	}
	return &Error{Code: CodeLimitCell, Row: row, Message: fmt.Sprintf("%s hücre çok uzun: bir hücrede en çok %s karakter olabilir.", where, groupDigits(limit))}
}

// humanBytes writes a byte count the way the limits are set: in whole GiB,
// MiB or KiB when exact.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bayt", n)
}

// groupDigits writes n with Turkish thousands separators: 5.000.000.
func groupDigits(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// columnLetters is the spreadsheet name of a 0-based column index: 0 → A,
// 26 → AA.
func columnLetters(col int) string {
	var b [8]byte
	i := len(b)
	for n := col + 1; n > 0 && i > 0; n = (n - 1) / 26 {
		i--
		b[i] = byte('A' + (n-1)%26)
	}
	return string(b[i:])
}

// asError converts err into an *Error: an *Error is returned as it is, any
// other error becomes CodeFileCorrupt at row.
func asError(err error, row int) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return corruptError(row, err)
}
