package importer

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"iysgate/app/consent"
)

// Benchmarks read generated workbooks of a million rows. The files are
// generated once per test binary run, only when a benchmark needs them,
// into a temporary directory that TestMain removes.
//
//	go test ./app/importer -run '^$' -bench . -benchtime 1x

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

var (
	benchDir     string
	benchDirOnce sync.Once
	benchFiles   sync.Map // name → *benchFile
)

type benchFile struct {
	once sync.Once
	path string
	err  error
}

// benchPath returns the path of a generated file, generating it on first
// use.
func benchPath(b *testing.B, name string, gen func(path string) error) string {
	b.Helper()
	benchDirOnce.Do(func() {
		var err error
		if benchDir, err = os.MkdirTemp("", "iysgate-importer-bench-"); err != nil {
			b.Fatal(err)
		}
	})
	v, _ := benchFiles.LoadOrStore(name, &benchFile{})
	bf := v.(*benchFile)
	bf.once.Do(func() {
		bf.path = filepath.Join(benchDir, name)
		start := time.Now()
		bf.err = gen(bf.path)
		if st, err := os.Stat(bf.path); err == nil {
			b.Logf("generated %s: %.1f MB in %v", name, float64(st.Size())/(1<<20), time.Since(start).Round(time.Millisecond))
		}
	})
	if bf.err != nil {
		b.Fatal(bf.err)
	}
	return bf.path
}

var (
	benchFirst   = []string{"Ayşe", "Mehmet", "Fatma", "Mustafa", "Emine", "Ahmet", "Hatice", "Ali", "Zeynep", "Hüseyin", "Elif", "Can"}
	benchLast    = []string{"Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım", "Öztürk", "Aydın", "Özdemir", "Arslan", "Doğan"}
	benchStatus  = []string{"ONAY", "ONAY", "ONAY", "RET", ""}
	benchSources = []string{"HS_WEB", "HS_FIZIKSEL_ORTAM", "HS_ISLAK_IMZA", "HS_CAGRI_MERKEZI", "HS_MOBIL", "HS_ETKINLIK"}
	benchSigned  = time.Date(2025, 6, 11, 9, 0, 0, 0, time.UTC)
)

// benchRow returns the cells of generated row i: phones alternately as
// numbers and as text, every tenth row without an e-mail address, dates as
// date values.
func benchRow(i int, vals []any) []any {
	vals = vals[:0]
	rt := "BIREYSEL"
	if i%7 == 0 {
		rt = "TACIR"
	}
	var phone any = int64(5300000000 + i)
	if i%2 == 1 {
		phone = fmt.Sprintf("0%d %03d %02d %02d", 530+i%10, i/10000%1000, i/100%100, i%100)
	}
	email := ""
	if i%10 != 0 {
		email = "kisi" + strconv.Itoa(i) + "@example.com"
	}
	return append(vals, 650123, rt, benchFirst[i%len(benchFirst)], benchLast[i/3%len(benchLast)], phone, email,
		benchStatus[i%5], benchStatus[i/5%5], benchStatus[i/25%5], benchSources[i%len(benchSources)],
		benchSigned.Add(time.Duration(i%36000)*time.Second))
}

// genStreamXLSX writes n rows with excelize's StreamWriter (inline
// strings, as excelize and many exporting programs write them).
func genStreamXLSX(n int) func(path string) error {
	return func(path string) error {
		f := excelize.NewFile()
		defer f.Close()
		sw, err := f.NewStreamWriter("Sheet1")
		if err != nil {
			return err
		}
		head := make([]any, len(header11))
		for i, h := range header11 {
			head[i] = h
		}
		if err := sw.SetRow("A1", head); err != nil {
			return err
		}
		dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 22})
		if err != nil {
			return err
		}
		var vals []any
		for i := range n {
			vals = benchRow(i, vals)
			vals[10] = excelize.Cell{StyleID: dateStyle, Value: vals[10]}
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			if err := sw.SetRow(cell, vals); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
		return f.SaveAs(path)
	}
}

