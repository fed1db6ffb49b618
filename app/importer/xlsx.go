package importer

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The .xlsx reader. An .xlsx file is a zip of XML parts: _rels/.rels names
// the workbook part (xl/workbook.xml), whose relationships name the
// worksheets, the shared string table (xl/sharedStrings.xml) and the styles
// (xl/styles.xml). The workbook lists the sheets in order with their
// visibility, and whether dates count from 1904. Each worksheet is read as
// a stream of rows; only the shared strings (which cells refer to by index)
// and one bit per cell style (is it a date format?) are kept in memory.

// xlsxPackage is an opened zip with its parts found case-insensitively.
type xlsxPackage struct {
	zr     *zip.Reader
	parts  map[string]*zip.File // lower-case part name without leading "/"
	limits Limits
}

func (p *xlsxPackage) part(name string) *zip.File {
	return p.parts[strings.ToLower(strings.TrimPrefix(name, "/"))]
}

// entryReader reads one zip entry and enforces the size and ratio limits
// on what it actually decompresses (archive/zip also refuses more data
// than the entry declares).
type entryReader struct {
	rc         io.ReadCloser
	what       string // Turkish description of the part, for messages
	n          int64
	max        int64
	compressed int64
	ratio      int64
	ratioMin   int64
}

// Read reads decompressed bytes, failing once a limit is passed.
func (e *entryReader) Read(b []byte) (int, error) {
	n, err := e.rc.Read(b)
	e.n += int64(n)
	if e.n > e.max {
		return n, sizeError(e.what, e.max)
	}
	if e.n > e.ratioMin && e.n/e.ratio > e.compressed {
		return n, ratioError(e.what, e.ratio)
	}
	return n, err
}

// Close closes the zip entry.
func (e *entryReader) Close() error { return e.rc.Close() }

// readAhead inflates a part in its own goroutine, a few chunks ahead of
// the parser. Inflating is the floor of reading a workbook (about a third
// of a full pass over LibreOffice's million rows); on another core it runs
// while the parser works instead of before. The chunks arrive in order,
// and an error after the data that preceded it, so the parser sees what
// it would see reading the part itself.
type readAhead struct {
	rc   io.ReadCloser
	full chan chunk    // inflated chunks, in order
	free chan []byte   // buffers to fill
	stop chan struct{} // closed by Close
	done chan struct{} // closed when the goroutine has returned
	cur  []byte        // the unread rest of the current chunk
	buf  []byte        // the current chunk's buffer, to give back
	err  error         // the error that ends the part (io.EOF at its end)
}

type chunk struct {
	b   []byte
	err error
}

// Parts from readAheadMin bytes are read ahead in readAheadChunks chunks
// of readAheadChunk bytes. They are variables only so that tests can read
// small parts ahead in tiny chunks.
var (
	readAheadMin    int64 = 4 << 20
	readAheadChunk        = 256 << 10
	readAheadChunks       = 4
)

func newReadAhead(rc io.ReadCloser) *readAhead {
	ra := &readAhead{rc: rc, full: make(chan chunk, readAheadChunks), free: make(chan []byte, readAheadChunks),
		stop: make(chan struct{}), done: make(chan struct{})}
	for range readAheadChunks {
		ra.free <- make([]byte, readAheadChunk)
	}
	go ra.run()
	return ra
}

// run fills buffers from rc until an error (io.EOF at the end) or Close.
func (ra *readAhead) run() {
	defer close(ra.done)
	for {
		var b []byte
		select {
		case b = <-ra.free:
		case <-ra.stop:
			return
		}
		n, err := readFull(ra.rc, b)
		select {
		case ra.full <- chunk{b[:n], err}:
		case <-ra.stop:
			return
		}
		if err != nil {
			return
		}
	}
}

// readFull reads into b until it is full or r fails; unlike io.ReadFull
// it returns r's own error, io.EOF included.
func readFull(r io.Reader, b []byte) (int, error) {
	n, empty := 0, 0
	for n < len(b) {
		k, err := r.Read(b[n:])
		n += k
		if err != nil {
			return n, err
		}
		if k == 0 {
			if empty++; empty == 100 {
				return n, io.ErrNoProgress
			}
		}
	}
	return n, nil
}

// Read implements io.Reader, for the parser's goroutine.
func (ra *readAhead) Read(p []byte) (int, error) {
	for len(ra.cur) == 0 {
		if ra.err != nil {
			return 0, ra.err
		}
		if ra.buf != nil {
			ra.free <- ra.buf[:cap(ra.buf)] // never blocks: free holds every buffer
			ra.buf = nil
		}
		c := <-ra.full
		ra.cur, ra.buf, ra.err = c.b, c.b, c.err
	}
	n := copy(p, ra.cur)
	ra.cur = ra.cur[n:]
	return n, nil
}

// Close stops the goroutine, waits for it (it may be inflating a chunk)
// and closes the part.
func (ra *readAhead) Close() error {
	select {
	case <-ra.stop:
	default:
		close(ra.stop)
	}
	<-ra.done
	return ra.rc.Close()
}

