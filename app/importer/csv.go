package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// The CSV reader. Excel's "CSV (virgülle ayrılmış)" in a Turkish locale
// writes ';' as the separator and Windows-1254 text; "CSV UTF-8" writes
// UTF-8 with a byte order mark; "Unicode metin" writes tab-separated
// UTF-16LE. All of these are read: the encoding is decided from the byte
// order mark or, without one, by checking the whole file (valid UTF-8 is
// UTF-8, anything else is read as Windows-1254 if it can be), and the
// delimiter is the one of ';', ',', tab and '|' with which one of the first
// rows maps as a header. A first line "sep=;" (Excel's own hint) sets the
// delimiter and is not a row.

// The encodings of CSV text.
const (
	EncodingUTF8        = "UTF-8"
	EncodingUTF16LE     = "UTF-16LE"
	EncodingUTF16BE     = "UTF-16BE"
	EncodingWindows1254 = "Windows-1254"
)

var csvDelimiters = []rune{';', ',', '\t', '|'}

type csvReader struct {
	counter *countingReader
	guard   *guardReader
	cr      *csv.Reader
	size    int64
	limits  Limits
	header  Header

	extraLines int // newlines inside quoted fields so far
	rows       int
	done       bool
	pending    []csvRecord // rows read ahead of a kept header (Options.KeepUnmapped)
}

func openCSV(r io.ReaderAt, size int64, limits Limits) (Reader, error) {
	if size > limits.MaxSheetBytes {
		return nil, sizeError("CSV dosyası", limits.MaxSheetBytes)
	}
	enc, bom, err := detectEncoding(r, size)
	if err != nil {
		return nil, err
	}
	counter := &countingReader{r: io.NewSectionReader(r, bom, size-bom)}
	var text io.Reader = counter
	switch enc {
	case EncodingWindows1254:
		text = &cp1254Reader{r: counter}
	case EncodingUTF16LE, EncodingUTF16BE:
		text = &utf16Reader{r: counter, be: enc == EncodingUTF16BE}
	}
	br := bufio.NewReaderSize(text, 64<<10)

	c := &csvReader{counter: counter, size: size, limits: limits}
	c.header.Format = FormatCSV
	c.header.Encoding = enc

	prefix, err := br.Peek(64 << 10)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, asCSVError(err, 0)
	}
	delim, sepLen := sepLine(prefix)
	if sepLen > 0 {
		if _, err := br.Discard(sepLen); err != nil {
			return nil, asCSVError(err, 0)
		}
	} else {
		delim = detectDelimiter(prefix, len(prefix) == 64<<10, limits)
	}
	c.header.Delimiter = delim

	c.guard = &guardReader{r: br, max: int64(limits.MaxColumns+1) * int64(limits.MaxCellLength*4+3), cellLimit: limits.MaxCellLength}
	c.cr = csv.NewReader(c.guard)
	c.guard.cr = c.cr
	c.cr.Comma = delim
	c.cr.LazyQuotes = true
	c.cr.FieldsPerRecord = -1
	if err := c.findHeader(); err != nil {
		return nil, err
	}
	return c, nil
}

// sepLine recognises Excel's "sep=X" first line; it returns the delimiter
// and the length of the line with its line end.
func sepLine(prefix []byte) (rune, int) {
	line := prefix
	if i := bytes.IndexByte(prefix, '\n'); i >= 0 {
		line = prefix[:i+1]
	} else if len(prefix) > 8 {
		return 0, 0
	}
	t := bytes.TrimRight(line, "\r\n")
	if len(t) < 5 || !bytes.EqualFold(t[:4], []byte("sep=")) {
		return 0, 0
	}
	d, n := utf8.DecodeRune(t[4:])
	if 4+n != len(t) || d == '"' || d == '\r' || d == '\n' || d == utf8.RuneError {
		return 0, 0
	}
	return d, len(line)
}

