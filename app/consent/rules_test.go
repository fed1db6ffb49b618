package consent

import (
	"slices"
	"testing"
	"time"
)

// testNow is Thursday 12 June 2025 15:00 in Istanbul, three days after
// Kurban Bayramı 2025.
var testNow = ist(2025, 6, 12, 15, 0, 0)

func validInput() Input {
	return Input{
		BrandCode:     "650123",
		Recipient:     "+905321234567",
		RecipientType: "BIREYSEL",
		Type:          "MESAJ",
		Status:        "ONAY",
		Source:        "HS_WEB",
		ConsentDate:   "2025-06-11 10:00:00",
		FirstName:     "Ayşe",
		LastName:      "Yılmaz",
	}
}

func codes(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Code)
	}
	return out
}

func TestValidateValid(t *testing.T) {
	t.Parallel()
	c, ps := Validate(validInput(), testNow, nil)
	if len(ps) != 0 {
		t.Fatalf("problems: %v", ps)
	}
	want := Consent{
		BrandCode: "650123", Recipient: "+905321234567", RecipientType: RecipientBireysel, Type: TypeMesaj,
		Status: StatusOnay, Source: SourceWeb, ConsentDate: ist(2025, 6, 11, 10, 0, 0), FirstName: "Ayşe", LastName: "Yılmaz",
	}
	if !c.ConsentDate.Equal(want.ConsentDate) {
		t.Fatalf("date %v", c.ConsentDate)
	}
	c.ConsentDate = want.ConsentDate
	if c != want {
		t.Fatalf("got %+v\nwant %+v", c, want)
	}
	if k := c.Key(); k != (Key{"650123", "+905321234567", RecipientBireysel, TypeMesaj}) {
		t.Fatalf("key %+v", k)
	}
}

