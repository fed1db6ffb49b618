package importer

import (
	"bytes"
	"io"
	"path"
	"strings"

	"iysgate/app/consent"
)

// Reader reads the data rows of an uploaded file, one at a time. Memory
// does not grow with the number of rows: a Reader holds one row, and for
// an .xlsx file the workbook's shared strings.
type Reader interface {
	// Header describes the header row the reader found and how it maps.
	Header() Header
	// Next returns the next non-empty data row, or io.EOF after the last.
	// Any other error is an *Error; the reader is then unusable. The Row
	// and its slices belong to the caller.
	Next() (Row, error)
	// Progress reports how far reading has come: bytes of the sheet (or
	// CSV text) read so far, and the total, for a progress bar.
	Progress() (done, total int64)
	// Close releases the reader, and the goroutine that inflates a large
	// workbook's sheet ahead of it: call it in any case, after io.EOF or
	// an error too. It does not close the io.ReaderAt given to Open.
	Close() error
}

// Row is one non-empty data row.
type Row struct {
	// Number is the 1-based row number in the file, as the spreadsheet
	// shows it (for CSV: the record number, counting blank lines but not a
	// leading "sep=" line).
	Number int
	// Cells are the row's cells as text, one per header cell
	// (Header.Cells): what the user wrote, for the preview and the error
	// workbook. Numbers are written without exponent and without a
	// trailing ".0"; date cells as dd.mm.yyyy or dd.mm.yyyy HH:MM:SS;
	// booleans as TRUE or FALSE; formulas as their cached result.
	Cells []string
	// Input is the row for consent.ValidateRow, built from the mapped
	// columns. When the izin_tarihi cell is a date cell of the workbook,
	// Input.ConsentDateValue holds its value (wall clock, UTC), which
	// consent.ValidateRow prefers to the text.
	Input consent.RowInput
}

// The formats a Reader reads.
const (
	FormatXLSX = "xlsx"
	FormatCSV  = "csv"
)

// Header describes the header row of a file.
type Header struct {
	// Format is FormatXLSX or FormatCSV.
	Format string
	// Sheet is the name of the worksheet read (xlsx only).
	Sheet string
	// SkippedSheets lists the sheets before Sheet that were not used:
	// hidden ones and those without a matching header.
	SkippedSheets []string
	// Row is the 1-based row number of the header row.
	Row int
	// Cells are the header row's cells as written, up to its last
	// non-empty cell; every Row has this many cells.
	Cells []string
	// Mapping says which cell holds which column; Mapping.Ignored lists
	// the header cells that map to no column.
	Mapping Mapping
	// Problem is the header error of a header row kept although it does
	// not map (Options.KeepUnmapped); nil when the header maps. Mapping is
	// then only what the synonyms recognise.
	Problem *Error
	// Delimiter is the CSV field separator (';', ',', '\t' or '|').
	Delimiter rune
	// Encoding is the CSV text encoding: "UTF-8", "UTF-16LE", "UTF-16BE"
	// or "Windows-1254".
	Encoding string
}

// headerScanRows is how many rows from the top of a sheet are searched for
// the header row.
const headerScanRows = 10

// Open opens an uploaded file for reading. The content decides the format:
// a zip is read as an .xlsx workbook, an OLE2 compound file (an old .xls,
// or a password-protected workbook) is refused with CodeFileXLS and a
// message asking to save it as .xlsx, and anything else is read as CSV,
// unless the file name ends in .xlsx or .xlsm (then it is a corrupt
// workbook) or the content is recognisably another format (HTML, Excel
// 2003 XML, binary data: CodeFileUnsupported).
//
// The header row is the first of the first 10 rows that maps with
// [MapHeader] (title rows above it are skipped); in a workbook, the first
// visible worksheet that has one is read. When no row maps, the error is
// the header error of the most plausible row. limits bounds the work; its
// zero fields take their defaults.
//
// Every error is an *Error. The returned Reader is positioned after the
// header row.
func Open(r io.ReaderAt, size int64, filename string, limits Limits) (Reader, error) {
	limits = limits.withDefaults()
	if size <= 0 {
		return nil, &Error{Code: CodeFileEmpty, Message: msgEmpty}
	}
	var head [512]byte
	n, err := r.ReadAt(head[:min(int64(len(head)), size)], 0)
	if err != nil && err != io.EOF {
		return nil, corruptError(0, err)
	}
	h := head[:n]
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(filename, `\`, "/")))
	switch {
	case bytes.HasPrefix(h, []byte("PK\x03\x04")), bytes.HasPrefix(h, []byte("PK\x05\x06")):
		return openXLSX(r, size, limits)
	case bytes.HasPrefix(h, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return nil, &Error{Code: CodeFileXLS, Message: msgXLS}
	case ext == ".xlsx" || ext == ".xlsm" || ext == ".xltx":
		return nil, corruptError(0, nil)
	}
	if e := sniffOther(h); e != nil {
		return nil, e
	}
	return openCSV(r, size, limits)
}

// sniffOther recognises content that is not CSV text.
func sniffOther(h []byte) *Error {
	t := bytes.TrimLeft(bytes.TrimPrefix(h, []byte("\xEF\xBB\xBF")), " \t\r\n")
	lower := bytes.ToLower(t[:min(len(t), 64)])
	switch {
	case bytes.HasPrefix(lower, []byte("<html")), bytes.HasPrefix(lower, []byte("<!doctype html")),
		bytes.HasPrefix(lower, []byte("<table")), bytes.HasPrefix(lower, []byte("<meta")):
		return unsupportedError("Dosya bir Excel dosyası değil, bir web sayfası (HTML) tablosu; bazı programlar bu biçimi .xls uzantısıyla verir.")
	case bytes.HasPrefix(lower, []byte("<?xml")):
		return unsupportedError("Dosya Excel 2003 XML biçiminde ya da başka bir XML dosyası.")
	case bytes.HasPrefix(h, []byte("%PDF")):
		return unsupportedError("Dosya bir PDF belgesi.")
	}
	// UTF-16 text has a byte order mark; any other NUL byte means binary
	// data.
	if !bytes.HasPrefix(h, []byte{0xFF, 0xFE}) && !bytes.HasPrefix(h, []byte{0xFE, 0xFF}) && bytes.IndexByte(h, 0) >= 0 {
		return unsupportedError("Dosya biçimi tanınmadı.")
	}
	return nil
}