// detectDelimiter picks the delimiter with which one of the first rows of
// prefix maps as a header; failing that, the candidate that occurs most
// often (outside quotes) in the first non-empty line, ';' on a tie.
func detectDelimiter(prefix []byte, truncated bool, limits Limits) rune {
	if truncated {
		if i := bytes.LastIndexByte(prefix, '\n'); i >= 0 {
			prefix = prefix[:i+1]
		}
	}
	mapFn := limits.mapFn // the import's mapper (OpenWith); lists detect as imports do
	if mapFn == nil {
		mapFn = MapHeader
	}
	for _, d := range csvDelimiters {
		cr := csv.NewReader(bytes.NewReader(prefix))
		cr.Comma, cr.LazyQuotes, cr.FieldsPerRecord = d, true, -1
		for range headerScanRows {
			rec, err := cr.Read()
			if err != nil {
				break
			}
			if _, err := mapFn(rec); err == nil {
				return d
			}
		}
	}
	var line []byte
	for l := range bytes.Lines(prefix) {
		if len(bytes.TrimSpace(l)) > 0 {
			line = l
			break
		}
	}
	best, bestN := ';', 0
	for _, d := range csvDelimiters {
		n, quoted := 0, false
		for _, r := range string(line) {
			switch {
			case r == '"':
				quoted = !quoted
			case r == d && !quoted:
				n++
			}
		}
		if n > bestN {
			best, bestN = d, n
		}
	}
	return best
}

// findHeader reads up to the header row.
func (c *csvReader) findHeader() error {
	var best *Error
	var plausible *candidate
	var scanned []csvRecord // for KeepUnmapped: the rows read, to be read again after the kept header
	bestScore := -1
	for {
		num, rec, err := c.read()
		if err == io.EOF || err == nil && num > headerScanRows {
			if err == nil && c.limits.keepUnmapped {
				scanned = append(scanned, csvRecord{num, rec})
			}
			break
		}
		if err != nil {
			return err
		}
		if c.limits.keepUnmapped {
			scanned = append(scanned, csvRecord{num, rec})
		}
		last := -1
		for i, f := range rec {
			if !blank(f) {
				last = i
			}
		}
		if last < 0 {
			continue
		}
		if last >= c.limits.MaxColumns {
			rec = rec[:c.limits.MaxColumns]
		}
		m, herr := c.limits.mapHeader(rec)
		if last >= c.limits.MaxColumns && (herr == nil || m.recognised() > 0) {
			return columnsError(num, c.limits.MaxColumns)
		}
		if herr == nil {
			c.header.Row, c.header.Cells, c.header.Mapping = num, rec[:m.Width], m
			return nil
		}
		if s := m.recognised(); s > bestScore {
			bestScore, best = s, asError(herr, num)
		}
		if c.limits.keepUnmapped {
			if cand := newCandidate(0, num, rec, herr); cand.better(plausible) {
				cand.overflow = last >= c.limits.MaxColumns
				plausible = cand
			}
		}
	}
	if plausible != nil {
		if plausible.overflow {
			return columnsError(plausible.row, c.limits.MaxColumns)
		}
		c.header.Row, c.header.Cells, c.header.Mapping, c.header.Problem = plausible.row, plausible.cells, plausible.mapping, plausible.err
		for _, r := range scanned {
			if r.num > plausible.row {
				c.pending = append(c.pending, r)
			}
		}
		return nil
	}
	if best != nil {
		return best
	}
	return &Error{Code: CodeHeaderNotFound, Message: "Dosyada başlık satırı bulunamadı: ilk 10 satır boş. İlk satıra sütun başlıklarını (" + strings.Join(TemplateHeader(), ", ") + ") yazın ya da boş şablonu indirip kullanın."}
}

// csvRecord is a record read ahead while looking for the header.
type csvRecord struct {
	num int
	rec []string
}

// read reads the next record and its row number: those read ahead first.
func (c *csvReader) read() (int, []string, error) {
	if len(c.pending) > 0 {
		r := c.pending[0]
		c.pending = c.pending[1:]
		return r.num, r.rec, nil
	}
	if c.done {
		return 0, nil, io.EOF
	}
	rec, err := c.cr.Read()
	if err != nil {
		c.done = true
		if err == io.EOF {
			return 0, nil, io.EOF
		}
		line := 0
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			line = pe.StartLine - c.extraLines
		}
		return 0, nil, asCSVError(err, line)
	}
	line, _ := c.cr.FieldPos(0)
	num := line - c.extraLines
	for i, f := range rec {
		c.extraLines += strings.Count(f, "\n")
		if len(f) > c.limits.MaxCellLength && utf8.RuneCountInString(f) > c.limits.MaxCellLength {
			c.done = true
			return 0, nil, cellError(num, i, c.limits.MaxCellLength)
		}
	}
	return num, rec, nil
}

// Header implements Reader.
func (c *csvReader) Header() Header { return c.header }

// Progress implements Reader.
func (c *csvReader) Progress() (done, total int64) { return c.counter.n, c.size }

// Close implements Reader.
func (c *csvReader) Close() error {
	c.done, c.pending = true, nil
	return nil
}