// open opens a part for reading with at most limit uncompressed bytes. The
// sizes declared in the zip directory are checked first, so a bomb is
// refused before anything is decompressed. A large part is read ahead.
func (p *xlsxPackage) open(f *zip.File, what string, limit int64) (io.ReadCloser, error) {
	size, csize := f.UncompressedSize64, f.CompressedSize64
	if size > uint64(limit) {
		return nil, sizeError(what, limit)
	}
	ratio, ratioMin := p.limits.MaxRatio, p.limits.RatioMinBytes
	if size > uint64(ratioMin) && size/uint64(ratio) > csize {
		return nil, ratioError(what, ratio)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, corruptError(0, err)
	}
	er := &entryReader{rc: rc, what: what, max: limit, compressed: int64(csize), ratio: ratio, ratioMin: ratioMin}
	// With one P there is no second core to inflate on, and reading ahead
	// only costs the handing over of chunks.
	if partSize(f) >= readAheadMin && runtime.GOMAXPROCS(0) > 1 {
		return newReadAhead(er), nil
	}
	return er, nil
}

// scanPart opens a part and returns a scanner over it, with a buffer no
// larger than the part needs.
func (p *xlsxPackage) scanPart(f *zip.File, what string, limit int64) (*xmlScanner, io.Closer, error) {
	rc, err := p.open(f, what, limit)
	if err != nil {
		return nil, nil, err
	}
	return newXMLScanner(rc, partSize(f)), rc, nil
}

// partSize is the uncompressed size the zip directory declares for f
// (which archive/zip enforces when reading).
func partSize(f *zip.File) int64 { return int64(min(f.UncompressedSize64, 1<<62)) }

type xlsxSheet struct {
	name   string
	hidden bool
	part   string // resolved part name
}

type rel struct{ id, typ, target string }

// xlsxReader is the Reader of a workbook.
type xlsxReader struct {
	pkg        *xlsxPackage
	limits     Limits
	date1904   bool
	dateStyles []bool
	sst        sharedStrings

	sheets  []xlsxSheet
	header  Header
	sheet   *sheetReader
	dateCol int // cell index of izin_tarihi, or -1
	rows    int
}

// maxZipEntries bounds the number of entries of a workbook's zip, checked
// before archive/zip reads the directory (which costs memory per entry). A
// workbook has a few dozen parts; one with many sheets and pictures, a few
// hundred.
const maxZipEntries = 20_000

