package server_test

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// BenchmarkPipeline measures the whole import pipeline on one workbook
// written by LibreOffice, as users' files are: IYSGATE_BENCH_PIPELINE_ROWS
// rows (default 1,000,000), phones as number cells, dates as text, shared
// strings. In one run on the same file it reports (1) floor_s: only
// inflating the sheet and the shared strings; (2) excelize_s: excelize's
// row iterator over the file; (3) preview_s: upload to preview through
// iysgate (HTTP, River, PostgreSQL), with ratio = preview_s / floor_s and
// peakRSS_MB, the test process's peak resident set during it (iysgate runs
// in it; PostgreSQL's memory is not counted); (4) approve_s: the approval
// job, from the 202 to approved. Skipped without soffice (Debian's
// libreoffice-calc-nogui).
//
//	go test ./app/server -run '^$' -bench Pipeline -benchtime 1x -timeout 60m -v
func BenchmarkPipeline(b *testing.B) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		b.Skip("soffice is not installed (apt-get install libreoffice-calc-nogui)")
	}
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("IYSGATE_BENCH_PIPELINE_ROWS")); err == nil && v > 0 {
		n = v
	}
	dir := b.TempDir()
	path := sofficeWorkbook(b, soffice, dir, n, "700200")
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	floor := inflateFloor(b, data)
	excel := excelizeRows(b, path, n)
	b.Logf("%d rows, %.1f MB: floor %s, excelize %s", n, float64(len(data))/(1<<20), floor.Round(time.Millisecond), excel.Round(time.Millisecond))

	e := newEnv(b)
	br := e.brand("Firma", "Marka", "700200")
	if _, err := e.st.Pool().Exec(b.Context(), "UPDATE subscriptions SET units = 100000000 WHERE company_id = $1", br.CompanyID); err != nil {
		b.Fatal(err)
	}
	u := e.user("y@ornek.com.tr", "yonetici", br.ID)
	api := e.apiClient(u)
	b.ResetTimer()
	for b.Loop() {
		runtime.GC()
		debug.FreeOSMemory()
		os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // reset the peak RSS
		start := time.Now()
		id := upload(e.t, api, "bench.xlsx", data)
		v := waitImportFor(e.t, api, id, 30*time.Minute)
		if v.Status != "preview" {
			b.Fatalf("import ended %s: %+v", v.Status, v.Error)
		}
		preview := time.Since(start)
		rss := peakRSS()
		start = time.Now()
		r := api.postJSON("/api/v1/imports/"+itoa(id)+"/approve", map[string]any{"mode": "all", "confirmed": true})
		if r.status != http.StatusAccepted {
			b.Fatalf("approve: %d %s", r.status, r.body)
		}
		if v = waitImportFor(e.t, api, id, 30*time.Minute); v.Status != "approved" && v.Status != "sending" && v.Status != "done" {
			b.Fatalf("approval ended %s: %+v", v.Status, v.Error)
		}
		approve := time.Since(start)
		b.ReportMetric(floor.Seconds(), "floor_s")
		b.ReportMetric(excel.Seconds(), "excelize_s")
		b.ReportMetric(preview.Seconds(), "preview_s")
		b.ReportMetric(preview.Seconds()/floor.Seconds(), "ratio")
		b.ReportMetric(rss, "peakRSS_MB")
		b.ReportMetric(approve.Seconds(), "approve_s")
		b.Logf("preview %s (%.2f× the floor), peak RSS %.0f MB, approval %s", preview.Round(time.Millisecond),
			preview.Seconds()/floor.Seconds(), rss, approve.Round(time.Millisecond))
	}
}

// sofficeWorkbook writes n rows as CSV and has LibreOffice convert them to
// xlsx: the phone column (5) standard, so numbers; the date column (11)
// text.
func sofficeWorkbook(b *testing.B, soffice, dir string, n int, brandCode string) string {
	b.Helper()
	csvPath := filepath.Join(dir, "pipeline.csv")
	f, err := os.Create(csvPath)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "marka_kodu,alici_tipi,ad,soyad,telefon,eposta,arama_izni,mesaj_izni,eposta_izni,izin_kaynagi,izin_tarihi")
	date := time.Now().Add(-3 * time.Hour).Format("02.01.2006 15:04:05")
	for i := range n {
		email := ""
		if i%3 == 0 {
			email = fmt.Sprintf("kisi%d@ornek.com.tr", i)
		}
		fmt.Fprintf(w, "%s,BIREYSEL,Ayşe,Yılmaz,532%07d,%s,ONAY,ONAY,ONAY,HS_WEB,%s\n", brandCode, i, email, date)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	start := time.Now()
	cmd := exec.Command(soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "lo-profile"), "--headless",
		"--infilter=CSV:44,34,76,1,11/2", "--convert-to", "xlsx", "--outdir", dir, csvPath)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("soffice: %v\n%s", err, out)
	}
	b.Logf("soffice wrote %d rows in %s", n, time.Since(start).Round(time.Second))
	return strings.TrimSuffix(csvPath, ".csv") + ".xlsx"
}

// inflateFloor is the time to merely decompress the worksheets and the
// shared strings.
func inflateFloor(b *testing.B, data []byte) time.Duration {
	b.Helper()
	zr, err := zip.NewReader(strings.NewReader(string(data)), int64(len(data)))
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "xl/worksheets/") || f.Name == "xl/sharedStrings.xml" {
			rc, err := f.Open()
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, rc)
			rc.Close()
		}
	}
	return time.Since(start)
}

// excelizeRows is the time of excelize's row iterator over the file.
func excelizeRows(b *testing.B, path string, want int) time.Duration {
	b.Helper()
	start := time.Now()
	f, err := excelize.OpenFile(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rows, err := f.Rows(f.GetSheetName(0))
	if err != nil {
		b.Fatal(err)
	}
	got := 0
	for rows.Next() {
		if _, err := rows.Columns(); err != nil {
			b.Fatal(err)
		}
		got++
	}
	rows.Close()
	if got != want+1 {
		b.Fatalf("excelize read %d rows, want %d", got, want+1)
	}
	return time.Since(start)
}
