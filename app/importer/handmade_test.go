package importer

import (
	"strings"
	"testing"
)

// Hand-made workbooks: sheet XML written by hand to hold every form a cell
// takes in SpreadsheetML, as the writers in the wild emit them. The
// differential test reads them against excelize and the boundary test
// splits them at every byte.

// handBook is a hand-made workbook: one sheet, its shared strings and
// styles, and the workbook's date system.
type handBook struct {
	name     string
	sheet    string
	sst      string // "" for none
	styles   string // "" for none
	date1904 bool
}

// parts returns the workbook's parts.
func (b handBook) parts() map[string]string {
	extra := map[string]string{}
	if b.sst != "" {
		extra["xl/sharedStrings.xml"] = b.sst
	}
	if b.styles != "" {
		extra["xl/styles.xml"] = b.styles
	}
	parts := minimalParts([]string{b.sheet}, extra)
	if b.date1904 {
		parts["xl/workbook.xml"] = strings.Replace(parts["xl/workbook.xml"], "<sheets>", `<workbookPr date1904="1"/><sheets>`, 1)
	}
	return parts
}

// xlsx returns the workbook as a zip.
func (b handBook) xlsx(t testing.TB) []byte { return zipParts(t, b.parts()) }

const xmlDecl = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

// handStyles has date styles (1, 2, 3, 7, 8), number formats that are not
// dates (4, 5, 9) and the text format (6).
const handStyles = xmlDecl + `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
	`<numFmts count="4"><numFmt numFmtId="164" formatCode="dd\.mm\.yyyy\ hh:mm"/><numFmt numFmtId="165" formatCode="0.00"/>` +
	`<numFmt numFmtId="166" formatCode="&quot;Tarih: &quot;0"/><numFmt numFmtId="167" formatCode="[$-41F]d\ mmmm\ yyyy;@"/></numFmts>` +
	`<fonts count="1"><font><sz val="11"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills>` +
	`<borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>` +
	`<cellXfs count="10"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="22" applyNumberFormat="1"/>` +
	`<xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="165" applyNumberFormat="1"><alignment horizontal="right"/></xf>` +
	`<xf numFmtId="166" applyNumberFormat="1"/><xf numFmtId="49" applyNumberFormat="1"/><xf numFmtId="167" applyNumberFormat="1"/>` +
	`<xf numFmtId="21" applyNumberFormat="1"/><xf numFmtId="10" applyNumberFormat="1"/></cellXfs></styleSheet>`

// handSST is a shared string table with rich text, phonetic runs, escapes,
// entities, character references, CDATA and significant white space.
const handSST = xmlDecl + `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="12" uniqueCount="12">` +
	`<si><t>marka_kodu</t></si>` +
	`<si><r><rPr><b/><sz val="11"/><rFont val="Calibri"/></rPr><t>Ay</t></r><r><t xml:space="preserve">şe </t></r><rPh sb="0" eb="1"><t>アイ</t></rPh><phoneticPr fontId="1"/></si>` +
	`<si><t>satır_x000D__x000A_iki_x005F_x0041_</t></si>` +
	`<si><t>&#x130;zmir &amp; &lt;Ş&gt; &#305;&quot;&apos;</t></si>` +
	`<si><t xml:space="preserve">  boşluklu  </t></si>` +
	`<si><t/></si>` +
	`<si><t>BIREYSEL</t></si>` +
	`<si><t><![CDATA[a<b & c]]></t></si>` +
	`<si><t>satır1&#10;satır2&#13;&#10;son</t></si>` +
	"<si><t>CR LF\r\nve CR\rbiter</t></si>" +
	`<si><t>ali@example.com</t></si>` +
	`<si><r><t>HS_</t></r><r><rPr><i/></rPr><t>WEB</t></r></si>` +
	`</sst>`

// handHeader is a header row of inline strings (A..K the template, L a
// note column), written the way the row writes its first cell: as a
// shared string.
func handHeader(prefix string) string {
	var b strings.Builder
	b.WriteString(`<` + prefix + `row r="1" spans="1:12">`)
	b.WriteString(`<` + prefix + `c r="A1" t="s"><` + prefix + `v>0</` + prefix + `v></` + prefix + `c>`)
	for i, h := range append(append([]string{}, header11[1:]...), "not") {
		ref := columnLetters(i+1) + "1"
		b.WriteString(`<` + prefix + `c r="` + ref + `" t="inlineStr"><` + prefix + `is><` + prefix + `t>` + h + `</` + prefix + `t></` + prefix + `is></` + prefix + `c>`)
	}
	b.WriteString(`</` + prefix + `row>`)
	return b.String()
}