func openXLSX(r io.ReaderAt, size int64, limits Limits) (Reader, error) {
	if n, ok := zipEntryCount(r, size); ok && n > maxZipEntries {
		return nil, &Error{Code: CodeFileCorrupt, Message: fmt.Sprintf("Dosya güvenlik nedeniyle reddedildi: içinde %d parça var; bir Excel çalışma kitabında bu kadar parça olmaz. Dosyayı Excel'de açıp «Farklı Kaydet» ile .xlsx olarak yeniden kaydedin.", n)}
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !(errors.Is(err, zip.ErrInsecurePath) && zr != nil) {
		return nil, corruptError(0, err)
	}
	pkg := &xlsxPackage{zr: zr, parts: make(map[string]*zip.File, len(zr.File)), limits: limits}
	for _, f := range zr.File {
		name := strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(f.Name, `\`, "/"), "/"))
		if _, dup := pkg.parts[name]; !dup {
			pkg.parts[name] = f
		}
	}
	x := &xlsxReader{pkg: pkg, limits: limits, dateCol: -1}
	if err := x.load(); err != nil {
		return nil, err
	}
	if err := x.findHeader(); err != nil {
		x.Close()
		return nil, err
	}
	return x, nil
}

// load reads the workbook, its relationships, the styles and the shared
// strings.
func (x *xlsxReader) load() error {
	pkg := x.pkg
	wbName := "xl/workbook.xml"
	if f := pkg.part("_rels/.rels"); f != nil {
		rels, err := x.readRels(f)
		if err != nil {
			return err
		}
		for _, r := range rels {
			if strings.HasSuffix(r.typ, "/officeDocument") {
				wbName = resolvePart("", r.target)
				break
			}
		}
	}
	wb := pkg.part(wbName)
	if wb == nil {
		return notWorkbook(pkg)
	}
	var rels []rel
	if f := pkg.part(path.Join(path.Dir(wbName), "_rels", path.Base(wbName)+".rels")); f != nil {
		var err error
		if rels, err = x.readRels(f); err != nil {
			return err
		}
	}
	sheets, err := x.readWorkbook(wb, wbName, rels)
	if err != nil {
		return err
	}
	if len(sheets) == 0 {
		return corruptError(0, errors.New("xlsx: workbook has no worksheets"))
	}
	x.header.SkippedSheets = nil
	stylesName, sstName := path.Join(path.Dir(wbName), "styles.xml"), path.Join(path.Dir(wbName), "sharedStrings.xml")
	for _, r := range rels {
		switch {
		case strings.HasSuffix(r.typ, "/styles"):
			stylesName = resolvePart(wbName, r.target)
		case strings.HasSuffix(r.typ, "/sharedStrings"):
			sstName = resolvePart(wbName, r.target)
		}
	}
	if f := pkg.part(stylesName); f != nil {
		if err := x.readStyles(f); err != nil {
			return err
		}
	}
	if f := pkg.part(sstName); f != nil {
		if err := x.readSharedStrings(f); err != nil {
			return err
		}
	}
	x.sheets = sheets
	return nil
}

// zipEntryCount reads the number of entries from the end of a zip: the
// end-of-central-directory record and, when present, the zip64 record,
// whichever claims more. ok is false when they cannot be found (then
// archive/zip reports the damage).
func zipEntryCount(r io.ReaderAt, size int64) (n uint64, ok bool) {
	const eocdLen, locLen = 22, 20
	tail := make([]byte, min(size, 0xFFFF+eocdLen))
	if _, err := r.ReadAt(tail, size-int64(len(tail))); err != nil && err != io.EOF {
		return 0, false
	}
	i := bytes.LastIndex(tail, []byte("PK\x05\x06"))
	if i < 0 || len(tail)-i < eocdLen {
		return 0, false
	}
	n = uint64(binary.LittleEndian.Uint16(tail[i+10:]))
	if i >= locLen && bytes.Equal(tail[i-locLen:i-locLen+4], []byte("PK\x06\x07")) {
		off := binary.LittleEndian.Uint64(tail[i-locLen+8:])
		var rec [56]byte
		if off < uint64(size) && uint64(size)-off >= uint64(len(rec)) {
			if _, err := r.ReadAt(rec[:], int64(off)); err == nil && bytes.Equal(rec[:4], []byte("PK\x06\x06")) {
				n = max(n, binary.LittleEndian.Uint64(rec[32:]))
			}
		}
	}
	return n, true
}

// notWorkbook explains a zip that is not an .xlsx workbook.
func notWorkbook(pkg *xlsxPackage) error {
	if f := pkg.part("mimetype"); f != nil && f.UncompressedSize64 < 200 {
		if rc, err := f.Open(); err == nil {
			b, _ := io.ReadAll(io.LimitReader(rc, 200))
			rc.Close()
			if strings.Contains(string(b), "opendocument.spreadsheet") {
				return unsupportedError("Dosya LibreOffice/OpenOffice Calc (.ods) biçiminde.")
			}
		}
	}
	if pkg.part("xl/workbook.bin") != nil {
		return unsupportedError("Dosya Excel İkili Çalışma Kitabı (.xlsb) biçiminde.")
	}
	if pkg.part("word/document.xml") != nil || pkg.part("ppt/presentation.xml") != nil {
		return unsupportedError("Dosya bir Word ya da PowerPoint belgesi.")
	}
	return corruptError(0, errors.New("xlsx: no workbook part"))
}

// resolvePart resolves a relationship target against the part that holds
// the relationship (base; "" for the package root).
func resolvePart(base, target string) string {
	target = strings.ReplaceAll(target, `\`, "/")
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Clean(path.Join(path.Dir(base), target)), "/")
}

func (x *xlsxReader) readRels(f *zip.File) ([]rel, error) {
	sc, er, err := x.pkg.scanPart(f, "ilişki tablosu ("+f.Name+")", x.limits.MaxPartBytes)
	if err != nil {
		return nil, err
	}
	defer er.Close()
	var rels []rel
	for {
		k, err := sc.next()
		if err != nil {
			return nil, asError(err, 0)
		}
		if k == tokEOF {
			return rels, nil
		}
		if k == tokStart && string(sc.name) == "Relationship" {
			if attrValue(sc.attrs, "TargetMode") == "External" {
				continue
			}
			rels = append(rels, rel{id: attrValue(sc.attrs, "Id"), typ: attrValue(sc.attrs, "Type"), target: attrValue(sc.attrs, "Target")})
			if len(rels) > 100_000 {
				return nil, corruptError(0, errors.New("xlsx: too many relationships"))
			}
		}
	}
}

func (x *xlsxReader) readWorkbook(f *zip.File, wbName string, rels []rel) ([]xlsxSheet, error) {
	sc, er, err := x.pkg.scanPart(f, "çalışma kitabı ("+f.Name+")", x.limits.MaxPartBytes)
	if err != nil {
		return nil, err
	}
	defer er.Close()
	var sheets []xlsxSheet
	for {
		k, err := sc.next()
		if err != nil {
			return nil, asError(err, 0)
		}
		if k == tokEOF {
			return sheets, nil
		}
		if k != tokStart {
			continue
		}
		switch string(sc.name) {
		case "workbookPr":
			v := attrValue(sc.attrs, "date1904")
			x.date1904 = v == "1" || v == "true"
		case "sheet":
			name, state, id := attrValue(sc.attrs, "name"), attrValue(sc.attrs, "state"), attrValue(sc.attrs, "id")
			var part string
			for _, r := range rels {
				if r.id == id {
					if strings.HasSuffix(r.typ, "/worksheet") {
						part = resolvePart(wbName, r.target)
					}
					break
				}
			}
			if part == "" {
				continue // a chart sheet, a dialog or macro sheet: no cells
			}
			sheets = append(sheets, xlsxSheet{name: name, hidden: state == "hidden" || state == "veryHidden", part: part})
			if len(sheets) > 10_000 {
				return nil, corruptError(0, errors.New("xlsx: too many sheets"))
			}
		}
	}
}

// readStyles reads which cell styles (cellXfs) have a date number format.
func (x *xlsxReader) readStyles(f *zip.File) error {
	sc, er, err := x.pkg.scanPart(f, "biçim tablosu (styles.xml)", x.limits.MaxPartBytes)
	if err != nil {
		return err
	}
	defer er.Close()
	custom := map[int]string{}
	var xfs []int
	inCellXfs := false
	for {
		k, err := sc.next()
		if err != nil {
			return asError(err, 0)
		}
		if k == tokEOF {
			break
		}
		switch {
		case k == tokStart && string(sc.name) == "numFmt":
			if id, err := strconv.Atoi(attrValue(sc.attrs, "numFmtId")); err == nil {
				custom[id] = attrValue(sc.attrs, "formatCode")
			}
		case k == tokStart && string(sc.name) == "cellXfs":
			inCellXfs = true
		case k == tokEnd && string(sc.name) == "cellXfs":
			inCellXfs = false
		case k == tokStart && inCellXfs && string(sc.name) == "xf":
			id, _ := strconv.Atoi(attrValue(sc.attrs, "numFmtId"))
			xfs = append(xfs, id)
			if err := sc.skipElement(); err != nil {
				return asError(err, 0)
			}
		}
	}
	x.dateStyles = make([]bool, len(xfs))
	for i, id := range xfs {
		code, isCustom := custom[id]
		x.dateStyles[i] = isDateFormat(id, code, isCustom)
	}
	return nil
}

// sharedStrings is the workbook's shared string table, kept as one string
// and the offsets of its items, which costs 4 bytes per item beyond the
// text and lets cells share the text without copying it.
type sharedStrings struct {
	blob string
	off  []uint32 // item i is blob[off[i]:off[i+1]]
}

func (s *sharedStrings) get(i int) (string, bool) {
	if i < 0 || i+1 >= len(s.off) {
		return "", false
	}
	return s.blob[s.off[i]:s.off[i+1]], true
}

func (x *xlsxReader) readSharedStrings(f *zip.File) error {
	const what = "paylaşılan metin tablosu (sharedStrings.xml)"
	limit := x.limits.MaxSharedStringsBytes
	sc, er, err := x.pkg.scanPart(f, what, limit)
	if err != nil {
		return err
	}
	defer er.Close()
	// The text is at most as long as the XML that holds it, so one
	// allocation of the part's size holds it without regrowing (and
	// without the garbage of regrowing); each item takes at least the 9
	// bytes of "<si></si>", which bounds the number of offsets.
	size := int64(f.UncompressedSize64)
	var b strings.Builder
	b.Grow(int(min(size, limit)))
	off := []uint32{0}
	var raw, text []byte
	rawLimit := rawCellLimit(x.limits)
	// add adds the item whose raw text is raw.
	add := func(raw []byte) error {
		t := raw
		if needsDecoding(raw) {
			var err error
			if text, err = appendDecoded(text[:0], raw); err != nil {
				return asError(err, 0)
			}
			t = text
		}
		t = decodeXString(t)
		if len(t) > x.limits.MaxCellLength && utf8.RuneCount(t) > x.limits.MaxCellLength {
			return cellError(0, -1, x.limits.MaxCellLength)
		}
		if int64(b.Len()+len(t)) > limit {
			return sizeError(what, limit)
		}
		b.Write(t)
		off = append(off, uint32(b.Len()))
		return nil
	}
	for {
		if item, ok := sc.fastStringItem(); ok {
			if len(item) > rawLimit {
				return cellError(0, -1, x.limits.MaxCellLength)
			}
			if err := add(item); err != nil {
				return err
			}
			continue
		}
		k, err := sc.next()
		if err != nil {
			return asError(err, 0)
		}
		if k == tokEOF {
			break
		}
		if k != tokStart {
			continue
		}
		switch string(sc.name) {
		case "sst":
			if n, err := strconv.Atoi(attrValue(sc.attrs, "uniqueCount")); err == nil && n > 0 {
				off = make([]uint32, 1, min(int64(n), size/9)+1)
			}
		case "si":
			raw, err = readRichText(sc, raw[:0], rawLimit)
			if errors.Is(err, errCellTooLong) {
				return cellError(0, -1, x.limits.MaxCellLength)
			}
			if err != nil {
				return asError(err, 0)
			}
			if err := add(raw); err != nil {
				return err
			}
		}
	}
	// The markup around the text is most of the part (LibreOffice's
	// <si><t xml:space="preserve"></t></si> is 36 bytes an item: the
	// table of a million rows is 53 MB for 20 MB of text). The text is
	// kept for the whole read, so it is copied to its size when that
	// saves much.
	blob := b.String()
	if b.Cap()-b.Len() > b.Len()/4 {
		blob = strings.Clone(blob)
	}
	x.sst = sharedStrings{blob: blob, off: off}
	return nil
}

// rawCellLimit bounds the raw XML text of one cell: a character takes at
// most 10 bytes as a character reference.
func rawCellLimit(l Limits) int { return l.MaxCellLength*10 + 64 }

// readRichText appends the raw text of a string item (<si> or <is>) whose
// start tag was just read: the <t> elements, directly or in rich text runs
// (<r>), without the phonetic runs (<rPh>) and run properties.
func readRichText(sc *xmlScanner, dst []byte, limit int) ([]byte, error) {
	depth := 1
	for depth > 0 {
		k, err := sc.next()
		if err != nil {
			return dst, err
		}
		switch k {
		case tokStart:
			switch string(sc.name) {
			case "t":
				if dst, err = sc.appendText(dst, limit); err != nil {
					return dst, err
				}
			case "r":
				depth++
			default: // rPh, rPr, phoneticPr and anything unknown
				if err := sc.skipElement(); err != nil {
					return dst, err
				}
			}
		case tokEnd:
			depth--
		case tokEOF:
			return dst, io.ErrUnexpectedEOF
		}
	}
	return dst, nil
}

// findHeader looks for the header row in the visible sheets, in order.
func (x *xlsxReader) findHeader() error {
	var best *Error
	var plausible *candidate
	bestScore := -1
	for i, sh := range x.sheets {
		if sh.hidden {
			x.header.SkippedSheets = append(x.header.SkippedSheets, sh.name)
			continue
		}
		sr, err := x.openSheetAt(i)
		if err != nil {
			return err
		}
		found, score, herr, cand, err := x.scanHeader(sr, i)
		if err != nil {
			sr.close()
			return err
		}
		if found {
			x.useSheet(sr, i)
			return nil
		}
		sr.close()
		x.header.SkippedSheets = append(x.header.SkippedSheets, sh.name)
		if herr != nil && score > bestScore {
			best, bestScore = herr, score
		}
		if cand != nil && cand.better(plausible) {
			plausible = cand
		}
	}
	if plausible != nil {
		return x.keepHeader(plausible)
	}
	if best != nil {
		return best
	}
	return &Error{Code: CodeHeaderNotFound, Message: "Dosyada başlık satırı bulunamadı: görünür sayfaların ilk 10 satırı boş. İlk satıra sütun başlıklarını (" + strings.Join(TemplateHeader(), ", ") + ") yazın ya da boş şablonu indirip kullanın."}
}

// openSheetAt opens the i-th sheet of the workbook.
func (x *xlsxReader) openSheetAt(i int) (*sheetReader, error) {
	sh := x.sheets[i]
	f := x.pkg.part(sh.part)
	if f == nil {
		return nil, corruptError(0, fmt.Errorf("xlsx: missing part %s", sh.part))
	}
	return x.openSheet(f, sh.name)
}

// useSheet makes sr, positioned after the header row, the sheet read.
func (x *xlsxReader) useSheet(sr *sheetReader, i int) {
	x.sheet = sr
	x.header.Format = FormatXLSX
	x.header.Sheet = x.sheets[i].name
	if i, ok := x.header.Mapping.Index(ColConsentDate); ok {
		x.dateCol = i
	}
	sr.dateCol = x.dateCol
	sr.width = x.header.Mapping.Width
}

// keepHeader takes the candidate row as the header although it does not
// map (Options.KeepUnmapped): its sheet is opened again and read up to it.
func (x *xlsxReader) keepHeader(c *candidate) error {
	if c.overflow {
		return columnsError(c.row, x.limits.MaxColumns)
	}
	sr, err := x.openSheetAt(c.sheet)
	if err != nil {
		return err
	}
	sr.width = x.limits.MaxColumns
	for {
		num, err := sr.readRow()
		if err == io.EOF {
			err = corruptError(c.row, errors.New("xlsx: header row gone on second reading"))
		}
		if err != nil {
			sr.close()
			return err
		}
		if num == c.row {
			break
		}
	}
	x.header.SkippedSheets = nil
	for _, sh := range x.sheets[:c.sheet] {
		x.header.SkippedSheets = append(x.header.SkippedSheets, sh.name)
	}
	x.header.Row, x.header.Cells, x.header.Mapping, x.header.Problem = c.row, c.cells, c.mapping, c.err
	x.useSheet(sr, c.sheet)
	return nil
}

// scanHeader reads the first rows of a sheet until one maps. It returns the
// best header error when none does, with its score (recognised columns),
// and, for Options.KeepUnmapped, the most plausible of its rows.
func (x *xlsxReader) scanHeader(sr *sheetReader, sheet int) (found bool, score int, best *Error, plausible *candidate, err error) {
	score = -1
	sr.width = x.limits.MaxColumns
	for {
		num, err := sr.readRow()
		if err == io.EOF {
			return false, score, best, plausible, nil
		}
		if err != nil {
			return false, 0, nil, nil, err
		}
		if num > headerScanRows {
			return false, score, best, plausible, nil
		}
		cells := sr.denseCells(-1)
		if cells == nil {
			continue
		}
		m, herr := x.limits.mapHeader(cells)
		if sr.overflow && (herr == nil || m.recognised() > 0) {
			return false, 0, nil, nil, columnsError(num, x.limits.MaxColumns)
		}
		if herr == nil {
			x.header.Row, x.header.Cells, x.header.Mapping = num, cells[:m.Width], m
			return true, 0, nil, nil, nil
		}
		if s := m.recognised(); s > score {
			score, best = s, asError(herr, num)
		}
		if x.limits.keepUnmapped {
			if c := newCandidate(sheet, num, cells, herr); c.better(plausible) {
				c.overflow = sr.overflow
				plausible = c
			}
		}
	}
}

func (x *xlsxReader) openSheet(f *zip.File, name string) (*sheetReader, error) {
	rc, err := x.pkg.open(f, "çalışma sayfası «"+name+"»", x.limits.MaxSheetBytes)
	if err != nil {
		return nil, err
	}
	return &sheetReader{
		sc: newXMLScanner(rc, partSize(f)), rc: rc, x: x, total: partSize(f), dateCol: -1,
		rawLimit: rawCellLimit(x.limits),
	}, nil
}

// Header implements Reader.
func (x *xlsxReader) Header() Header { return x.header }

// Progress implements Reader.
func (x *xlsxReader) Progress() (done, total int64) {
	if x.sheet == nil {
		return 0, 0
	}
	return x.sheet.sc.read, x.sheet.total
}

// Close implements Reader.
func (x *xlsxReader) Close() error {
	if x.sheet != nil {
		x.sheet.close()
		x.sheet = nil
	}
	return nil
}

// Next implements Reader.
func (x *xlsxReader) Next() (Row, error) {
	sr := x.sheet
	if sr == nil {
		return Row{}, io.EOF
	}
	for {
		num, err := sr.readRow()
		if err != nil {
			return Row{}, err
		}
		cells := sr.denseCells(x.header.Mapping.Width)
		if cells == nil {
			continue
		}
		x.rows++
		if x.rows > x.limits.MaxRows {
			sr.done = true
			return Row{}, rowsError(num, x.limits.MaxRows)
		}
		in := x.header.Mapping.RowInput(cells)
		in.ConsentDateValue = sr.dateValue
		return Row{Number: num, Cells: cells, Input: in}, nil
	}
}

// cell is a non-empty cell of the current row.
type cell struct {
	col  int
	text string
}

// sheetReader streams the rows of one worksheet.
type sheetReader struct {
	sc       *xmlScanner
	rc       io.ReadCloser
	x        *xlsxReader
	total    int64
	rawLimit int

	width   int // cells kept per row: the header's width (MaxColumns while looking for it)
	dateCol int // cell index of izin_tarihi, or -1

	inData  bool
	done    bool
	lastRow int

	// the current row
	cells     []cell
	overflow  bool      // a cell at or beyond width had content
	dateValue time.Time // value of the date cell in dateCol

	raw, text []byte   // scratch
	prev      []string // the previous row's strings by column, for intern
	slab      []string // where the next rows' cells are cut from
}

// slabRows is how many rows' cells one allocation holds. A caller that
// keeps one row keeps its slab alive: at 200 columns, 160 KB.
const slabRows = 50

func (sr *sheetReader) close() { sr.rc.Close() }

// fail turns an error met while reading row into an *Error.
func (sr *sheetReader) fail(err error, col int) error {
	sr.done = true
	if errors.Is(err, errCellTooLong) {
		return cellError(sr.lastRow, col, sr.x.limits.MaxCellLength)
	}
	return asError(err, sr.lastRow)
}

// readRow reads the next <row> and returns its number; the row's cells are
// in sr.cells. It returns io.EOF after the last row.
func (sr *sheetReader) readRow() (int, error) {
	if sr.done {
		return 0, io.EOF
	}
	sc := sr.sc
	for {
		k, err := sc.next()
		if err != nil {
			return 0, sr.fail(err, -1)
		}
		switch k {
		case tokEOF:
			if sr.inData {
				return 0, sr.fail(io.ErrUnexpectedEOF, -1)
			}
			sr.done = true
			return 0, io.EOF
		case tokEnd:
			if string(sc.name) == "sheetData" {
				sr.done = true
				return 0, io.EOF
			}
		case tokStart:
			switch string(sc.name) {
			case "sheetData":
				sr.inData = true
			case "row":
				if !sr.inData {
					continue
				}
				num := sr.lastRow + 1
				if v := attrRaw(sc.attrs, "r"); v != nil {
					n, ok := atoiBytes(v)
					if !ok || n < 1 {
						return 0, sr.fail(fmt.Errorf("xlsx: bad row number %q", v), -1)
					}
					num = n
				}
				sr.lastRow = num
				if err := sr.readCells(); err != nil {
					return 0, err
				}
				return num, nil
			}
		}
	}
}

// readCells reads the cells of the row whose start tag was just read.
func (sr *sheetReader) readCells() error {
	sc := sr.sc
	sr.cells = sr.cells[:0]
	sr.overflow = false
	sr.dateValue = time.Time{}
	col := -1
	for {
		if r, st, t, text, hasValue, ok := sc.fastCell(); ok {
			c, err := newCellHead(r, st, t, col)
			if err != nil {
				return sr.fail(err, col+1)
			}
			col = c.col
			if col >= sr.width {
				sr.overflow = sr.overflow || len(text) > 0
				continue
			}
			if !hasValue {
				continue
			}
			if err := sr.cellText(c, text); err != nil {
				return err
			}
			continue
		}
		k, err := sc.next()
		if err != nil {
			return sr.fail(err, col)
		}
		switch k {
		case tokEOF:
			return sr.fail(io.ErrUnexpectedEOF, col)
		case tokEnd:
			if string(sc.name) == "row" {
				return nil
			}
		case tokStart:
			if string(sc.name) != "c" {
				if err := sc.skipElement(); err != nil {
					return sr.fail(err, col)
				}
				continue
			}
			c, err := parseCellHead(sc.attrs, col)
			if err != nil {
				return sr.fail(err, col+1)
			}
			col = c.col
			if err := sr.readCell(c); err != nil {
				return err
			}
		}
	}
}

// readCell reads the content of a <c> element whose start tag was just read.
func (sr *sheetReader) readCell(c cellHead) error {
	sc := sr.sc
	sr.raw = sr.raw[:0]
	hasV := false
	for done := false; !done; {
		k, err := sc.next()
		if err != nil {
			return sr.fail(err, c.col)
		}
		switch k {
		case tokEOF:
			return sr.fail(io.ErrUnexpectedEOF, c.col)
		case tokEnd:
			done = true // </c>: nested ends are consumed below
		case tokStart:
			switch name := string(sc.name); {
			case (name == "v" || name == "is") && c.col >= sr.width:
				// Right of the header: ignored, but content there
				// matters while looking for the header.
				var text bool
				text, err = sc.skipElementText()
				sr.overflow = sr.overflow || text
			case name == "v":
				hasV = true
				sr.raw, err = sc.appendText(sr.raw[:0], sr.rawLimit)
			case name == "is":
				hasV = true
				sr.raw, err = readRichText(sc, sr.raw[:0], sr.rawLimit)
			default: // f (the formula; its cached value is in v), extLst
				err = sc.skipElement()
			}
			if err != nil {
				return sr.fail(err, c.col)
			}
		}
	}
	if !hasV {
		return nil
	}
	return sr.cellText(c, sr.raw)
}

// cellText interprets the raw text of a cell by its type and style and
// adds the cell to the row.
func (sr *sheetReader) cellText(c cellHead, raw []byte) error {
	col := c.col
	if len(raw) == 0 {
		return nil
	}
	if len(raw) > sr.rawLimit {
		return sr.fail(errCellTooLong, col)
	}
	v := raw
	if needsDecoding(raw) {
		var err error
		if sr.text, err = appendDecoded(sr.text[:0], raw); err != nil {
			return sr.fail(err, col)
		}
		v = sr.text
	}
	var text string
	switch c.typ {
	case cellShared:
		i, ok := atoiBytes(v)
		if !ok {
			return sr.fail(fmt.Errorf("xlsx: bad shared string index %q", v), col)
		}
		if text, ok = sr.x.sst.get(i); !ok {
			return sr.fail(fmt.Errorf("xlsx: shared string %d out of range", i), col)
		}
	case cellInline, cellFormulaText:
		v = decodeXString(v)
		if len(v) > sr.x.limits.MaxCellLength && utf8.RuneCount(v) > sr.x.limits.MaxCellLength {
			return sr.fail(errCellTooLong, col)
		}
		text = sr.intern(col, v)
	case cellBool:
		switch string(v) {
		case "1", "true":
			text = "TRUE"
		case "0", "false":
			text = "FALSE"
		default:
			text = string(v)
		}
	case cellErrorValue:
		text = string(v)
	case cellDate:
		t, dateOnly, ok := parseISODate(string(v))
		if !ok {
			text = string(v)
			break
		}
		text = formatCellTime(t, dateOnly)
		if col == sr.dateCol {
			sr.dateValue = t
		}
	default:
		text = sr.number(v, col, c.style)
	}
	if text == "" {
		return nil
	}
	sr.cells = append(sr.cells, cell{col: col, text: text})
	return nil
}

// needsDecoding reports whether raw XML text has a reference or a carriage
// return for appendDecoded to resolve. Most cell values are a few bytes,
// for which a loop is faster than two calls of bytes.IndexByte.
func needsDecoding(raw []byte) bool {
	if len(raw) > 32 {
		return bytes.IndexByte(raw, '&') >= 0 || bytes.IndexByte(raw, '\r') >= 0
	}
	for _, c := range raw {
		if c == '&' || c == '\r' {
			return true
		}
	}
	return false
}

// number formats a numeric cell: a date when its style has a date format
// (and, in a 1904 workbook, any number in the izin_tarihi column, which
// consent.ParseDate would otherwise read in the 1900 system).
func (sr *sheetReader) number(v []byte, col, style int) string {
	x := sr.x
	isDate := style >= 0 && style < len(x.dateStyles) && x.dateStyles[style]
	if !isDate && !(x.date1904 && col == sr.dateCol) {
		if isPlainInteger(v) {
			return sr.intern(col, v)
		}
		return formatNumber(v)
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(string(v)), 64)
	if err != nil {
		return string(v)
	}
	t, dateOnly, ok := serialToTime(f, x.date1904)
	if !ok {
		if isDate && f >= 0 && f < 1 {
			return formatTimeOfDay(f)
		}
		return formatFloat(f)
	}
	if col == sr.dateCol {
		sr.dateValue = t
	}
	return formatCellTime(t, dateOnly)
}

// intern returns v as a string, reusing the previous row's string of the
// same column when it is the same text: brand codes, recipient types,
// permissions and sources repeat from row to row, and each reuse saves an
// allocation.
func (sr *sheetReader) intern(col int, v []byte) string {
	if col < len(sr.prev) && sr.prev[col] == string(v) {
		return sr.prev[col]
	}
	s := string(v)
	if col < maxInternCols {
		if col >= len(sr.prev) {
			sr.prev = append(sr.prev, make([]string, col+1-len(sr.prev))...)
		}
		sr.prev[col] = s
	}
	return s
}

const maxInternCols = 64

// cellType is a cell's t attribute.
type cellType uint8

const (
	cellNumber      cellType = iota // no t, "n", or a type this reader does not know
	cellShared                      // "s": the value is an index into the shared strings
	cellInline                      // "inlineStr": the text is in <is>
	cellFormulaText                 // "str": a formula's text result
	cellBool                        // "b"
	cellErrorValue                  // "e": #N/A, #DIV/0!, …
	cellDate                        // "d": an ISO 8601 date
)

// cellHead is what a cell's start tag says: its 0-based column, style and
// type.
//
// It is parsed at once into values because the tag's bytes live in the
// scanner's buffer, which the next refill compacts: a type kept as a slice
// of the tag and read after the cell's value read whatever bytes moved
// into its place (issue #15: a phone number read as a shared string
// index, a shared string index or a padded inline string read as a
// number). Nothing read from a tag may outlive the next call to next.
type cellHead struct {
	col   int
	style int
	typ   cellType
}

// parseCellHead reads the r, s and t attributes of a cell's start tag. A
// cell without r is in the column after prev, the previous cell's.
func parseCellHead(attrs []byte, prev int) (cellHead, error) {
	var r, s, t []byte
	for i := 0; i < len(attrs); {
		for i < len(attrs) && isXMLSpace(attrs[i]) {
			i++
		}
		start := i
		for i < len(attrs) && attrs[i] != '=' && !isXMLSpace(attrs[i]) {
			i++
		}
		name := attrs[start:i]
		for i < len(attrs) && (attrs[i] == '=' || isXMLSpace(attrs[i])) {
			i++
		}
		if i >= len(attrs) || attrs[i] != '"' && attrs[i] != '\'' {
			break
		}
		j := bytes.IndexByte(attrs[i+1:], attrs[i])
		if j < 0 {
			break
		}
		val := attrs[i+1 : i+1+j]
		i += j + 2
		if len(name) == 1 && hasByte(val, '&') {
			val = decodedAttr(val) // nobody writes t="&#115;", but it is "s"
		}
		if len(name) == 1 {
			switch name[0] {
			case 'r':
				r = val
			case 's':
				s = val
			case 't':
				t = val
			}
		}
	}
	return newCellHead(r, s, t, prev)
}

// newCellHead interprets the values of a cell's r, s and t attributes
// (nil when absent), with any references resolved. A cell without r is in
// the column after prev.
func newCellHead(r, s, t []byte, prev int) (cellHead, error) {
	c := cellHead{col: prev + 1}
	if r != nil {
		col, ok := refColumn(r)
		if !ok {
			return c, fmt.Errorf("xlsx: bad cell reference %q", r)
		}
		c.col = col
	}
	if s != nil {
		c.style, _ = atoiBytes(s)
	}
	if t != nil {
		c.typ = parseCellType(t)
	}
	return c, nil
}

// hasByte reports whether b, a short attribute value, holds c.
func hasByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

// decodedAttr resolves the references in an attribute value; a malformed
// one leaves the value as it is (and so not a valid reference or type).
func decodedAttr(val []byte) []byte {
	d, err := appendDecoded(nil, val)
	if err != nil {
		return val
	}
	return d
}

func parseCellType(t []byte) cellType {
	switch string(t) {
	case "s":
		return cellShared
	case "inlineStr":
		return cellInline
	case "str":
		return cellFormulaText
	case "b":
		return cellBool
	case "e":
		return cellErrorValue
	case "d":
		return cellDate
	}
	return cellNumber
}

// denseCells returns the current row as one text per cell, width cells
// long (-1: up to the last non-empty cell), or nil when every cell is
// blank.
func (sr *sheetReader) denseCells(width int) []string {
	last := -1
	for _, c := range sr.cells {
		if !blank(c.text) {
			last = max(last, c.col)
		}
	}
	if last < 0 {
		return nil
	}
	if width < 0 {
		width = last + 1
	}
	// The rows' cells are cut from a slab: one allocation for many rows.
	// Each row's slice is capped at its width, so that a caller who
	// appends to it does not write into the next row.
	if len(sr.slab) < width {
		sr.slab = make([]string, width*slabRows)
	}
	cells := sr.slab[:width:width]
	sr.slab = sr.slab[width:]
	for _, c := range sr.cells {
		if c.col < width {
			cells[c.col] = c.text
		}
	}
	return cells
}

// refColumn reads the 0-based column of a cell reference ("C7" → 2; "$C$7"
// too).
func refColumn(ref []byte) (int, bool) {
	col, n := 0, 0
	for _, c := range ref {
		switch {
		case c == '$' && n == 0:
			continue
		case 'A' <= c && c <= 'Z':
			col = col*26 + int(c-'A') + 1
		case 'a' <= c && c <= 'z':
			col = col*26 + int(c-'a') + 1
		default:
			if n == 0 || col > 16384 {
				return 0, false
			}
			return col - 1, true
		}
		n++
		if n > 3 {
			return 0, false
		}
	}
	if n == 0 || col > 16384 {
		return 0, false
	}
	return col - 1, true
}

// attrRaw returns the raw value of an attribute, or nil.
func attrRaw(attrs []byte, want string) []byte {
	for {
		name, val, rest, ok := nextAttr(attrs)
		if !ok {
			return nil
		}
		if string(name) == want {
			return val
		}
		attrs = rest
	}
}

// atoiBytes reads a non-negative decimal integer of at most 9 digits.
func atoiBytes(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
