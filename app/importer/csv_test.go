package importer

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"iysgate/app/consent"
)

func TestCSVTurkishExcel(t *testing.T) {
	// Turkish Excel's "CSV UTF-8": BOM, ';', CRLF, a title row, a quoted
	// field holding the delimiter and a line break, a blank line.
	data := "\xEF\xBB\xBFİzin listesi;;\r\n" +
		"Marka Kodu;Alıcı Tipi;Adı;Soyadı;Cep Telefonu;E-Posta;Arama İzni;Mesaj İzni;E-Posta İzni;İzin Kaynağı;İzin Tarihi\r\n" +
		"650123;BIREYSEL;Ayşe;\"Yılmaz; Kaya\";0532 123 45 67;ayse@example.com;ONAY;RET;ONAY;HS_WEB;11.06.2025 10:30\r\n" +
		"\r\n" +
		"650123;TACIR;\"Çok\r\nsatırlı\";;5321234567;;;;;;\r\n" +
		";;;;;;;;;;\r\n" +
		"650123;BIREYSEL;Ali;;;ali@example.com;;;;HS_FIZIKSEL_ORTAM;\r\n"
	r := mustOpen(t, []byte(data), "liste.csv", Limits{})
	h := r.Header()
	if h.Format != FormatCSV || h.Delimiter != ';' || h.Encoding != EncodingUTF8 || h.Row != 2 || len(h.Cells) != 11 || h.Cells[0] != "Marka Kodu" {
		t.Fatalf("header = %+v", h)
	}
	rows := readAll(t, r)
	if len(rows) != 3 {
		t.Fatalf("rows = %+v", rows)
	}
	// Excel shows the rows as 3, 5 (two lines, one row) and 7.
	if rows[0].Number != 3 || rows[1].Number != 5 || rows[2].Number != 7 {
		t.Errorf("row numbers %d %d %d, want 3 5 7", rows[0].Number, rows[1].Number, rows[2].Number)
	}
	if rows[0].Input.LastName != "Yılmaz; Kaya" || rows[0].Input.Phone != "0532 123 45 67" || rows[1].Cells[2] != "Çok\nsatırlı" {
		t.Errorf("cells = %q / %q", rows[0].Cells, rows[1].Cells)
	}
	now := time.Date(2025, 6, 12, 15, 0, 0, 0, consent.Location())
	for _, row := range rows {
		if res := consent.ValidateRow(row.Input, now, nil); res.HasErrors() {
			t.Errorf("row %d: %v", row.Number, res.Problems)
		}
	}
}

func TestCSVDelimiters(t *testing.T) {
	for _, tt := range []struct {
		name  string
		data  string
		delim rune
	}{
		{"comma", "marka_kodu,alici_tipi,telefon,izin_kaynagi\n650123,BIREYSEL,\"0532 123,45\",HS_WEB\n", ','},
		{"semicolon with commas in the title", "Liste, Haziran, 2025\nmarka_kodu;alici_tipi;telefon;izin_kaynagi\n650123;BIREYSEL;0532;HS_WEB\n", ';'},
		{"tab", "marka_kodu\talici_tipi\ttelefon\tizin_kaynagi\n650123\tBIREYSEL\t0532\tHS_WEB\n", '\t'},
		{"pipe", "marka_kodu|alici_tipi|telefon|izin_kaynagi\n650123|BIREYSEL|0532|HS_WEB\n", '|'},
		{"sep line", "sep=,\nmarka_kodu,alici_tipi,telefon,izin_kaynagi\n650123,BIREYSEL,0532,HS_WEB\n", ','},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := mustOpen(t, []byte(tt.data), "a.csv", Limits{})
			if r.Header().Delimiter != tt.delim {
				t.Errorf("delimiter %q, want %q", r.Header().Delimiter, tt.delim)
			}
			rows := readAll(t, r)
			if len(rows) != 1 || rows[0].Input.BrandCode != "650123" || rows[0].Input.Source != "HS_WEB" {
				t.Fatalf("rows = %+v", rows)
			}
			if tt.name == "sep line" && (r.Header().Row != 1 || rows[0].Number != 2) {
				t.Errorf("sep= line counted: header row %d, row %d", r.Header().Row, rows[0].Number)
			}
		})
	}
}

