package iys_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"iysgate/app/iys"
	"iysgate/app/iys/iysapi"
	"iysgate/app/iys/iystest"
)

// A worker registers a consent, sends it again after a lost answer, and
// tells a refusal from a failure worth waiting out.
func ExampleClient() {
	srv := httptest.NewServer(iystest.New(iystest.Config{}).Handler())
	defer srv.Close()

	c := iys.New(iys.Config{BaseURL: srv.URL, Username: "kullanici", Password: "parola"})
	ctx := iys.WithParty(context.Background(), "firma-1")
	sp := iys.SP{IYSCode: "123456", BrandCode: "654321"}
	consent := iys.Consent{
		Recipient: "+905321234567", Type: "MESAJ", Status: "ONAY", RecipientType: "BIREYSEL",
		Source: "HS_WEB", ConsentDate: iys.FormatTime(time.Now().Add(-time.Hour)),
	}
	first, _ := c.Add(ctx, sp, consent)
	// Say the answer was lost: V2 recognises the identical resend.
	again, _ := c.Add(ctx, sp, consent)
	fmt.Println("the same movement:", again.TransactionID == first.TransactionID)

	consent.Status, consent.Recipient = "RET", "+905329876543"
	_, err := c.Add(ctx, sp, consent)
	switch iys.ClassOf(err) {
	case iysapi.ClassRefused:
		msg, _ := iys.Describe(iys.Faults(err)[0].Code)
		fmt.Println("refused:", msg)
	case iysapi.ClassTransient, iysapi.ClassRateLimit:
		fmt.Println("try again after", iys.RetryAfter(err))
	}
	// Output:
	// the same movement: true
	// refused: Alıcının bu kanal için İYS'de kaydı yok; ilk kayıt RET olamaz.
}
