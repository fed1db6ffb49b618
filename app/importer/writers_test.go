package importer

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// Third-party writers for the differential tests and the benchmarks:
// LibreOffice Calc and openpyxl write the workbooks users upload. Outside
// CI a test that needs a missing writer skips; in CI (CI=true) it fails,
// as the Makefile installs them.

// needWriter returns the path found by find, or skips (fails in CI).
func needWriter(tb testing.TB, what, install string, find func() string) string {
	tb.Helper()
	if p := find(); p != "" {
		return p
	}
	if os.Getenv("CI") != "" {
		tb.Fatalf("%s not found (apt-get install %s)", what, install)
	}
	tb.Skipf("%s bulunamadı, test atlandı (Debian: apt-get install %s)", what, install)
	return ""
}

// soffice is LibreOffice's program, or "".
var soffice = sync.OnceValue(func() string {
	for _, name := range []string{"soffice", "libreoffice"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
})

// openpyxlPython is a Python interpreter that can import openpyxl, or "".
// Debian's python3-openpyxl belongs to /usr/bin/python3, which need not be
// the python3 first on PATH.
var openpyxlPython = sync.OnceValue(func() string {
	candidates := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	for _, p := range candidates {
		if exec.Command(p, "-c", "import openpyxl").Run() == nil {
			return p
		}
	}
	return ""
})

func needLibreOffice(tb testing.TB) string {
	return needWriter(tb, "LibreOffice Calc (soffice)", "libreoffice-calc-nogui", soffice)
}

func needOpenpyxl(tb testing.TB) string {
	return needWriter(tb, "openpyxl", "python3-openpyxl", openpyxlPython)
}

// libreOfficeConvert saves src (a CSV file, or a workbook) as .xlsx in
// outDir with LibreOffice Calc, as "Save as" does, and returns the new
// file's path. CSV is read as UTF-8 with ',' and '"'. A private profile
// keeps it from joining a LibreOffice that is already running.
func libreOfficeConvert(program, src, outDir string) (string, error) {
	profile, err := os.MkdirTemp("", "iysgate-lo-profile-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(profile)
	args := []string{"-env:UserInstallation=" + (&url.URL{Scheme: "file", Path: profile}).String(), "--headless", "--norestore"}
	if strings.EqualFold(filepath.Ext(src), ".csv") {
		args = append(args, "--infilter=CSV:44,34,76,1")
	}
	args = append(args, "--convert-to", "xlsx", "--outdir", outDir, src)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, program, args...).CombinedOutput()
	dst := filepath.Join(outDir, strings.TrimSuffix(filepath.Base(src), filepath.Ext(src))+".xlsx")
	if _, serr := os.Stat(dst); err != nil || serr != nil {
		return "", fmt.Errorf("soffice %s: %v %v\n%s", src, err, serr, out)
	}
	return dst, nil
}

// consentCSVHeader is the header of a consent list as users write it.
const consentCSVHeader = "Ad,Soyad,Telefon,E-Posta,İzin Durumu,İzin Tarihi,Kaynak,Alıcı Tipi,Marka Kodu"

// writeConsentCSV writes n rows of a consent list as exported to CSV:
// phones as digits (which Calc stores as number cells), dates as text
// (which Calc keeps as text), every tenth row without an e-mail address.
func writeConsentCSV(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(consentCSVHeader + "\n")
	for i := range n {
		status := "ONAY"
		if i%4 == 3 {
			status = "RET"
		}
		email := ""
		if i%10 != 0 {
			email = "kisi" + strconv.Itoa(i) + "@example.com"
		}
		rt := "BIREYSEL"
		if i%7 == 0 {
			rt = "TACIR"
		}
		fmt.Fprintf(bw, "%s,%s,%d,%s,%s,%02d.%02d.2024 %02d:%02d,%s,%s,650123\n",
			benchFirst[i%len(benchFirst)], benchLast[i/3%len(benchLast)], 905330000000+i%10_000_000, email, status,
			1+i%28, 1+i/28%12, 8+i%10, i%60, benchSources[i%len(benchSources)], rt)
	}
	return bw.Flush()
}

// libreOfficeConsentList writes n rows with writeConsentCSV and saves them
// as .xlsx with LibreOffice, as the user in issue #15 did.
func libreOfficeConsentList(program string, n int, dst string) error {
	dir, err := os.MkdirTemp("", "iysgate-lo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	csvPath := filepath.Join(dir, "liste.csv")
	f, err := os.Create(csvPath)
	if err != nil {
		return err
	}
	if err := writeConsentCSV(f, n); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	out, err := libreOfficeConvert(program, csvPath, dir)
	if err != nil {
		return err
	}
	return os.Rename(out, dst)
}

// openpyxlScript writes a consent list of argv[3] rows to argv[1] with
// openpyxl, in write-only mode when argv[2] is "write_only": numbers,
// strings that need escaping, dates and times with openpyxl's date
// styles, booleans, formulas (openpyxl writes no cached value), floats and
// empty cells.
const openpyxlScript = `
import datetime, sys
import openpyxl

out, mode, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
wb = openpyxl.Workbook(write_only=(mode == "write_only"))
ws = wb.create_sheet("Liste") if mode == "write_only" else wb.active
ws.title = "Liste"
ws.append(["marka_kodu", "alici_tipi", "ad", "soyad", "telefon", "eposta", "arama_izni", "mesaj_izni",
           "eposta_izni", "izin_kaynagi", "izin_tarihi", "not"])
first = ["Ayşe", "Mehmet", "Fatma", "Çağrı", "Ümit", "İsmail", "Gülşen", "Öykü"]
notes = [None, "  boşluklu  ", "satır\nsatır", "a & b < c > d", "_x000D_ kaçış", "tırnak \"çift\" 'tek'",
         "😀 emoji", 3.14, -0.5, 1e-7, 123456789.125, True, False, "=1+2", '="a"&"b"', "=1/0",
         datetime.time(10, 20), datetime.date(2024, 3, 15), "x" * 300]
start = datetime.datetime(2024, 3, 15, 10, 20)
for i in range(n):
    date = start + datetime.timedelta(minutes=7 * i) if i % 3 else "%02d.03.2024 10:20" % (1 + i % 28)
    ws.append([650123, "TACIR" if i % 7 == 0 else "BIREYSEL", first[i % len(first)], "Yılmaz" if i % 5 else None,
               905330000000 + i, None if i % 10 == 0 else "kisi%d@example.com" % i,
               "ONAY" if i % 4 else "RET", None, "RET" if i % 9 == 0 else "ONAY", "HS_WEB", date, notes[i % len(notes)]])
wb.save(out)
`

// openpyxlConsentList writes n rows with openpyxlScript to dst.
func openpyxlConsentList(python string, n int, writeOnly bool, dst string) error {
	mode := "normal"
	if writeOnly {
		mode = "write_only"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-c", openpyxlScript, dst, mode, strconv.Itoa(n))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("openpyxl: %v\n%s", err, out)
	}
	return nil
}

// excelizeConsentList writes n rows of a consent list with excelize, cell
// by cell with SetCellValue or with the StreamWriter: numbers, dates with
// a date style and as text, rich text, formulas and strings that need
// escaping.
func excelizeConsentList(n int, stream bool, path string) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Sheet1"
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 22})
	if err != nil {
		return err
	}
	var sw *excelize.StreamWriter
	if stream {
		if sw, err = f.NewStreamWriter(sheet); err != nil {
			return err
		}
	}
	notes := []any{nil, "  boşluklu  ", "satır\nsatır", "a & b < c > d", "_x000D_ kaçış", "😀 emoji", 3.14, -0.5, 1e-7,
		123456789.125, true, false, "=1+2", "]]>", strings.Repeat("x", 300)}
	start := time.Date(2024, 3, 15, 10, 20, 0, 0, time.UTC)
	head := make([]any, 0, 12)
	for _, h := range append(append([]string{}, header11...), "not") {
		head = append(head, h)
	}
	rows := [][]any{head}
	for i := range n {
		var name any = benchFirst[i%len(benchFirst)]
		if i%13 == 0 {
			name = []excelize.RichTextRun{{Text: "Ay"}, {Text: "şe", Font: &excelize.Font{Bold: true}}}
		}
		var date any = fmt.Sprintf("%02d.03.2024 10:20", 1+i%28)
		if i%3 != 0 {
			date = excelize.Cell{StyleID: dateStyle, Value: start.Add(time.Duration(i) * 7 * time.Minute)}
		}
		var email any
		if i%10 != 0 {
			email = "kisi" + strconv.Itoa(i) + "@example.com"
		}
		rows = append(rows, []any{650123, "BIREYSEL", name, benchLast[i%len(benchLast)], int64(905330000000 + i), email,
			"ONAY", nil, "RET", benchSources[i%len(benchSources)], date, notes[i%len(notes)]})
	}
	for r, vals := range rows {
		for c, v := range vals {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if s, ok := v.(string); ok && strings.HasPrefix(s, "=") {
				v = excelize.Cell{Formula: s[1:]}
				if !stream {
					err = f.SetCellFormula(sheet, cell, s[1:])
				}
			} else if !stream {
				err = setExcelizeCell(f, sheet, cell, v)
			}
			if err != nil {
				return err
			}
			vals[c] = v
		}
		if stream {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := sw.SetRow(cell, vals); err != nil {
				return err
			}
		}
	}
	if stream {
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	return f.SaveAs(path)
}

// setExcelizeCell sets one cell as SetCellValue, SetCellRichText and
// SetCellStyle do.
func setExcelizeCell(f *excelize.File, sheet, cell string, v any) error {
	switch v := v.(type) {
	case []excelize.RichTextRun:
		return f.SetCellRichText(sheet, cell, v)
	case excelize.Cell:
		if err := f.SetCellValue(sheet, cell, v.Value); err != nil {
			return err
		}
		return f.SetCellStyle(sheet, cell, cell, v.StyleID)
	}
	return f.SetCellValue(sheet, cell, v)
}