// cp1254Encode encodes Turkish text in Windows-1254, for tests.
func cp1254Encode(t testing.TB, s string) []byte {
	var b []byte
	for _, r := range s {
		if r < 0x80 {
			b = append(b, byte(r))
			continue
		}
		found := false
		for i, c := range cp1254 {
			if c == r {
				b = append(b, byte(0x80+i))
				found = true
				break
			}
		}
		if !found {
			t.Fatalf("%q not in Windows-1254", r)
		}
	}
	return b
}

func TestCSVWindows1254(t *testing.T) {
	text := "Marka Kodu;Alıcı Tipi;Adı;Soyadı;Telefon;İzin Kaynağı\r\n650123;BİREYSEL;Şükrü;Ağaoğlu;05321234567;HS_FİZİKSEL_ORTAM\r\n650123;TACIR;İĞDE ÇÖĞÜŞ;€ „ ™;;\r\n"
	r := mustOpen(t, cp1254Encode(t, text), "eski.csv", Limits{})
	if r.Header().Encoding != EncodingWindows1254 || r.Header().Cells[1] != "Alıcı Tipi" {
		t.Fatalf("header = %+v", r.Header())
	}
	rows := readAll(t, r)
	if len(rows) != 2 || rows[0].Input.FirstName != "Şükrü" || rows[0].Input.LastName != "Ağaoğlu" || rows[1].Cells[2] != "İĞDE ÇÖĞÜŞ" || rows[1].Cells[3] != "€ „ ™" {
		t.Fatalf("rows = %+v", rows)
	}
	if rt, ok := consent.ParseRecipientType(rows[0].Input.RecipientType); !ok || rt != consent.RecipientBireysel {
		t.Errorf("recipient type %q", rows[0].Input.RecipientType)
	}
}

func TestCSVUTF16(t *testing.T) {
	text := "marka_kodu\talici_tipi\tad\ttelefon\tizin_kaynagi\r\n650123\tBIREYSEL\tŞule 😀\t05321234567\tHS_WEB\r\n"
	units := utf16.Encode([]rune(text))
	for _, be := range []bool{false, true} {
		var b bytes.Buffer
		if be {
			b.Write([]byte{0xFE, 0xFF})
		} else {
			b.Write([]byte{0xFF, 0xFE})
		}
		for _, u := range units {
			if be {
				b.Write([]byte{byte(u >> 8), byte(u)})
			} else {
				b.Write([]byte{byte(u), byte(u >> 8)})
			}
		}
		r := mustOpen(t, b.Bytes(), "unicode.txt", Limits{})
		want := EncodingUTF16LE
		if be {
			want = EncodingUTF16BE
		}
		if r.Header().Encoding != want || r.Header().Delimiter != '\t' {
			t.Errorf("header = %+v", r.Header())
		}
		rows := readAll(t, r)
		if len(rows) != 1 || rows[0].Input.FirstName != "Şule 😀" {
			t.Errorf("rows = %+v", rows)
		}
	}
}

