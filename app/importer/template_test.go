package importer

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"iysgate/app/consent"
)

func TestWriteTemplate(t *testing.T) {
	for _, kind := range []string{TemplateBireysel, TemplateTacir} {
		t.Run(kind, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteTemplate(&buf, kind, "650321"); err != nil {
				t.Fatal(err)
			}
			now := time.Now()

			// The package's own reader maps the header and reads the examples.
			r := mustOpen(t, buf.Bytes(), "sablon.xlsx", Limits{})
			h := r.Header()
			if h.Sheet != TemplateSheet || h.Row != 1 || len(h.Mapping.Ignored) != 0 || strings.Join(h.Cells, ",") != strings.Join(TemplateHeader(), ",") {
				t.Fatalf("header = %+v", h)
			}
			rows := readAll(t, r)
			if len(rows) != 2 {
				t.Fatalf("%d example rows", len(rows))
			}
			wantType := consent.RecipientBireysel
			if kind == TemplateTacir {
				wantType = consent.RecipientTacir
			}
			for _, row := range rows {
				if row.Input.ConsentDateValue.IsZero() {
					t.Errorf("row %d: izin_tarihi is not a date cell: %q", row.Number, row.Cells)
				}
				if row.Input.BrandCode != "650321" {
					t.Errorf("row %d: brand code %q, want the user's 650321", row.Number, row.Input.BrandCode)
				}
				res := consent.ValidateRow(row.Input, now, nil)
				if res.HasErrors() {
					t.Errorf("row %d (%q): %v", row.Number, row.Cells, res.Problems)
				}
				for _, it := range res.Items {
					if it.Consent.RecipientType != wantType {
						t.Errorf("row %d: recipient type %s", row.Number, it.Consent.RecipientType)
					}
				}
			}
			first := consent.ValidateRow(rows[0].Input, now, nil)
			if len(first.Items) != 3 {
				t.Errorf("the first example must yield ARAMA, MESAJ and EPOSTA: %+v", first.Items)
			}
			if rows[0].Cells[4] != "05321234567" {
				t.Errorf("phone lost its leading 0: %q", rows[0].Cells[4])
			}

			// excelize sees the sheets, the drop-downs and the rules.
			f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if got := f.GetSheetList(); !slices.Equal(got, []string{TemplateSheet, TemplateRulesSheet}) {
				t.Errorf("sheets = %q", got)
			}
			dvs, err := f.GetDataValidations(TemplateSheet)
			if err != nil {
				t.Fatal(err)
			}
			lists := map[string]string{}
			for _, dv := range dvs {
				lists[dv.Sqref] = dv.Formula1
			}
			if !strings.Contains(lists["B2:B1048576"], "BIREYSEL,TACIR") || !strings.Contains(lists["G2:I1048576"], "ONAY,RET") ||
				!strings.Contains(lists["J2:J1048576"], "HS_FIZIKSEL_ORTAM") || !strings.Contains(lists["J2:J1048576"], "HS_2015") || strings.Contains(lists["J2:J1048576"], "IYS_") {
				t.Errorf("data validations = %v", lists)
			}
			rules, err := f.GetRows(TemplateRulesSheet)
			if err != nil {
				t.Fatal(err)
			}
			all := ""
			for _, r := range rules {
				all += strings.Join(r, " ") + "\n"
			}
			for _, s := range []string{"3 iş günü", "HS_2015", "IYS_", "ilk kaydı RET olamaz", "en çok üç izin", "ikisi de ONAY", "+905321234567"} {
				if !strings.Contains(all, s) {
					t.Errorf("rules lack %q", s)
				}
			}
			style, _ := f.GetCellStyle(TemplateSheet, "A1")
			if st, err := f.GetStyle(style); err != nil || st.Font == nil || !st.Font.Bold {
				t.Errorf("header not bold: %+v %v", st, err)
			}
		})
	}
	if err := WriteTemplate(&bytes.Buffer{}, "kurumsal", ""); err == nil {
		t.Error("unknown kind accepted")
	}
}
