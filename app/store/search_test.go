package store_test

import (
	"context"
	"strings"
	"testing"

	"iysgate/app/pg/pgtest"
	"iysgate/app/store"
	"iysgate/app/store/storetest"
)

// Onaylar finds what people type, whichever way they type it, both when a
// search walks the newest recipients and when it goes through the
// indexes: Turkish letters in any case (dotted and dotless i alike), any
// part of an e-mail address, a phone's last digits written any way, names
// with digits; and it does not find what is not there or in another brand.
func TestSearchFindsWhatPeopleType(t *testing.T) {
	st := store.New(pgtest.Pool(t), store.LeftToSweep)
	ctx := context.Background()
	b := storetest.Company(t, st, "Örnek Gıda", "Örnek Market", "656001")
	other := storetest.Company(t, st, "Başka", "Başka Marka", "656002")
	for _, r := range []struct {
		brand                        int64
		kind, recipient, first, last string
	}{
		{b.ID, "phone", "+905321234567", "Ahmet", "Kılıç"},
		{b.ID, "phone", "+905339876543", "İpek", "Yıldız"},
		{b.ID, "phone", "+905441112233", "Şube 12", "Market"},
		{b.ID, "phone", "+902125550199", "", ""},
		{b.ID, "email", "ali.veli@gmail.com", "Ali", "Veli"},
		{b.ID, "email", "ipek@ornek.com.tr", "", ""},
		{other.ID, "phone", "+905329990000", "Mehmet", "Kılıç"},
	} {
		if _, err := st.Pool().Exec(ctx, `INSERT INTO recipients (brand_id, kind, recipient, recipient_type, first_name, last_name)
			VALUES ($1, $2, $3, 'BIREYSEL', $4, $5)`, r.brand, r.kind, r.recipient, r.first, r.last); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		kind, q string
		want    []string // recipients, newest first
	}{
		{"phone", "KILIÇ", []string{"+905321234567"}},
		{"phone", "kılıç", []string{"+905321234567"}},
		{"phone", "Kilic", nil}, // ç is not c
		{"phone", "ipek", []string{"+905339876543"}},
		{"phone", "İPEK", []string{"+905339876543"}},
		{"phone", "IPEK", []string{"+905339876543"}},
		{"phone", "ıpek", []string{"+905339876543"}},
		{"phone", "ipek yıldız", []string{"+905339876543"}},
		{"phone", "ahmet k", []string{"+905321234567"}},
		{"phone", "4567", []string{"+905321234567"}},
		{"phone", "45 67", []string{"+905321234567"}},
		{"phone", "0532 123 45 67", []string{"+905321234567"}},
		{"phone", "+90 532 123 45 67", []string{"+905321234567"}},
		{"phone", "(0532) 123-45-67", []string{"+905321234567"}},
		{"phone", "5321234567", []string{"+905321234567"}},
		{"phone", "0212 555 01 99", []string{"+902125550199"}},
		{"phone", "5321", nil}, // the last digits, not the first
		{"phone", "Şube 12", []string{"+905441112233"}},
		{"phone", "şube", []string{"+905441112233"}},
		{"phone", "12", []string{"+905441112233"}}, // a name with the digits; no number ends in 12
		{"phone", "mehmet", nil},                   // another brand's
		{"phone", "9990000", nil},
		{"email", "veli@gm", []string{"ali.veli@gmail.com"}},
		{"email", "ALI.VELI@GMAIL.COM", []string{"ali.veli@gmail.com"}},
		{"email", "gmail.com", []string{"ali.veli@gmail.com"}},
		{"email", "İPEK", []string{"ipek@ornek.com.tr"}},
		{"email", "ornek.com", []string{"ipek@ornek.com.tr"}},
		{"email", "a%", nil}, // LIKE's wildcards are text
		{"email", "_", nil},
	}
	for _, walk := range []int{30000, 1} {
		restore := store.SetSearchScanRows(walk)
		for _, c := range cases {
			rows, _, err := st.ListRecipients(ctx, store.ConsentFilter{Kind: c.kind, BrandIDs: []int64{b.ID}, Search: c.q})
			if err != nil {
				t.Fatalf("walk %d, %q: %v", walk, c.q, err)
			}
			var got []string
			for _, r := range rows {
				got = append(got, r.Recipient)
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("walk %d, %s %q: found %v, want %v", walk, c.kind, c.q, got, c.want)
			}
		}
		// Every brand (an Admin): both Kılıçs, newest first.
		rows, _, err := st.ListRecipients(ctx, store.ConsentFilter{Kind: "phone", Search: "KILIÇ"})
		if err != nil || len(rows) != 2 || rows[0].Recipient != "+905329990000" || rows[1].Recipient != "+905321234567" {
			t.Errorf("walk %d: every brand's Kılıç: %+v %v", walk, rows, err)
		}
		restore()
	}
}
