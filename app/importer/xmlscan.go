package importer

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"
)

// xmlScanner is a small pull tokenizer for the XML of an .xlsx package. It
// is not a validating parser: it knows just enough XML (elements,
// attributes, text, CDATA, comments, processing instructions, the five
// predefined entities and character references) to read SpreadsheetML fast
// and without allocating per token. encoding/xml allocates for every token
// and is the main reason excelize's row iterator is slow.
//
// Element and attribute names are reported without their namespace prefix
// ("x:row" is "row"), which reads both the transitional and the strict
// OOXML namespaces and the prefixed markup some generators write. A DTD is
// refused: no .xlsx part has one, and entity expansion is a classic bomb.
//
// Token data (name, attrs, text) point into the scanner's buffer and are
// valid until the next call to next.
type xmlScanner struct {
	r      io.Reader
	buf    []byte
	pos    int   // first unconsumed byte
	end    int   // end of the data in buf
	read   int64 // bytes read from r
	eof    bool
	err    error // a NUL byte was read: the data ends there
	maxBuf int   // the buffer grows up to this for one tag

	name       []byte // local name of a start or end tag
	attrs      []byte // raw attributes of a start tag
	text       []byte // tokText: raw, undecoded text; tokCDATA: literal text
	selfClose  bool   // the start tag was <name/>; the matching end follows
	pendingEnd bool
}

type tokKind uint8

const (
	tokEOF   tokKind = iota
	tokStart         // <name attrs> or <name attrs/>
	tokEnd           // </name>, also reported after a self-closing tag
	tokText          // character data; long text may come in several tokens
	tokCDATA         // a CDATA section's content
)

// scanMaxTagSize bounds one tag (the buffer grows to hold it).
const scanMaxTagSize = 1 << 20

// scanBufSize is a scanner's initial buffer size, and scanReadMax, when
// positive, caps what one refill reads. They are variables only so that
// tests can make every token straddle a refill; see boundary_test.go.
var (
	scanBufSize = 256 << 10
	scanReadMax = 0
)

var (
	errXMLSyntax     = errors.New("xml: syntax error")
	errXMLDTD        = errors.New("xml: DTD not allowed")
	errXMLTagTooLong = errors.New("xml: tag too long")
	errXMLEntity     = errors.New("xml: unknown entity")
	errXMLNUL        = errors.New("xml: NUL byte")
)

// newXMLScanner returns a scanner over r, whose size is known to be at
// most size bytes (-1: unknown); a small part gets a small buffer.
func newXMLScanner(r io.Reader, size int64) *xmlScanner {
	n := scanBufSize
	if size >= 0 && size+64 < int64(n) {
		n = min(n, max(int(size)+64, 4096))
	}
	return &xmlScanner{r: r, buf: make([]byte, n), maxBuf: scanMaxTagSize + scanBufSize}
}