// genSharedXLSX writes n rows the way Excel does: strings in the shared
// string table, phones and dates as numbers (dates with a date style). It
// writes the XML directly, which takes seconds rather than minutes.
func genSharedXLSX(n int) func(path string) error {
	return func(path string) error {
		out, err := os.Create(path)
		if err != nil {
			return err
		}
		defer out.Close()
		zw := zip.NewWriter(out)
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
		for name, content := range minimalParts(nil, map[string]string{
			"xl/workbook.xml":            `<workbook ` + nsMain + `><sheets><sheet name="Liste" sheetId="1" r:id="rId1"/></sheets></workbook>`,
			"xl/_rels/workbook.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="` + relDoc + `worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="` + relDoc + `styles" Target="styles.xml"/><Relationship Id="rId3" Type="` + relDoc + `sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
			"xl/styles.xml":              `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="22" applyNumberFormat="1"/></cellXfs></styleSheet>`,
		}) {
			w, err := zw.Create(name)
			if err != nil {
				return err
			}
			io.WriteString(w, content)
		}
		sst := map[string]int{}
		var order []string
		idx := func(s string) int {
			if i, ok := sst[s]; ok {
				return i
			}
			sst[s] = len(order)
			order = append(order, s)
			return len(order) - 1
		}
		w, err := zw.Create("xl/worksheets/sheet1.xml")
		if err != nil {
			return err
		}
		bw := bufio.NewWriterSize(w, 1<<20)
		bw.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<worksheet ` + nsMain + `><dimension ref="A1:K` + strconv.Itoa(n+1) + `"/><sheetData>`)
		writeRow := func(r int, vals []any) {
			bw.WriteString(`<row r="` + strconv.Itoa(r) + `" spans="1:11">`)
			for c, v := range vals {
				ref := columnLetters(c) + strconv.Itoa(r)
				switch v := v.(type) {
				case string:
					if v == "" {
						continue
					}
					bw.WriteString(`<c r="` + ref + `" t="s"><v>` + strconv.Itoa(idx(v)) + `</v></c>`)
				case int:
					bw.WriteString(`<c r="` + ref + `"><v>` + strconv.Itoa(v) + `</v></c>`)
				case int64:
					bw.WriteString(`<c r="` + ref + `"><v>` + strconv.FormatInt(v, 10) + `</v></c>`)
				case time.Time:
					serial := float64(v.Sub(epoch1900)) / float64(24*time.Hour)
					bw.WriteString(`<c r="` + ref + `" s="1"><v>` + strconv.FormatFloat(serial, 'f', -1, 64) + `</v></c>`)
				}
			}
			bw.WriteString(`</row>`)
		}
		head := make([]any, len(header11))
		for i, h := range header11 {
			head[i] = h
		}
		writeRow(1, head)
		var vals []any
		for i := range n {
			vals = benchRow(i, vals)
			writeRow(i+2, vals)
		}
		bw.WriteString(`</sheetData></worksheet>`)
		if err := bw.Flush(); err != nil {
			return err
		}
		w, err = zw.Create("xl/sharedStrings.xml")
		if err != nil {
			return err
		}
		bw = bufio.NewWriterSize(w, 1<<20)
		bw.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="` + strconv.Itoa(len(order)) + `">`)
		for _, s := range order {
			bw.WriteString(`<si><t>` + xmlEscape(s) + `</t></si>`)
		}
		bw.WriteString(`</sst>`)
		if err := bw.Flush(); err != nil {
			return err
		}
		return zw.Close()
	}
}

// genCSV writes n rows as Turkish Excel's "CSV UTF-8" does.
func genCSV(n int) func(path string) error {
	return func(path string) error {
		out, err := os.Create(path)
		if err != nil {
			return err
		}
		defer out.Close()
		bw := bufio.NewWriterSize(out, 1<<20)
		bw.WriteString("\xEF\xBB\xBF")
		for i, h := range header11 {
			if i > 0 {
				bw.WriteByte(';')
			}
			bw.WriteString(h)
		}
		bw.WriteString("\r\n")
		var vals []any
		for i := range n {
			vals = benchRow(i, vals)
			for c, v := range vals {
				if c > 0 {
					bw.WriteByte(';')
				}
				switch v := v.(type) {
				case time.Time:
					bw.WriteString(v.Format("02.01.2006 15:04"))
				default:
					fmt.Fprint(bw, v)
				}
			}
			bw.WriteString("\r\n")
		}
		return bw.Flush()
	}
}

// heapPeak samples HeapInuse while a benchmark runs.
type heapPeak struct {
	stop chan struct{}
	done chan uint64
}

func startHeapPeak() *heapPeak {
	h := &heapPeak{stop: make(chan struct{}), done: make(chan uint64)}
	go func() {
		var ms runtime.MemStats
		var peak uint64
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-h.stop:
				h.done <- peak
				return
			case <-t.C:
			}
		}
	}()
	return h
}

func (h *heapPeak) end() uint64 { close(h.stop); return <-h.done }