// Each case changes the valid input and names the codes it must produce (in
// order, errors and warnings); an empty list means no problem at all.
func TestValidateRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(*Input)
		codes []string
		check func(*testing.T, Consent)
	}{
		{"brand empty", func(in *Input) { in.BrandCode = "  " }, []string{CodeBrandMissing}, nil},
		{"brand Excel .0", func(in *Input) { in.BrandCode = "650123.0" }, nil, func(t *testing.T, c Consent) {
			if c.BrandCode != "650123" {
				t.Error(c.BrandCode)
			}
		}},
		{"recipient empty", func(in *Input) { in.Recipient = "" }, []string{CodeRecipientMissing}, nil},
		{"phone in the ordinary format", func(in *Input) { in.Recipient = "0532 123 45 67" }, nil, func(t *testing.T, c Consent) {
			if c.Recipient != "+905321234567" {
				t.Error(c.Recipient)
			}
		}},
		{"phone corrected", func(in *Input) { in.Recipient = "+90 (0532) 123 45 67" }, []string{CodePhoneCorrected}, func(t *testing.T, c Consent) {
			if c.Recipient != "+905321234567" {
				t.Error(c.Recipient)
			}
		}},
		{"phone invalid", func(in *Input) { in.Recipient = "12345" }, []string{CodePhoneInvalid}, nil},
		{"phone foreign", func(in *Input) { in.Recipient = "+44 20 7946 0958" }, []string{CodePhoneNotTurkish}, nil},
		{"e-mail for MESAJ", func(in *Input) { in.Recipient = "ali@example.com" }, []string{CodeRecipientChannelMismatch}, nil},
		{"e-mail for ARAMA", func(in *Input) { in.Recipient = "ali@example.com"; in.Type = "arama" }, []string{CodeRecipientChannelMismatch}, nil},
		{"phone for EPOSTA", func(in *Input) { in.Type = "EPOSTA" }, []string{CodeRecipientChannelMismatch}, nil},
		{"e-mail ok", func(in *Input) { in.Type = "e-posta"; in.Recipient = "ali@example.com" }, nil, func(t *testing.T, c Consent) {
			if c.Type != TypeEposta || c.Recipient != "ali@example.com" {
				t.Error(c)
			}
		}},
		{"e-mail corrected", func(in *Input) { in.Type = "EPOSTA"; in.Recipient = " Ali@Example.COM" }, []string{CodeEmailTrimmed, CodeEmailLowercased}, func(t *testing.T, c Consent) {
			if c.Recipient != "ali@example.com" {
				t.Error(c.Recipient)
			}
		}},
		{"e-mail invalid", func(in *Input) { in.Type = "EPOSTA"; in.Recipient = "ali@" }, []string{CodeEmailInvalid}, nil},
		{"e-mail invalid, no @", func(in *Input) { in.Type = "EPOSTA"; in.Recipient = "ali.example.com" }, []string{CodeEmailInvalid}, nil},
		{"type empty", func(in *Input) { in.Type = "" }, []string{CodeTypeMissing}, nil},
		{"type unknown", func(in *Input) { in.Type = "faks" }, []string{CodeTypeInvalid}, nil},
		{"type unknown, recipient still checked", func(in *Input) { in.Type = "faks"; in.Recipient = "ali@" }, []string{CodeTypeInvalid, CodeEmailInvalid}, nil},
		{"type synonym", func(in *Input) { in.Type = "SMS" }, nil, nil},
		{"status empty", func(in *Input) { in.Status = "" }, []string{CodeStatusMissing}, nil},
		{"status unknown", func(in *Input) { in.Status = "belki" }, []string{CodeStatusInvalid}, nil},
		{"status synonym", func(in *Input) { in.Status = "hayır" }, nil, func(t *testing.T, c Consent) {
			if c.Status != StatusRet {
				t.Error(c.Status)
			}
		}},
		{"recipient type empty", func(in *Input) { in.RecipientType = "" }, []string{CodeRecipientTypeMissing}, nil},
		{"recipient type unknown", func(in *Input) { in.RecipientType = "kurumsal" }, []string{CodeRecipientTypeInvalid}, nil},
		{"source empty", func(in *Input) { in.Source = "" }, []string{CodeSourceMissing}, nil},
		{"source unknown", func(in *Input) { in.Source = "HS_GAZETE" }, []string{CodeSourceInvalid}, nil},
		{"source IYS_", func(in *Input) { in.Source = "IYS_WEB" }, []string{CodeSourceIYSForbidden}, nil},
		{"source İYS unknown", func(in *Input) { in.Source = "İYS e-Devlet" }, []string{CodeSourceIYSForbidden}, nil},
		{"source spelled out", func(in *Input) { in.Source = "HS FİZİKSEL ORTAM" }, nil, func(t *testing.T, c Consent) {
			if c.Source != SourceFizikselOrtam {
				t.Error(c.Source)
			}
		}},
		{"TACIR without source", func(in *Input) { in.RecipientType = "Tacir"; in.Source = "" }, nil, func(t *testing.T, c Consent) {
			if c.Source != "" || c.RecipientType != RecipientTacir {
				t.Error(c)
			}
		}},
		{"TACIR with IYS_ source", func(in *Input) { in.RecipientType = "TACIR"; in.Source = "IYS_MOBIL" }, []string{CodeSourceIYSForbidden}, nil},
		{"TACIR without date", func(in *Input) { in.RecipientType = "TACIR"; in.Source = ""; in.ConsentDate = "" }, []string{CodeDateDefaultedNow}, nil},
		{"date empty", func(in *Input) { in.ConsentDate = "" }, []string{CodeDateDefaultedNow}, func(t *testing.T, c Consent) {
			if !c.ConsentDate.Equal(testNow) {
				t.Error(c.ConsentDate)
			}
		}},
		{"date unreadable", func(in *Input) { in.ConsentDate = "dün" }, []string{CodeDateInvalid}, nil},
		{"date cell", func(in *Input) {
			in.ConsentDate = "garbage"
			in.ConsentDateValue = time.Date(2025, 6, 11, 9, 30, 0, 0, time.UTC)
		}, nil, func(t *testing.T, c Consent) {
			if !c.ConsentDate.Equal(ist(2025, 6, 11, 9, 30, 0)) {
				t.Error(c.ConsentDate)
			}
		}},
		{"Excel serial date", func(in *Input) { in.ConsentDate = "45819.4375" }, nil, func(t *testing.T, c Consent) {
			if !c.ConsentDate.Equal(ist(2025, 6, 11, 10, 30, 0)) {
				t.Error(c.ConsentDate)
			}
		}},
		{"date in the future", func(in *Input) { in.ConsentDate = "2025-06-12 15:01:01" }, []string{CodeDateFuture}, nil},
		{"date tomorrow", func(in *Input) { in.ConsentDate = "13.06.2025" }, []string{CodeDateFuture}, nil},
		{"date within the clock-skew tolerance", func(in *Input) { in.ConsentDate = "2025-06-12 15:00:59" }, nil, nil},
		{"date before 2015-05-01", func(in *Input) { in.ConsentDate = "30.04.2015 23:59:59" }, []string{CodeDateBefore2015}, nil},
		{"HS_2015 exact", func(in *Input) { in.Source = "HS_2015"; in.ConsentDate = "01.05.2015" }, nil, nil},
		{"HS_2015 one second off", func(in *Input) { in.Source = "HS_2015"; in.ConsentDate = "2015-05-01 00:00:01" }, []string{CodeDateHS2015Mismatch}, nil},
		{"HS_2015 earlier", func(in *Input) { in.Source = "HS_2015"; in.ConsentDate = "01.04.2015" }, []string{CodeDateHS2015Mismatch}, nil},
		{"HS_2015 recent", func(in *Input) { in.Source = "HS_2015" }, []string{CodeDateHS2015Mismatch}, nil},
		{"HS_2015 without date", func(in *Input) { in.Source = "HS_2015"; in.ConsentDate = "" }, []string{CodeDateDefaultedHS2015}, func(t *testing.T, c Consent) {
			if !c.ConsentDate.Equal(IYSEpoch) {
				t.Error(c.ConsentDate)
			}
		}},
		{"too old across Kurban Bayramı", func(in *Input) { in.ConsentDate = "02.06.2025 10:00" }, []string{CodeDateTooOld}, nil},
		{"not too old thanks to Kurban Bayramı", func(in *Input) { in.ConsentDate = "04.06.2025 10:00" }, nil, nil},
		{"too old, unless 2015", func(in *Input) { in.ConsentDate = "2020-01-01 10:00" }, []string{CodeDateTooOld}, nil},
		{"names cleaned", func(in *Input) { in.FirstName = "  Ayşe   Nur "; in.LastName = "\tYılmaz" }, nil, func(t *testing.T, c Consent) {
			if c.FirstName != "Ayşe Nur" || c.LastName != "Yılmaz" {
				t.Errorf("%q %q", c.FirstName, c.LastName)
			}
		}},
		{"everything wrong", func(in *Input) {
			*in = Input{Recipient: "x", Type: "?", Status: "?", RecipientType: "?", Source: "?", ConsentDate: "?"}
		}, []string{CodeBrandMissing, CodeRecipientTypeInvalid, CodeSourceInvalid, CodeDateInvalid, CodeTypeInvalid, CodePhoneInvalid, CodeStatusInvalid}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validInput()
			tt.edit(&in)
			c, ps := Validate(in, testNow, nil)
			if got := codes(ps); !slices.Equal(got, tt.codes) {
				t.Fatalf("codes %v, want %v", got, tt.codes)
			}
			for _, p := range ps {
				if txt, ok := Describe(p.Code); !ok || p.Message != txt.Message || p.Severity != txt.Severity || p.Field == "" {
					t.Errorf("problem %+v does not match the table", p)
				}
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func TestCheckConsentDate(t *testing.T) {
	t.Parallel()
	cal := DefaultCalendar()
	if p := CheckConsentDate(IYSEpoch, Source2015, testNow, cal); p != nil {
		t.Error(p)
	}
	if p := CheckConsentDate(IYSEpoch, SourceWeb, testNow, cal); p == nil || p.Code != CodeDateTooOld {
		t.Error(p)
	}
	if p := CheckConsentDate(IYSEpoch.Add(-time.Second), SourceWeb, testNow, cal); p == nil || p.Code != CodeDateBefore2015 {
		t.Error(p)
	}
	if p := CheckConsentDate(testNow.Add(FutureTolerance), SourceWeb, testNow, cal); p != nil {
		t.Error(p)
	}
	if p := CheckConsentDate(testNow.Add(FutureTolerance+time.Second), SourceWeb, testNow, cal); p == nil || p.Code != CodeDateFuture {
		t.Error(p)
	}
}

func TestValidateRow(t *testing.T) {
	t.Parallel()
	base := RowInput{
		BrandCode: "650123", Phone: "0532 123 45 67", Email: "ali@example.com", RecipientType: "Bireysel",
		CallPermission: "evet", MessagePermission: "hayır", EmailPermission: "ONAY",
		Source: "Web", ConsentDate: "11.06.2025 10:00", FirstName: "Ali", LastName: "Veli",
	}
	type want struct {
		typ    Type
		status Status
		ok     bool
	}
	tests := []struct {
		name     string
		edit     func(*RowInput)
		items    []want
		rowCodes []string
	}{
		{"three consents", func(*RowInput) {}, []want{{TypeArama, StatusOnay, true}, {TypeMesaj, StatusRet, true}, {TypeEposta, StatusOnay, true}}, nil},
		{"phone permissions empty", func(in *RowInput) { in.CallPermission, in.MessagePermission = "", " " },
			[]want{{TypeArama, StatusOnay, true}, {TypeMesaj, StatusOnay, true}, {TypeEposta, StatusOnay, true}},
			[]string{CodePermissionsDefaulted}},
		{"only call permission", func(in *RowInput) { in.MessagePermission = "" },
			[]want{{TypeArama, StatusOnay, true}, {TypeEposta, StatusOnay, true}}, nil},
		{"only message permission", func(in *RowInput) { in.CallPermission = "" },
			[]want{{TypeMesaj, StatusRet, true}, {TypeEposta, StatusOnay, true}}, nil},
		{"e-mail permission empty", func(in *RowInput) { in.Phone = ""; in.EmailPermission = "" },
			[]want{{TypeEposta, StatusOnay, true}}, []string{CodeEmailPermissionDefaulted}},
		{"no recipient", func(in *RowInput) { in.Phone, in.Email = " ", "" }, nil, []string{CodeRecipientMissing}},
		{"no recipient, no brand", func(in *RowInput) { in.Phone, in.Email, in.BrandCode = "", "", "" }, nil, []string{CodeBrandMissing, CodeRecipientMissing}},
		{"bad phone, good e-mail", func(in *RowInput) { in.Phone = "12345" },
			[]want{{TypeArama, StatusOnay, false}, {TypeMesaj, StatusRet, false}, {TypeEposta, StatusOnay, true}}, []string{CodePhoneInvalid}},
		{"bad call permission", func(in *RowInput) { in.CallPermission = "belki" },
			[]want{{TypeArama, "", false}, {TypeMesaj, StatusRet, true}, {TypeEposta, StatusOnay, true}}, []string{CodeStatusInvalid}},
		{"shared error", func(in *RowInput) { in.Source = "IYS_WEB"; in.Phone = "+905321234567" },
			[]want{{TypeArama, StatusOnay, false}, {TypeMesaj, StatusRet, false}, {TypeEposta, StatusOnay, false}}, []string{CodeSourceIYSForbidden}},
		{"e-mail in the phone column", func(in *RowInput) { in.Phone = "veli@example.com" },
			[]want{{TypeArama, StatusOnay, false}, {TypeMesaj, StatusRet, false}, {TypeEposta, StatusOnay, true}}, []string{CodeRecipientChannelMismatch}},
		{"phone in the e-mail column", func(in *RowInput) { in.Email = "05321234567"; in.Phone = "" },
			[]want{{TypeEposta, StatusOnay, false}}, []string{CodeRecipientChannelMismatch}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base
			tt.edit(&in)
			res := ValidateRow(in, testNow, nil)
			if len(res.Items) != len(tt.items) {
				t.Fatalf("%d items, want %d: %+v", len(res.Items), len(tt.items), res.Items)
			}
			for i, w := range tt.items {
				it := res.Items[i]
				if it.Consent.Type != w.typ || it.Consent.Status != w.status || it.OK() != w.ok {
					t.Errorf("item %d: %s %s ok=%v %v; want %s %s ok=%v", i, it.Consent.Type, it.Consent.Status, it.OK(), codes(it.Problems), w.typ, w.status, w.ok)
				}
				if it.Consent.BrandCode != "650123" && in.BrandCode != "" || it.Consent.FirstName != "Ali" {
					t.Errorf("item %d: %+v", i, it.Consent)
				}
			}
			if got := codes(res.Problems); !slices.Equal(got, tt.rowCodes) {
				t.Errorf("row codes %v, want %v", got, tt.rowCodes)
			}
			wantErr := false
			for _, w := range tt.items {
				wantErr = wantErr || !w.ok
			}
			if len(tt.items) == 0 {
				wantErr = true
			}
			if res.HasErrors() != wantErr {
				t.Errorf("HasErrors = %v", res.HasErrors())
			}
		})
	}

	// Fields name the row's columns.
	in := base
	in.Phone, in.CallPermission, in.Email = "12345", "belki", "ali@"
	res := ValidateRow(in, testNow, nil)
	fields := map[string]string{}
	for _, p := range res.Problems {
		fields[p.Code] = p.Field
	}
	if fields[CodePhoneInvalid] != FieldPhone || fields[CodeStatusInvalid] != FieldCallPermission || fields[CodeEmailInvalid] != FieldEmail {
		t.Errorf("fields %v", fields)
	}
	// Values are normalised.
	res = ValidateRow(base, testNow, nil)
	if res.Items[0].Consent.Recipient != "+905321234567" || res.Items[2].Consent.Recipient != "ali@example.com" ||
		res.Items[0].Consent.Source != SourceWeb || !res.Items[0].Consent.ConsentDate.Equal(ist(2025, 6, 11, 10, 0, 0)) {
		t.Errorf("%+v", res.Items)
	}
}