// fill reads more input after compacting the buffer, growing it when it is
// full (up to maxBuf). Offsets relative to s.pos stay valid.
//
// XML never has a NUL byte (PostgreSQL text cannot hold one either): it
// marks binary or damaged data. The bytes before it are kept, so that the
// error comes from the token, and row, that holds it.
func (s *xmlScanner) fill() error {
	if s.err != nil {
		return s.err
	}
	if s.eof {
		return nil
	}
	if s.pos > 0 {
		s.end = copy(s.buf, s.buf[s.pos:s.end])
		s.pos = 0
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= s.maxBuf {
			return errXMLTagTooLong
		}
		nb := make([]byte, min(2*len(s.buf), s.maxBuf))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	dst := s.buf[s.end:]
	if scanReadMax > 0 && len(dst) > scanReadMax {
		dst = dst[:scanReadMax]
	}
	for range 100 {
		n, err := s.r.Read(dst)
		s.read += int64(n)
		if i := bytes.IndexByte(dst[:n], 0); i >= 0 {
			s.end += i
			s.err = errXMLNUL
			return nil
		}
		s.end += n
		if err == io.EOF {
			s.eof = true
			return nil
		}
		if err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
	}
	return io.ErrNoProgress
}

// next reads the next token.
func (s *xmlScanner) next() (tokKind, error) {
	if s.pendingEnd {
		s.pendingEnd = false
		s.selfClose = false
		return tokEnd, nil
	}
	for {
		if s.pos >= s.end {
			if s.eof {
				return tokEOF, nil
			}
			if err := s.fill(); err != nil {
				return tokEOF, err
			}
			continue
		}
		if s.buf[s.pos] != '<' {
			return s.scanText()
		}
		if s.end-s.pos < 2 {
			if s.eof {
				return tokEOF, errXMLSyntax
			}
			if err := s.fill(); err != nil {
				return tokEOF, err
			}
			continue
		}
		switch s.buf[s.pos+1] {
		case '/':
			return s.scanEnd()
		case '?':
			if err := s.skipPast(2, "?>"); err != nil {
				return tokEOF, err
			}
		case '!':
			k, err := s.scanBang()
			if err != nil || k != tokEOF {
				return k, err
			}
		default:
			return s.scanStart()
		}
	}
}

// scanText reads character data up to the next '<'. When the text does not
// fit the buffer it is returned in pieces.
func (s *xmlScanner) scanText() (tokKind, error) {
	from := 0
	for {
		if i := bytes.IndexByte(s.buf[s.pos+from:s.end], '<'); i >= 0 {
			return s.takeText(from + i), nil
		}
		from = s.end - s.pos
		if s.eof || from >= len(s.buf)/2 {
			return s.takeText(from), nil
		}
		if err := s.fill(); err != nil {
			return tokEOF, err
		}
	}
}

func (s *xmlScanner) takeText(n int) tokKind {
	s.text = s.buf[s.pos : s.pos+n]
	s.pos += n
	return tokText
}

// index returns the offset relative to s.pos of sep at or after the
// relative offset from, reading more input as needed.
func (s *xmlScanner) index(from int, sep string) (int, error) {
	for {
		if i := bytes.Index(s.buf[s.pos+from:s.end], []byte(sep)); i >= 0 {
			return from + i, nil
		}
		if s.eof {
			return -1, errXMLSyntax
		}
		from = max(from, s.end-s.pos-len(sep)+1)
		if err := s.fill(); err != nil {
			return -1, err
		}
	}
}

// skipPast consumes input up to and including sep, searching from the
// relative offset from; it discards what it passes, so a long comment does
// not grow the buffer.
func (s *xmlScanner) skipPast(from int, sep string) error {
	for {
		if i := bytes.Index(s.buf[s.pos+from:s.end], []byte(sep)); i >= 0 {
			s.pos += from + i + len(sep)
			return nil
		}
		if s.eof {
			return errXMLSyntax
		}
		// Keep the last len(sep)-1 bytes, which may begin sep, but none
		// before from: "<!-->-->" is a comment of one ">", whatever the
		// refill boundary.
		s.pos += max(from, s.end-s.pos-(len(sep)-1))
		from = 0
		if err := s.fill(); err != nil {
			return err
		}
	}
}

// need makes sure n bytes from s.pos are in the buffer, if the input has
// them; it reports whether it has them.
func (s *xmlScanner) need(n int) (bool, error) {
	for s.end-s.pos < n {
		if s.eof {
			return false, nil
		}
		if err := s.fill(); err != nil {
			return false, err
		}
	}
	return true, nil
}

// scanBang handles "<!": comments are skipped (tokEOF, nil means "nothing
// to report, go on"), CDATA is returned, a DOCTYPE is refused.
func (s *xmlScanner) scanBang() (tokKind, error) {
	if ok, err := s.need(4); err != nil || !ok {
		return tokEOF, errors.Join(errXMLSyntax, err)
	}
	if bytes.HasPrefix(s.buf[s.pos:s.end], []byte("<!--")) {
		return tokEOF, s.skipPast(4, "-->")
	}
	if ok, err := s.need(9); err != nil || !ok {
		return tokEOF, errors.Join(errXMLSyntax, err)
	}
	rest := s.buf[s.pos:s.end]
	switch {
	case bytes.HasPrefix(rest, []byte("<![CDATA[")):
		i, err := s.index(9, "]]>")
		if err != nil {
			return tokEOF, err
		}
		s.text = s.buf[s.pos+9 : s.pos+i]
		s.pos += i + 3
		return tokCDATA, nil
	case bytes.HasPrefix(rest, []byte("<!DOCTYPE")), bytes.HasPrefix(rest, []byte("<!ENTITY")):
		return tokEOF, errXMLDTD
	}
	return tokEOF, errXMLSyntax
}

func (s *xmlScanner) scanEnd() (tokKind, error) {
	i := 2
	for {
		b := s.buf[s.pos:s.end]
		for ; i < len(b); i++ {
			if b[i] == '>' {
				name := b[2:i]
				for len(name) > 0 && isXMLSpace(name[len(name)-1]) {
					name = name[:len(name)-1]
				}
				if len(name) == 0 {
					return tokEOF, errXMLSyntax
				}
				s.pos += i + 1
				s.name = localName(name)
				return tokEnd, nil
			}
		}
		if s.eof {
			return tokEOF, errXMLSyntax
		}
		if err := s.fill(); err != nil {
			return tokEOF, err
		}
	}
}

func (s *xmlScanner) scanStart() (tokKind, error) {
	i := tagEnd(s.buf[s.pos:s.end])
	if i < 0 {
		var err error
		if i, err = s.tagEndAcrossRefills(); err != nil {
			return tokEOF, err
		}
	}
	tag := s.buf[s.pos+1 : s.pos+i]
	s.pos += i + 1
	s.selfClose = len(tag) > 0 && tag[len(tag)-1] == '/'
	if s.selfClose {
		tag = tag[:len(tag)-1]
		s.pendingEnd = true
	}
	n := 0
	for n < len(tag) && !isXMLSpace(tag[n]) {
		n++
	}
	if n == 0 {
		return tokEOF, errXMLSyntax
	}
	s.name, s.attrs = localName(tag[:n]), tag[n:]
	return tokStart, nil
}

// tagEndAcrossRefills returns the offset from s.pos of the '>' that ends
// the tag starting at s.pos, reading more input as needed. It keeps its
// place and its quote state across refills, so that a long tag (or one
// with an unclosed quote, which runs to the end of the data) is scanned
// once rather than once per refill.
func (s *xmlScanner) tagEndAcrossRefills() (int, error) {
	var q byte
	for i := 1; ; i++ {
		for i >= s.end-s.pos {
			if s.eof {
				return -1, errXMLSyntax
			}
			if err := s.fill(); err != nil {
				return -1, err
			}
		}
		switch c := s.buf[s.pos+i]; {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '>':
			return i, nil
		case c == '"' || c == '\'':
			q = c
		}
	}
}

// fastCell is a fast path for a whole worksheet cell in the shapes nearly
// every writer uses: <c attrs/>, <c attrs></c>, <c attrs><v>text</v></c>
// and <c attrs><is><t attrs>text</t></is></c>, with attributes in their
// plain form (see plainAttr). When the buffer holds the whole cell in one
// of these shapes, it consumes it and returns the raw values of the r, s
// and t attributes and the raw text (hasValue is false for an empty
// cell); otherwise ok is false, nothing is consumed, and the caller reads
// tokens, which give the same result. The slices are valid until the
// next call. Values hold no '&' (plainAttr refuses them).
//
// This is the reader's inner loop, run for every cell of a sheet: one
// vectorised search finds the tag's end, one pass reads its attributes.
func (s *xmlScanner) fastCell() (r, st, t, text []byte, hasValue, ok bool) {
	if s.pendingEnd {
		return
	}
	b := s.buf[s.pos:s.end]
	if len(b) < 4 || b[0] != '<' || b[1] != 'c' {
		return
	}
	// The first '>' ends the tag unless it is in a quoted value; then the
	// value's closing quote is not before it, and the attributes do not
	// parse.
	j := bytes.IndexByte(b[2:], '>')
	if j < 0 {
		return
	}
	j += 2
	selfClose := b[j-1] == '/'
	end := j
	if selfClose {
		end--
	}
	for i := 2; i < end; {
		var name byte
		var val []byte
		if i+4 < end && b[i] == ' ' && isNameByte(b[i+1]) && b[i+2] == '=' && b[i+3] == '"' {
			// the usual form, ` r="A1"`: one letter, double quotes
			name = b[i+1]
			k := i + 4
			for k < end && b[k] != '"' && b[k] != '<' && b[k] != '&' {
				k++
			}
			if k == end || b[k] != '"' {
				return
			}
			val, i = b[i+4:k], k+1
		} else {
			n, v, next := plainAttr(b[:end], i)
			if next < 0 {
				return
			}
			if len(n) == 1 {
				name = n[0]
			}
			val, i = v, next
		}
		switch name {
		case 'r':
			r = val
		case 's':
			st = val
		case 't':
			t = val
		}
	}
	if selfClose {
		s.pos += j + 1
		return r, st, t, nil, false, true
	}
	rest := b[j+1:]
	var start int
	var tail string
	switch {
	case bytes.HasPrefix(rest, []byte("<v>")):
		start, tail = 3, "</v></c>"
	case bytes.HasPrefix(rest, []byte("</c>")):
		s.pos += j + 1 + 4
		return r, st, t, nil, false, true
	case bytes.HasPrefix(rest, []byte("<is><t")):
		k := plainTagEnd(rest, 6)
		if k < 0 {
			return
		}
		start, tail = k+1, "</t></is></c>"
	default:
		return
	}
	k := bytes.IndexByte(rest[start:], '<')
	if k < 0 || !bytes.HasPrefix(rest[start+k:], []byte(tail)) {
		return
	}
	s.pos += j + 1 + start + k + len(tail)
	return r, st, t, rest[start : start+k], true, true
}

// fastStringItem is fastCell's counterpart for the shared strings: when
// the buffer holds a whole item of the usual form <si><t attrs>text</t></si>,
// it consumes it and returns the raw text.
func (s *xmlScanner) fastStringItem() (text []byte, ok bool) {
	const tail = "</t></si>"
	b := s.buf[s.pos:s.end]
	if s.pendingEnd || !bytes.HasPrefix(b, []byte("<si><t")) {
		return nil, false
	}
	j := plainTagEnd(b, 6)
	if j < 0 {
		return nil, false
	}
	k := bytes.IndexByte(b[j+1:], '<')
	if k < 0 || !bytes.HasPrefix(b[j+1+k:], []byte(tail)) {
		return nil, false
	}
	s.pos += j + 1 + k + len(tail)
	return b[j+1 : j+1+k], true
}

// plainTagEnd returns the index of the '>' that ends a start tag whose
// name ends at b[i], when it has only plain attributes (see plainAttr)
// and is not self-closing, or -1.
func plainTagEnd(b []byte, i int) int {
	for i < len(b) && b[i] != '>' {
		_, _, next := plainAttr(b, i)
		if next < 0 {
			return -1
		}
		i = next
	}
	if i == len(b) {
		return -1
	}
	return i
}

// plainAttr reads the attribute at b[i:] in the plain form that fastCell
// takes: white space, a name of letters, digits, '_', '-', '.' or ':',
// '=' (white space around it allowed) and a value in quotes without '<'
// or '&'. It returns the index after it, or -1 for anything else or when
// b ends first. (Whatever it refuses goes the slow way, which reads
// every form.)
func plainAttr(b []byte, i int) (name, val []byte, next int) {
	if i >= len(b) || !isXMLSpace(b[i]) {
		return nil, nil, -1
	}
	for i < len(b) && isXMLSpace(b[i]) {
		i++
	}
	start := i
	for i < len(b) && isNameByte(b[i]) {
		i++
	}
	name = b[start:i]
	for i < len(b) && isXMLSpace(b[i]) {
		i++
	}
	if len(name) == 0 || i >= len(b) || b[i] != '=' {
		return nil, nil, -1
	}
	i++
	for i < len(b) && isXMLSpace(b[i]) {
		i++
	}
	if i >= len(b) || b[i] != '"' && b[i] != '\'' {
		return nil, nil, -1
	}
	q := b[i]
	i++
	start = i
	for i < len(b) && b[i] != q {
		if b[i] == '<' || b[i] == '&' {
			return nil, nil, -1
		}
		i++
	}
	if i >= len(b) {
		return nil, nil, -1
	}
	return name, b[start:i], i + 1
}

func isNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.' || c == ':'
}

