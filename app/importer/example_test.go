package importer_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"iysgate/app/consent"
	"iysgate/app/importer"
)

func ExampleOpen() {
	// A CSV file as Turkish Excel saves it: ';' between the fields.
	file := "Marka Kodu;Alıcı Tipi;Ad;Soyad;GSM;E-Posta;SMS İzni;Kaynak;İzin Tarihi;Notlar\n" +
		"650123;BIREYSEL;Ayşe;Yılmaz;0532 123 45 67;ayse@example.com;RET;HS_WEB;11.06.2025 10:30;müşteri\n" +
		"650123;BIREYSEL;Ali;Veli;12345;;;HS_WEB;11.06.2025 10:30;\n"

	r, err := importer.Open(strings.NewReader(file), int64(len(file)), "liste.csv", importer.Limits{})
	if err != nil {
		fmt.Println(err) // a Turkish message, e.g. the missing columns
		return
	}
	defer r.Close()
	h := r.Header()
	fmt.Printf("%s, ayraç %q, yok sayılan sütunlar: %v\n", h.Format, h.Delimiter, h.Mapping.Ignored)

	now := time.Date(2025, 6, 12, 15, 0, 0, 0, consent.Location())
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		res := consent.ValidateRow(row.Input, now, nil)
		for _, it := range res.Items {
			fmt.Println(row.Number, it.Consent.Type, it.Consent.Recipient, it.Consent.Status, it.OK())
		}
		for _, p := range res.Problems {
			if p.IsError() {
				fmt.Println(row.Number, p.Code, p.Message)
			}
		}
	}
	// Output:
	// csv, ayraç ';', yok sayılan sütunlar: [Notlar]
	// 2 MESAJ +905321234567 RET true
	// 2 EPOSTA ayse@example.com ONAY true
	// 3 ARAMA  ONAY false
	// 3 MESAJ  ONAY false
	// 3 PHONE_INVALID Telefon numarası geçersiz.
}