func TestCSVErrors(t *testing.T) {
	t.Run("encoding", func(t *testing.T) {
		data := append([]byte("marka_kodu;alici_tipi;telefon;izin_kaynagi\n650123;"), 0x81, 0x8D)
		_, err := open(t, data, "a.csv", Limits{})
		e := wantCode(t, err, CodeFileEncoding)
		if !strings.Contains(e.Message, "UTF-8") {
			t.Error(e.Message)
		}
	})
	t.Run("bom and invalid utf-8", func(t *testing.T) {
		data := append([]byte("\xEF\xBB\xBFmarka_kodu;alici_tipi;telefon;izin_kaynagi\n650123;"), 0xFE)
		_, err := open(t, data, "a.csv", Limits{})
		wantCode(t, err, CodeFileEncoding)
	})
	t.Run("missing columns", func(t *testing.T) {
		_, err := open(t, []byte("ad;soyad;telefon\nAli;Veli;0532\n"), "a.csv", Limits{})
		e := wantCode(t, err, CodeHeaderMissing)
		if len(e.Missing) != 3 {
			t.Errorf("Missing = %v", e.Missing)
		}
	})
	t.Run("no header", func(t *testing.T) {
		_, err := open(t, []byte("\n\n\n"), "a.csv", Limits{})
		wantCode(t, err, CodeHeaderNotFound)
	})
	t.Run("rows", func(t *testing.T) {
		r := mustOpen(t, []byte("marka_kodu;alici_tipi;telefon;izin_kaynagi\n1;2;3;4\n1;2;3;4\n1;2;3;4\n"), "a.csv", Limits{MaxRows: 2})
		rows, err := readRows(r)
		e := wantCode(t, err, CodeLimitRows)
		if len(rows) != 2 || e.Row != 4 {
			t.Errorf("rows %d, error %+v", len(rows), e)
		}
	})
	t.Run("cell", func(t *testing.T) {
		r := mustOpen(t, []byte("marka_kodu;alici_tipi;telefon;izin_kaynagi\n1;2;"+strings.Repeat("9", 40)+";4\n"), "a.csv", Limits{MaxCellLength: 30})
		_, err := readRows(r)
		e := wantCode(t, err, CodeLimitCell)
		if e.Row != 2 || !strings.Contains(e.Message, "C sütunundaki") {
			t.Errorf("%+v", e)
		}
	})
	t.Run("unterminated quote", func(t *testing.T) {
		// An open quote must not make the reader hold the rest of the file
		// as one field.
		data := "marka_kodu;alici_tipi;telefon;izin_kaynagi\n1;\"2;3;4\n" + strings.Repeat("650123;BIREYSEL;05321234567;HS_WEB\n", 20000)
		r := mustOpen(t, []byte(data), "a.csv", Limits{MaxCellLength: 100, MaxColumns: 10})
		_, err := readRows(r)
		wantCode(t, err, CodeLimitCell)
	})
	t.Run("size", func(t *testing.T) {
		_, err := open(t, []byte("marka_kodu;alici_tipi;telefon;izin_kaynagi\n1;2;3;4\n"), "a.csv", Limits{MaxSheetBytes: 10})
		wantCode(t, err, CodeLimitSize)
	})
	t.Run("columns", func(t *testing.T) {
		_, err := open(t, []byte("marka_kodu;alici_tipi;telefon;izin_kaynagi;a;b;c\n"), "a.csv", Limits{MaxColumns: 5})
		wantCode(t, err, CodeLimitColumns)
	})
}

func TestCSVProgress(t *testing.T) {
	data := []byte("marka_kodu;alici_tipi;telefon;izin_kaynagi\n" + strings.Repeat("650123;BIREYSEL;05321234567;HS_WEB\n", 5000))
	r := mustOpen(t, data, "a.csv", Limits{})
	for {
		if _, err := r.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if done, total := r.Progress(); done != total || total != int64(len(data)) {
		t.Errorf("progress %d/%d, want %d", done, total, len(data))
	}
}

func TestCP1254Table(t *testing.T) {
	undefined := 0
	for i, r := range cp1254 {
		if r == 0 {
			undefined++
			continue
		}
		if i >= 0x20 && r >= 0xA0 && r < 0x100 && r != rune(0x80+i) {
			t.Errorf("byte %#x = %U, Latin-1 range must map to itself", 0x80+i, r)
		}
	}
	if undefined != 7 {
		// 0x81, 0x8D, 0x8E, 0x8F, 0x90, 0x9D, 0x9E
		t.Errorf("%d undefined bytes, want 7", undefined)
	}
	var b bytes.Buffer
	dec := &cp1254Reader{r: bytes.NewReader([]byte{0xDD, 0xFD, 0xDE, 0xFE, 0xD0, 0xF0, 0x80, 'a'})}
	io.Copy(&b, dec)
	if b.String() != "İıŞşĞğ€a" {
		t.Errorf("decoded %q", b.String())
	}
}