// tagEnd returns the index in b of the '>' that ends the tag starting at
// b[0] in the common case, which three vectorised searches settle: a '>'
// with only double quotes before it, balanced. Otherwise (no '>' yet, or
// quotes to follow) it returns -1, and tagEndAcrossRefills finds the end.
func tagEnd(b []byte) int {
	j := bytes.IndexByte(b, '>')
	if j < 0 || bytes.IndexByte(b[:j], '\'') >= 0 || bytes.Count(b[:j], []byte{'"'})%2 != 0 {
		return -1
	}
	return j
}

// skipElement skips the content of the element whose start tag was just
// read, up to and including its end tag.
func (s *xmlScanner) skipElement() error {
	depth := 1
	for depth > 0 {
		k, err := s.next()
		if err != nil {
			return err
		}
		switch k {
		case tokStart:
			depth++
		case tokEnd:
			depth--
		case tokEOF:
			return io.ErrUnexpectedEOF
		}
	}
	return nil
}

// skipElementText skips the content of the element whose start tag was
// just read, as skipElement does, and reports whether it held any text.
func (s *xmlScanner) skipElementText() (bool, error) {
	text := false
	for depth := 1; depth > 0; {
		k, err := s.next()
		if err != nil {
			return false, err
		}
		switch k {
		case tokStart:
			depth++
		case tokEnd:
			depth--
		case tokText, tokCDATA:
			text = text || len(s.text) > 0
		case tokEOF:
			return false, io.ErrUnexpectedEOF
		}
	}
	return text, nil
}