// Next implements Reader.
func (c *csvReader) Next() (Row, error) {
	w := c.header.Mapping.Width
	for {
		num, rec, err := c.read()
		if err != nil {
			return Row{}, err
		}
		cells := make([]string, w)
		copy(cells, rec)
		empty := true
		for _, f := range cells {
			if !blank(f) {
				empty = false
				break
			}
		}
		if empty {
			continue
		}
		c.rows++
		if c.rows > c.limits.MaxRows {
			c.done = true
			return Row{}, rowsError(num, c.limits.MaxRows)
		}
		return Row{Number: num, Cells: cells, Input: c.header.Mapping.RowInput(cells)}, nil
	}
}

func asCSVError(err error, line int) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	msg := "CSV dosyası okunamadı."
	if line > 0 {
		msg = fmt.Sprintf("CSV dosyası okunamadı: %d. satırda tırnak işaretleri ya da satır sonları hatalı.", line)
	}
	return &Error{Code: CodeFileCorrupt, Row: line, Err: err, Message: msg + " Dosyayı Excel'de açıp «Farklı Kaydet» ile .xlsx olarak kaydedip yükleyin."}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

// Read reads and counts.
func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// guardReader bounds the size of one CSV record: encoding/csv keeps a
// whole record in memory, so an unterminated quote must not make it read
// the rest of the file into one field.
type guardReader struct {
	r         io.Reader
	cr        *csv.Reader
	n         int64
	max       int64
	cellLimit int
}

// Read reads unless the record being read is already too long.
func (g *guardReader) Read(b []byte) (int, error) {
	if g.n-g.cr.InputOffset() > g.max {
		return 0, &Error{Code: CodeLimitCell, Message: fmt.Sprintf("CSV dosyasında bir satır çok uzun (bir hücrede en çok %s karakter olabilir); kapanmamış bir tırnak işareti olabilir. Dosyayı Excel'de açıp .xlsx olarak kaydedip yükleyin.", groupDigits(g.cellLimit))}
	}
	n, err := g.r.Read(b)
	g.n += int64(n)
	return n, err
}

// detectEncoding decides the encoding of CSV text: a byte order mark
// decides (bom is its length); otherwise valid UTF-8 is UTF-8 and anything
// else Windows-1254, unless it has bytes that Windows-1254 does not define.
func detectEncoding(r io.ReaderAt, size int64) (enc string, bom int64, err error) {
	var head [3]byte
	n, _ := r.ReadAt(head[:min(3, size)], 0)
	h := head[:n]
	switch {
	case bytes.HasPrefix(h, []byte{0xEF, 0xBB, 0xBF}):
		enc, bom = EncodingUTF8, 3
	case bytes.HasPrefix(h, []byte{0xFF, 0xFE}):
		return EncodingUTF16LE, 2, nil
	case bytes.HasPrefix(h, []byte{0xFE, 0xFF}):
		return EncodingUTF16BE, 2, nil
	}
	valid, err := validUTF8(io.NewSectionReader(r, bom, size-bom), size)
	if err != nil {
		return "", 0, asCSVError(err, 0)
	}
	if valid {
		return EncodingUTF8, bom, nil
	}
	if bom == 0 {
		ok, err := validCP1254(io.NewSectionReader(r, 0, size), size)
		if err != nil {
			return "", 0, asCSVError(err, 0)
		}
		if ok {
			return EncodingWindows1254, 0, nil
		}
	}
	return "", 0, &Error{Code: CodeFileEncoding, Message: "CSV dosyasının karakter kodlaması tanınmadı (UTF-8 ya da Türkçe Windows-1254 değil). Dosyayı Excel'de açıp «Farklı Kaydet» ile «CSV UTF-8 (virgülle ayrılmış)» ya da «Excel Çalışma Kitabı (.xlsx)» olarak kaydedin."}
}

// validUTF8 reports whether all of r (size bytes) is valid UTF-8, reading
// it in chunks.
func validUTF8(r io.Reader, size int64) (bool, error) {
	buf := make([]byte, min(size+4, 1<<20))
	carry := 0
	for {
		n, err := io.ReadFull(r, buf[carry:])
		n += carry
		last := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !last {
			return false, err
		}
		cut := n
		if !last {
			cut = n - incompleteTail(buf[:n])
		}
		if !utf8.Valid(buf[:cut]) {
			return false, nil
		}
		if last {
			return true, nil
		}
		carry = copy(buf, buf[cut:n])
	}
}

