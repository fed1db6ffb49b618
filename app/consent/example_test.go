package consent_test

import (
	"fmt"
	"time"

	"iysgate/app/consent"
)

func ExampleValidate() {
	istanbul := consent.Location()
	now := time.Date(2025, 6, 12, 15, 0, 0, 0, istanbul)

	c, problems := consent.Validate(consent.Input{
		BrandCode:     "650123",
		Recipient:     "0532 123 45 67",
		RecipientType: "Bireysel",
		Type:          "SMS",
		Status:        "evet",
		Source:        "HS FİZİKSEL ORTAM",
		ConsentDate:   "11.06.2025 10:30",
	}, now, nil)

	fmt.Println(c.Recipient, c.Type, c.Status, c.RecipientType, c.Source, consent.FormatIYS(c.ConsentDate))
	for _, p := range problems {
		fmt.Printf("%s %s (%s): %s\n", p.Severity, p.Code, p.Field, p.Message)
	}
	fmt.Println("gönderilebilir:", !consent.HasErrors(problems))

	// A consent from before Kurban Bayramı 2025 is still in time: the
	// bayram and the weekend are not business days.
	old := time.Date(2025, 6, 4, 10, 0, 0, 0, istanbul)
	fmt.Println("son gün:", consent.DefaultCalendar().Deadline(old).Add(-time.Second).Format("02.01.2006 15:04:05"))

	// Output:
	// +905321234567 MESAJ ONAY BIREYSEL HS_FIZIKSEL_ORTAM 2025-06-11 10:30:00
	// gönderilebilir: true
	// son gün: 12.06.2025 23:59:59
}

func ExampleCollapse() {
	at := func(day int) time.Time { return time.Date(2025, 6, day, 10, 0, 0, 0, consent.Location()) }
	base := consent.Consent{BrandCode: "650123", Recipient: "+905321234567", RecipientType: consent.RecipientBireysel, Type: consent.TypeMesaj}
	onay1, onay2, ret3 := base, base, base
	onay1.Status, onay1.ConsentDate = consent.StatusOnay, at(1)
	onay2.Status, onay2.ConsentDate = consent.StatusOnay, at(2)
	ret3.Status, ret3.ConsentDate = consent.StatusRet, at(3)

	for _, d := range consent.Collapse(nil, []consent.Consent{ret3, onay2, onay1}) {
		if d.Problem != nil {
			fmt.Println(d.Index, d.Action, d.Problem.Code)
			continue
		}
		fmt.Println(d.Index, d.Action)
	}
	// Output:
	// 2 send
	// 1 skip NO_CHANGE
	// 0 send
}