// appendText appends the text content of the element whose start tag was
// just read, up to its end tag, to dst, raw (entities not yet decoded;
// CDATA is escaped so that decoding gives it back). Nested elements are
// skipped. When the raw text exceeds limit bytes, it returns errCellTooLong.
func (s *xmlScanner) appendText(dst []byte, limit int) ([]byte, error) {
	for {
		k, err := s.next()
		if err != nil {
			return dst, err
		}
		switch k {
		case tokText:
			dst = append(dst, s.text...)
		case tokCDATA:
			dst = appendEscaped(dst, s.text)
		case tokStart:
			if err := s.skipElement(); err != nil {
				return dst, err
			}
		case tokEnd:
			return dst, nil
		case tokEOF:
			return dst, io.ErrUnexpectedEOF
		}
		if len(dst) > limit {
			return dst, errCellTooLong
		}
	}
}

var errCellTooLong = errors.New("cell too long")

func localName(b []byte) []byte {
	for i, c := range b {
		if c == ':' {
			return b[i+1:]
		}
	}
	return b
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// nextAttr reads one attribute from raw attribute text: its local name and
// raw value, and the rest. ok is false at the end or at malformed input.
func nextAttr(b []byte) (name, val, rest []byte, ok bool) {
	i := 0
	for i < len(b) && isXMLSpace(b[i]) {
		i++
	}
	start := i
	for i < len(b) && b[i] != '=' && !isXMLSpace(b[i]) {
		i++
	}
	if i == start {
		return nil, nil, nil, false
	}
	name = localName(b[start:i])
	for i < len(b) && isXMLSpace(b[i]) {
		i++
	}
	if i == len(b) || b[i] != '=' {
		return nil, nil, nil, false
	}
	i++
	for i < len(b) && isXMLSpace(b[i]) {
		i++
	}
	if i == len(b) || b[i] != '"' && b[i] != '\'' {
		return nil, nil, nil, false
	}
	q := b[i]
	i++
	j := bytes.IndexByte(b[i:], q)
	if j < 0 {
		return nil, nil, nil, false
	}
	return name, b[i : i+j], b[i+j+1:], true
}

// attrValue returns the decoded value of the attribute with local name
// want, or "".
func attrValue(attrs []byte, want string) string {
	for {
		name, val, rest, ok := nextAttr(attrs)
		if !ok {
			return ""
		}
		if string(name) == want {
			v, err := appendDecoded(nil, val)
			if err != nil {
				return ""
			}
			return string(v)
		}
		attrs = rest
	}
}

// appendEscaped appends text with & and < escaped, so that appendDecoded
// returns it unchanged (used for CDATA, which is literal).
func appendEscaped(dst, text []byte) []byte {
	for _, c := range text {
		switch c {
		case '&':
			dst = append(dst, "&amp;"...)
		case '<':
			dst = append(dst, "&lt;"...)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// appendDecoded appends raw XML character data to dst with entity and
// character references resolved and line ends normalised to "\n", as XML
// requires.
func appendDecoded(dst, raw []byte) ([]byte, error) {
	if bytes.IndexByte(raw, '&') < 0 && bytes.IndexByte(raw, '\r') < 0 {
		return append(dst, raw...), nil
	}
	for i := 0; i < len(raw); {
		c := raw[i]
		switch c {
		case '\r':
			dst = append(dst, '\n')
			i++
			if i < len(raw) && raw[i] == '\n' {
				i++
			}
			continue
		case '&':
		default:
			j := i + 1
			for j < len(raw) && raw[j] != '&' && raw[j] != '\r' {
				j++
			}
			dst = append(dst, raw[i:j]...)
			i = j
			continue
		}
		semi := bytes.IndexByte(raw[i:], ';')
		if semi < 0 || semi > 12 {
			return dst, errXMLEntity
		}
		ent := raw[i+1 : i+semi]
		i += semi + 1
		switch string(ent) {
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "amp":
			dst = append(dst, '&')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			if len(ent) < 2 || ent[0] != '#' {
				return dst, errXMLEntity
			}
			var n uint64
			var err error
			if ent[1] == 'x' || ent[1] == 'X' {
				n, err = strconv.ParseUint(string(ent[2:]), 16, 32)
			} else {
				n, err = strconv.ParseUint(string(ent[1:]), 10, 32)
			}
			if err != nil {
				return dst, errXMLEntity
			}
			r := rune(n)
			if r == 0 || !utf8.ValidRune(r) {
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst, nil
}

// decodeXString resolves the _xHHHH_ escapes with which Office writes
// control characters (and a literal "_x" as "_x005F_x") in strings. It
// returns b itself when there is none, else a new slice.
func decodeXString(b []byte) []byte {
	i := bytes.Index(b, []byte("_x"))
	if i < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	for i >= 0 {
		r, ok := xEscape(b[i:])
		if !ok {
			out = append(out, b[:i+2]...)
			b = b[i+2:]
			i = bytes.Index(b, []byte("_x"))
			continue
		}
		out = append(out, b[:i]...)
		b = b[i+7:]
		if 0xD800 <= r && r < 0xDC00 { // a high surrogate: join a following low one
			if lo, ok := xEscape(b); ok && 0xDC00 <= lo && lo < 0xE000 {
				r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
				b = b[7:]
			}
		}
		if !utf8.ValidRune(r) {
			r = utf8.RuneError
		}
		out = utf8.AppendRune(out, r)
		i = bytes.Index(b, []byte("_x"))
	}
	return append(out, b...)
}

// xEscape reads "_xHHHH_" at the start of b.
func xEscape(b []byte) (rune, bool) {
	if len(b) < 7 || b[0] != '_' || b[1] != 'x' || b[6] != '_' {
		return 0, false
	}
	var r rune
	for _, c := range b[2:6] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