// incompleteTail is the length of a UTF-8 sequence cut off at the end of b.
func incompleteTail(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-3; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return len(b) - i
			}
			return 0
		}
	}
	return 0
}

// validCP1254 reports whether r has no byte that Windows-1254 leaves
// undefined, and no NUL.
func validCP1254(r io.Reader, size int64) (bool, error) {
	buf := make([]byte, min(size+1, 1<<20))
	for {
		n, err := r.Read(buf)
		for _, c := range buf[:n] {
			if c == 0 || c >= 0x80 && cp1254[c-0x80] == 0 {
				return false, nil
			}
		}
		if err == io.EOF {
			return true, nil
		}
		if err != nil {
			return false, err
		}
	}
}

// cp1254 maps the bytes 0x80-0xFF of Windows-1254 (Turkish) to Unicode; 0
// marks the seven undefined bytes. It is Latin-1 from 0xA0 on, except for
// the six Turkish letters Ğ İ Ş ğ ı ş.
var cp1254 = func() (t [128]rune) {
	for i := range t {
		t[i] = rune(0x80 + i)
	}
	c1 := [32]rune{
		0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0, 0,
		0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0, 0x0178,
	}
	copy(t[:32], c1[:])
	t[0xD0-0x80], t[0xDD-0x80], t[0xDE-0x80] = 'Ğ', 'İ', 'Ş'
	t[0xF0-0x80], t[0xFD-0x80], t[0xFE-0x80] = 'ğ', 'ı', 'ş'
	return t
}()

// cp1254Reader decodes Windows-1254 text into UTF-8.
type cp1254Reader struct {
	r   io.Reader
	in  []byte
	out []byte
	pos int
	err error
}

// Read reads decoded UTF-8 text.
func (d *cp1254Reader) Read(p []byte) (int, error) {
	for d.pos == len(d.out) {
		if d.err != nil {
			return 0, d.err
		}
		if d.in == nil {
			d.in = make([]byte, 32<<10)
		}
		n, err := d.r.Read(d.in)
		d.err = err
		d.out, d.pos = d.out[:0], 0
		for _, c := range d.in[:n] {
			if c < 0x80 {
				d.out = append(d.out, c)
				continue
			}
			r := cp1254[c-0x80]
			if r == 0 {
				r = utf8.RuneError
			}
			d.out = utf8.AppendRune(d.out, r)
		}
	}
	n := copy(p, d.out[d.pos:])
	d.pos += n
	return n, nil
}

// utf16Reader decodes UTF-16 text (without its byte order mark) into UTF-8.
type utf16Reader struct {
	r   io.Reader
	be  bool
	in  []byte
	nin int // undecoded bytes kept at the start of in
	out []byte
	pos int
	eof bool
	err error
}

func (d *utf16Reader) unit(b []byte) rune {
	if d.be {
		return rune(b[0])<<8 | rune(b[1])
	}
	return rune(b[1])<<8 | rune(b[0])
}

// Read reads decoded UTF-8 text.
func (d *utf16Reader) Read(p []byte) (int, error) {
	for d.pos == len(d.out) {
		if d.eof {
			if d.err != nil {
				return 0, d.err
			}
			return 0, io.EOF
		}
		if d.in == nil {
			d.in = make([]byte, 32<<10)
		}
		n, err := d.r.Read(d.in[d.nin:])
		total := d.nin + n
		if err != nil {
			d.eof = true
			if err != io.EOF {
				d.err = err
			}
		}
		d.out, d.pos = d.out[:0], 0
		i := 0
		for i+1 < total {
			u := d.unit(d.in[i:])
			switch {
			case 0xD800 <= u && u < 0xDC00:
				if i+3 >= total {
					if !d.eof {
						goto more
					}
					u, i = utf8.RuneError, i+2
					break
				}
				if lo := d.unit(d.in[i+2:]); 0xDC00 <= lo && lo < 0xE000 {
					u, i = 0x10000+(u-0xD800)<<10+(lo-0xDC00), i+4
				} else {
					u, i = utf8.RuneError, i+2
				}
			case 0xDC00 <= u && u < 0xE000:
				u, i = utf8.RuneError, i+2
			default:
				i += 2
			}
			d.out = utf8.AppendRune(d.out, u)
		}
	more:
		if d.eof && i < total {
			d.out = utf8.AppendRune(d.out, utf8.RuneError) // an odd last byte
			i = total
		}
		d.nin = copy(d.in, d.in[i:total])
	}
	n := copy(p, d.out[d.pos:])
	d.pos += n
	return n, nil
}