// handFormsRows are data rows with every form of cell.
const handFormsRows = `` +
	// each type: no t, s (rich text), n, inlineStr with runs, b, e, str
	// with a formula, a date style, a shared string with escapes
	`<row r="2" spans="1:12"><c r="A2"><v>650123</v></c><c r="B2" t="s"><v>6</v></c><c r="C2" t="s"><v>1</v></c><c r="D2" t="s"><v>3</v></c>` +
	`<c r="E2" t="n"><v>905321234567</v></c><c r="F2" t="inlineStr"><is><r><t>ali</t></r><r><rPr><i/></rPr><t>@example.com</t></r></is></c>` +
	`<c r="G2" t="b"><v>1</v></c><c r="H2" t="b"><v>0</v></c><c r="I2" t="e"><v>#DIV/0!</v></c>` +
	`<c r="J2" t="str"><f>"HS_"&amp;"WEB"</f><v>HS_WEB</v></c><c r="K2" s="3"><v>45366.430555555555</v></c><c r="L2" t="s"><v>2</v></c></row>` +
	// sparse cells, self-closing cells, a formula with its cached value
	`<row r="3" spans="1:12"><c r="A3" s="4"><v>1.5</v></c><c r="C3" s="1"/><c r="E3"><f>5300000000+1</f><v>5300000001</v></c><c r="K3" s="1"><v>45366</v></c></row>` +
	// a row and cells without references, white space, CDATA, character
	// references and line ends in shared strings
	`<row><c><v>650123</v></c><c t="inlineStr"><is><t xml:space="preserve"> TACIR </t></is></c><c t="s"><v>4</v></c><c t="s"><v>5</v></c>` +
	`<c t="s"><v>7</v></c><c t="s"><v>8</v></c><c t="s"><v>9</v></c><c t="s"><v>10</v></c><c/><c t="s"><v>11</v></c></row>` +
	// numbers: negative, exponents, float noise, number formats that are
	// not dates, the text format, a percentage, a time of day, dates in
	// custom formats, a date that rounds to the next day
	`<row r="6"><c r="A6"><v>-0.5</v></c><c r="B6"><v>1E-7</v></c><c r="C6"><v>1.5E+15</v></c><c r="D6"><v>0.30000000000000004</v></c>` +
	`<c r="E6"><v>5.321234567E9</v></c><c r="F6" s="5"><v>7</v></c><c r="G6" s="6"><v>12</v></c><c r="H6" s="9"><v>0.25</v></c>` +
	`<c r="I6" s="8"><v>0.5</v></c><c r="J6" s="7"><v>45366</v></c><c r="K6" s="2"><v>45366.999999</v></c></row>` +
	// formulas: a shared formula, one without a cached value, a boolean
	// and an error from formulas, comments and a processing instruction
	`<row r="7"><c r="A7"><f>650000+123</f><v>650123</v></c><c r="B7" t="str"><f>"BIREYSEL"</f><v>BIREYSEL</v></c>` +
	`<!-- a comment between cells --><c r="E7"><f t="shared" ref="E7:E8" si="0">5300000000+ROW()</f><v>5300000007</v></c>` +
	`<c r="F7"><f>A1</f></c><c r="G7" t="b"><f>TRUE()</f><v>1</v></c><?pi between cells?><c r="I7" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>` +
	`<row r="8"><c r="A8"><v>650123</v></c><c r="E8"><f t="shared" si="0"/><v>5300000008</v></c></row>` +
	// entities and character references in inline strings, CDATA split
	// around "]]>", a tab in attribute white space
	`<row r="9"><c r="A9"	t="inlineStr"><is><t>&amp;&lt;&gt;&quot;&apos;&#65;&#x42;</t></is></c>` +
	`<c r="C9" t="inlineStr"><is><t><![CDATA[<cdata> & ]]]]><![CDATA[>]]></t></is></c>` +
	`<c r="F9" t="inlineStr"><is><t>e&#x2D;posta@&#xF6;rnek.com</t></is></c><c r = 'G9' t = 'inlineStr' ><is><t>tek tırnak</t></is></c>` +
	`<c r="J9" t="inlineStr"><is><t>yorum<!-->-->lu</t></is></c><c r="L9" t="inlineStr"><is><t xml:lang="a>b">tırnakta ></t></is></c></row>` +
	// a row of blank cells only
	`<row r="10"><c r="C10" t="inlineStr"><is><t>   </t></is></c><c r="D10" t="s"><v>5</v></c></row>` +
	// cells right of the header
	`<row r="11"><c r="A11"><v>650123</v></c><c r="M11" t="inlineStr"><is><t>sağda</t></is></c><c r="XFD11"><v>1</v></c></row>`

