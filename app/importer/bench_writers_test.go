package importer

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// BenchmarkWriterFiles reads workbooks as real writers save them: a
// consent list of 1,000,000 rows saved as .xlsx by LibreOffice Calc from
// CSV (issue #15: shared strings, phones as number cells, text dates), and
// one of 200,000 rows written by openpyxl. For each file it measures, in
// the same run:
//
//   - floor: inflating the worksheet and the shared strings to io.Discard,
//     the least any reader of the file must do;
//   - reader: this package's reader, Open and Next to io.EOF;
//   - excelize: excelize's Rows iterator with Columns for every row (about
//     half a minute for the million rows);
//
// each also as a multiple of the floor (x-floor, when the floor ran in the
// same run), with allocations, the peak heap and, on Linux, the peak
// resident set size. The workbooks are generated once (about a minute) and
// kept in os.TempDir for the next runs.
//
//	go test ./app/importer -run '^$' -bench WriterFiles -benchtime 1x
func BenchmarkWriterFiles(b *testing.B) {
	libreOffice := func(n int) func(b *testing.B) string {
		return func(b *testing.B) string {
			program := needLibreOffice(b)
			return cachedWorkbook(b, "libreoffice", n, func(path string) error { return libreOfficeConsentList(program, n, path) })
		}
	}
	openpyxl := func(n int) func(b *testing.B) string {
		return func(b *testing.B) string {
			python := needOpenpyxl(b)
			return cachedWorkbook(b, "openpyxl", n, func(path string) error { return openpyxlConsentList(python, n, false, path) })
		}
	}
	for _, tt := range []struct {
		name string
		rows int
		file func(*testing.B) string
	}{
		{"libreoffice-1M", 1_000_000, libreOffice(1_000_000)},
		{"openpyxl-200k", 200_000, openpyxl(200_000)},
	} {
		b.Run(tt.name, func(b *testing.B) {
			var floor time.Duration
			b.Run("floor", func(b *testing.B) {
				path := tt.file(b)
				measure(b, func() int64 { return inflateParts(b, path) })
				floor = b.Elapsed() / time.Duration(b.N)
			})
			reportRatio := func(b *testing.B) {
				if floor > 0 {
					b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(floor), "x-floor")
				}
			}
			b.Run("reader", func(b *testing.B) {
				path := tt.file(b)
				measure(b, func() int64 {
					if n := readFile(b, path, nil); n != tt.rows {
						b.Fatalf("read %d rows, want %d", n, tt.rows)
					}
					return 0
				})
				reportRatio(b)
			})
			b.Run("excelize", func(b *testing.B) {
				path := tt.file(b)
				measure(b, func() int64 {
					if n := excelizeRows(b, path); n != tt.rows+1 {
						b.Fatalf("excelize read %d rows, want %d", n, tt.rows+1)
					}
					return 0
				})
				reportRatio(b)
			})
		})
	}
}

// cachedWorkbook returns the path of a generated workbook kept in
// os.TempDir under its writer's name and row count, generating it when it
// is not there yet.
func cachedWorkbook(b *testing.B, writer string, rows int, gen func(path string) error) string {
	b.Helper()
	path := filepath.Join(os.TempDir(), "iysgate-importer-bench-v1-"+writer+"-"+strconv.Itoa(rows)+".xlsx")
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return path
	}
	start := time.Now()
	tmp := path + ".tmp" + strconv.Itoa(os.Getpid())
	if err := gen(tmp); err != nil {
		os.Remove(tmp)
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	st, _ := os.Stat(path)
	b.Logf("generated %s: %.1f MB in %v", path, float64(st.Size())/(1<<20), time.Since(start).Round(time.Second))
	return path
}

// measure runs f in a benchmark loop and reports allocations, the peak
// heap in use, the peak resident set size (Linux) and, if f returns a
// byte count, the throughput.
func measure(b *testing.B, f func() int64) {
	b.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	rss := resetPeakRSS()
	peak := startHeapPeak()
	b.ReportAllocs()
	var n int64
	for b.Loop() {
		n = f()
	}
	b.SetBytes(n)
	b.ReportMetric(float64(peak.end())/(1<<20), "peak-heap-MB")
	if rss {
		if kb, ok := peakRSSKB(); ok {
			b.ReportMetric(float64(kb)/1024, "peak-RSS-MB")
		}
	}
}

// resetPeakRSS resets the kernel's record of the process's peak resident
// set size (VmHWM), so that it measures what follows.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// peakRSSKB reads the peak resident set size, in KiB, since the last reset.
func peakRSSKB() (int64, bool) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb, err == nil
		}
	}
	return 0, false
}

// inflateParts decompresses the worksheets and the shared strings of the
// workbook at path to io.Discard and returns their size.
func inflateParts(b *testing.B, path string) int64 {
	zr, err := zip.OpenReader(path)
	if err != nil {
		b.Fatal(err)
	}
	defer zr.Close()
	var total int64
	for _, f := range zr.File {
		name := strings.ToLower(f.Name)
		if !strings.HasPrefix(name, "xl/worksheets/sheet") && name != "xl/sharedstrings.xml" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			b.Fatal(err)
		}
		total += n
	}
	return total
}

// excelizeRows reads every row of the first sheet with excelize's Rows
// iterator and returns how many it read.
func excelizeRows(b *testing.B, path string) int {
	f, err := excelize.OpenFile(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rows, err := f.Rows(f.GetSheetList()[0])
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if _, err := rows.Columns(); err != nil {
			b.Fatal(err)
		}
		n++
	}
	return n
}