// benchRead runs read, which returns the number of rows it read, and
// reports rows per second and the peak heap in use.
func benchRead(b *testing.B, want int, read func(b *testing.B) int) {
	b.Helper()
	// Twice: the generator's garbage may wait for finalizers.
	runtime.GC()
	runtime.GC()
	peak := startHeapPeak()
	b.ReportAllocs()
	for b.Loop() {
		if n := read(b); n != want {
			b.Fatalf("read %d rows, want %d", n, want)
		}
	}
	b.ReportMetric(float64(want)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak.end())/(1<<20), "peak-heap-MB")
}

// readFile reads every row of a file with Open and calls each for it.
func readFile(b *testing.B, path string, each func(Row)) int {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	r, err := Open(f, st.Size(), path, Limits{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	n := 0
	for {
		row, err := r.Next()
		if err == io.EOF {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
		if each != nil {
			each(row)
		}
		n++
	}
}

const (
	benchMillion = 1_000_000
	benchSmall   = 100_000
)

// BenchmarkRead reads a million rows with this package's reader: from a
// workbook written by excelize's StreamWriter (inline strings), one written
// as Excel writes (shared strings), and a CSV file.
func BenchmarkRead(b *testing.B) {
	b.Run("xlsx-inline-1M", func(b *testing.B) {
		path := benchPath(b, "stream-1m.xlsx", genStreamXLSX(benchMillion))
		benchRead(b, benchMillion, func(b *testing.B) int { return readFile(b, path, nil) })
	})
	b.Run("xlsx-shared-1M", func(b *testing.B) {
		path := benchPath(b, "shared-1m.xlsx", genSharedXLSX(benchMillion))
		benchRead(b, benchMillion, func(b *testing.B) int { return readFile(b, path, nil) })
	})
	b.Run("xlsx-unzip-only-1M", func(b *testing.B) {
		// The floor: decompressing the worksheet, nothing else.
		path := benchPath(b, "shared-1m.xlsx", genSharedXLSX(benchMillion))
		b.ReportAllocs()
		for b.Loop() {
			zr, err := zip.OpenReader(path)
			if err != nil {
				b.Fatal(err)
			}
			for _, f := range zr.File {
				if f.Name == "xl/worksheets/sheet1.xml" {
					rc, _ := f.Open()
					n, err := io.Copy(io.Discard, rc)
					rc.Close()
					if err != nil {
						b.Fatal(err)
					}
					b.SetBytes(n)
				}
			}
			zr.Close()
		}
	})
	b.Run("csv-1M", func(b *testing.B) {
		path := benchPath(b, "1m.csv", genCSV(benchMillion))
		benchRead(b, benchMillion, func(b *testing.B) int { return readFile(b, path, nil) })
	})
}

// BenchmarkReadValidate reads a million rows and validates each with
// consent.ValidateRow, the parse stage's CPU work without the database.
func BenchmarkReadValidate(b *testing.B) {
	path := benchPath(b, "shared-1m.xlsx", genSharedXLSX(benchMillion))
	now := time.Date(2025, 6, 12, 15, 0, 0, 0, consent.Location())
	cal := consent.DefaultCalendar()
	benchRead(b, benchMillion, func(b *testing.B) int {
		items := 0
		n := readFile(b, path, func(row Row) {
			res := consent.ValidateRow(row.Input, now, cal)
			items += len(res.Items)
		})
		if items < benchMillion {
			b.Fatalf("%d consents from %d rows", items, n)
		}
		return n
	})
}

// BenchmarkExcelizeComparison reads the same 100,000-row workbook (written
// by excelize's StreamWriter) with this package's reader and with
// excelize's Rows iterator, the reference.
func BenchmarkExcelizeComparison(b *testing.B) {
	b.Run("importer-100k", func(b *testing.B) {
		path := benchPath(b, "stream-100k.xlsx", genStreamXLSX(benchSmall))
		benchRead(b, benchSmall, func(b *testing.B) int { return readFile(b, path, nil) })
	})
	b.Run("excelize-Rows-100k", func(b *testing.B) {
		path := benchPath(b, "stream-100k.xlsx", genStreamXLSX(benchSmall))
		benchRead(b, benchSmall, func(b *testing.B) int {
			f, err := excelize.OpenFile(path)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			rows, err := f.Rows("Sheet1")
			if err != nil {
				b.Fatal(err)
			}
			defer rows.Close()
			n := -1 // the header row
			for rows.Next() {
				if _, err := rows.Columns(); err != nil {
					b.Fatal(err)
				}
				n++
			}
			return n
		})
	})
}