// handBooks are the hand-made workbooks.
var handBooks = []handBook{
	{
		name:   "hücre biçimleri",
		sheet:  xmlDecl + `<worksheet ` + nsMain + `><dimension ref="A1:L11"/><sheetData>` + handHeader("") + handFormsRows + `</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`,
		sst:    handSST,
		styles: handStyles,
	},
	{
		// x:-prefixed SpreadsheetML, as .NET writers emit it, in the
		// sheet and in the shared strings
		name:   "önekli",
		sheet:  xmlDecl + `<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>` + handHeader("x:") + prefixed(handFormsRows) + `</x:sheetData></x:worksheet>`,
		sst:    prefixed(handSST),
		styles: handStyles,
	},
	{
		name:     "1904",
		sheet:    xmlDecl + `<worksheet ` + nsMain + `><sheetData>` + handHeader("") + handRows1904 + `</sheetData></worksheet>`,
		styles:   handStyles,
		sst:      handSST,
		date1904: true,
	},
	{
		name:  "uzun satırlar",
		sheet: wideSheet(),
	},
}

// handRows1904 are dates of a 1904 workbook: date cells, and plain numbers
// in izin_tarihi (which the reader reads as 1904 dates too).
const handRows1904 = `<row r="2"><c r="A2"><v>650123</v></c><c r="B2" t="s"><v>6</v></c><c r="J2" t="s"><v>11</v></c><c r="K2" s="2"><v>43904.430555555555</v></c><c r="L2" s="1"><v>43904</v></c></row>` +
	`<row r="3"><c r="A3"><v>650123</v></c><c r="K3"><v>43904.5</v></c><c r="L3"><v>43904.5</v></c></row>` +
	`<row r="4"><c r="A4"><v>650123</v></c><c r="K4" s="1"><v>0</v></c><c r="L4" s="8"><v>0.75</v></c></row>`

// prefixed puts SpreadsheetML elements into the x: prefix.
func prefixed(xml string) string {
	r := strings.NewReplacer(
		"<sst xmlns=", "<x:sst xmlns:x=", "</sst>", "</x:sst>",
		"<row", "<x:row", "</row>", "</x:row>", "<c ", "<x:c ", "<c>", "<x:c>", "<c/>", "<x:c/>", "</c>", "</x:c>",
		"<v>", "<x:v>", "</v>", "</x:v>", "<f>", "<x:f>", "<f ", "<x:f ", "</f>", "</x:f>",
		"<is>", "<x:is>", "</is>", "</x:is>", "<si>", "<x:si>", "</si>", "</x:si>", "<r>", "<x:r>", "</r>", "</x:r>",
		"<rPr>", "<x:rPr>", "</rPr>", "</x:rPr>", "<t>", "<x:t>", "<t ", "<x:t ", "<t/>", "<x:t/>", "</t>", "</x:t>",
		"<rPh ", "<x:rPh ", "</rPh>", "</x:rPh>", "<phoneticPr ", "<x:phoneticPr ",
		"<b/>", "<x:b/>", "<i/>", "<x:i/>", "<sz ", "<x:sz ", "<rFont ", "<x:rFont ",
	)
	return r.Replace(xml)
}

// wideSheet is a sheet as wide as the column limit, with long rows and a
// cell longer than any buffer of the boundary test.
func wideSheet() string {
	var b strings.Builder
	b.WriteString(xmlDecl + `<worksheet ` + nsMain + `><sheetData><row r="1">`)
	head := append(append([]string{}, header11...), make([]string, DefaultMaxColumns-len(header11))...)
	for i := len(header11); i < len(head); i++ {
		head[i] = "not " + itoa(i)
	}
	for i, h := range head {
		b.WriteString(`<c r="` + columnLetters(i) + `1" t="inlineStr"><is><t>` + h + `</t></is></c>`)
	}
	// styled but empty cells right of the column limit do not make the
	// header too wide
	b.WriteString(`<c r="HA1" s="1"></c><c r="HB1" s="1"/></row>`)
	for r := 2; r <= 6; r++ {
		b.WriteString(`<row r="` + itoa(r) + `">`)
		for c := range head {
			ref := columnLetters(c) + itoa(r)
			switch {
			case c == 0:
				b.WriteString(`<c r="` + ref + `"><v>650123</v></c>`)
			case c == 150 && r == 3:
				b.WriteString(`<c r="` + ref + `" t="inlineStr"><is><t>` + strings.Repeat("uzun metin ", 2000) + `</t></is></c>`)
			case (c+r)%3 == 0:
				b.WriteString(`<c r="` + ref + `"><v>` + itoa(r*1000+c) + `</v></c>`)
			case (c+r)%3 == 1:
				b.WriteString(`<c r="` + ref + `" t="inlineStr"><is><t>` + strings.Repeat("ç", c%17) + itoa(c) + `</t></is></c>`)
			}
		}
		b.WriteString(`</row>`)
	}
	b.WriteString(`</sheetData></worksheet>`)
	return b.String()
}
