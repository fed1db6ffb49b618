package server_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// genWorkbook writes an n-row workbook in the template's columns with a
// realistic mix: most rows valid, many auto-correctable (phones written
// 0532…, dates as text), and every kind of error now and then.
func genWorkbook(b *testing.B, n int, brandCode string) []byte {
	b.Helper()
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	header := []any{"marka_kodu", "alici_tipi", "ad", "soyad", "telefon", "eposta", "arama_izni", "mesaj_izni", "eposta_izni", "izin_kaynagi", "izin_tarihi"}
	sw.SetRow("A1", header)
	rng := rand.New(rand.NewPCG(1, 2))
	date := time.Now().Add(-3 * time.Hour).Format("02.01.2006 15:04:05")
	for i := range n {
		phone := fmt.Sprintf("+90532%07d", i)
		row := []any{brandCode, "BIREYSEL", "Ayşe", "Yılmaz", phone, fmt.Sprintf("kisi%d@ornek.com.tr", i), "ONAY", "ONAY", "ONAY", "HS_WEB", date}
		switch k := rng.IntN(100); {
		case k < 40: // auto-corrected phone
			row[4] = fmt.Sprintf("0532 %03d %02d %02d", i/10000%1000, i/100%100, i%100)
		case k < 45:
			row[4] = "12345" // malformed phone
		case k < 48:
			row[0] = "999999" // not our brand
		case k < 50:
			row[10] = "01.01.2014 10:00:00" // before 2015
		case k < 52:
			row[6] = "RET" // first record RET
		case k < 55:
			row[9] = "IYS_WEB" // citizen source
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// peakRSS reads the process's peak resident set (VmHWM) in MB.
func peakRSS() float64 {
	data, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			kb, _ := strconv.Atoi(strings.Fields(l)[1])
			return float64(kb) / 1024
		}
	}
	return 0
}

// BenchmarkImportToPreview measures upload-to-preview-ready through the
// real server, River and PostgreSQL, for each size in
// IYSGATE_BENCH_IMPORT_ROWS (default 2500,100000), and reports rows/s,
// the peak RSS of the iysgate process during the import (PostgreSQL's own
// memory is not counted), and the time to merely decompress the sheet.
//
//	IYSGATE_BENCH_IMPORT_ROWS=2500,100000,1000000 go test ./app/server -run '^$' -bench ImportToPreview -benchtime 1x -timeout 30m
func BenchmarkImportToPreview(b *testing.B) {
	sizes := os.Getenv("IYSGATE_BENCH_IMPORT_ROWS")
	if sizes == "" {
		sizes = "2500,100000"
	}
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			e := newEnv(b)
			br := e.brand("Firma", "Marka", "700100")
			u := e.user("p@ornek.com.tr", "personel", br.ID)
			api := e.apiClient(u)
			data := genWorkbook(b, n, "700100")
			unzip := sheetUnzipTime(b, data)
			b.ResetTimer()
			for b.Loop() {
				os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // reset the peak RSS
				start := time.Now()
				id := upload(e.t, api, "bench.xlsx", data)
				v := waitImportFor(e.t, api, id, 30*time.Minute)
				if v.Status != "preview" {
					b.Fatalf("import ended %s: %+v", v.Status, v.Error)
				}
				el := time.Since(start)
				b.ReportMetric(float64(n)/el.Seconds(), "rows/s")
				b.ReportMetric(peakRSS(), "peakRSS_MB")
				b.ReportMetric(unzip.Seconds(), "unzip_s")
				b.ReportMetric(float64(len(data))/(1<<20), "file_MB")
			}
		})
	}
}

func sheetUnzipTime(b *testing.B, data []byte) time.Duration {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "xl/worksheets/") {
			rc, _ := f.Open()
			io.Copy(io.Discard, rc)
			rc.Close()
		}
	}
	return time.Since(start)
}
