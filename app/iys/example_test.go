package iys_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"time"

	"iysgate/app/iys"
	"iysgate/app/iys/iystest"
)

// A worker registers a consent, and tells a refusal, an "already there"
// and an answer lost on the way apart.
func ExampleClient() {
	srv := httptest.NewServer(iystest.New(iystest.Config{}).Handler())
	defer srv.Close()

	c := iys.New(iys.Config{BaseURL: srv.URL, Username: "user", Password: "pass"})
	ctx := context.Background()
	sp := iys.SP{IYSCode: "123456", BrandCode: "654321"}
	consent := iys.Consent{
		Recipient: "+905321234567", Type: "MESAJ", Status: "ONAY", RecipientType: "BIREYSEL",
		Source: "HS_WEB", ConsentDate: iys.FormatTime(time.Now().Add(-time.Hour)),
	}

	for range 2 {
		_, err := c.Add(ctx, sp, consent)
		var e *iys.Error
		isErr := errors.As(err, &e)
		switch {
		case err == nil:
			fmt.Println("stored")
		case isErr && iys.IsAlreadyThere(e.Code):
			fmt.Println("already there")
		case iys.Ambiguous(err):
			// Maybe stored: ask, never resend blindly.
			st, err := c.Status(ctx, sp, consent.Recipient, consent.RecipientType, consent.Type)
			fmt.Println("stored after all:", err == nil && st != nil && st.ConsentDate == consent.ConsentDate)
		case iys.Temporary(err):
			fmt.Println("try again after", iys.RetryAfter(err))
		case isErr:
			msg, hint := iys.Describe(e.Code)
			fmt.Println(msg, hint)
		}
	}
	// Output:
	// stored
	// already there
}
