package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"iysgate/app/consent"
	"iysgate/app/store"
	"iysgate/app/store/storetest"
)

// Single checks made at once share statements and each gets its own
// answer: the one a check alone gives, brand, channel, recipient type
// and unknown brand codes mixed.
func TestSingleChecksShareStatements(t *testing.T) {
	t.Parallel()
	st, b := setup(t)
	other := storetest.Brand(t, st, b.CompanyID, "Öteki", "654322")
	ctx := context.Background()
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	apply := func(brandID int64, code, recipient string, typ consent.Type, status consent.Status, rtype consent.RecipientType) {
		t.Helper()
		c := onay(recipient, typ, status, at)
		c.BrandCode, c.RecipientType = code, rtype
		if _, err := st.ApplyConsent(ctx, store.System, brandID, c); err != nil {
			t.Fatal(err)
		}
	}
	apply(b.ID, "654321", "+905321112233", consent.TypeMesaj, consent.StatusOnay, consent.RecipientBireysel)
	apply(b.ID, "654321", "+905321112244", consent.TypeMesaj, consent.StatusOnay, consent.RecipientBireysel)
	apply(b.ID, "654321", "+905321112233", consent.TypeArama, consent.StatusOnay, consent.RecipientTacir)
	apply(other.ID, "654322", "+905321112255", consent.TypeMesaj, consent.StatusOnay, consent.RecipientBireysel)
	// İYS's answers: one ONAY, one RET; the others stay on their way.
	if _, err := st.Pool().Exec(ctx, `UPDATE consents c SET status = CASE r.recipient WHEN '+905321112244' THEN 'RET' ELSE 'ONAY' END,
		consent_date = now() - interval '1 hour', source = 'HS_WEB', pending_status = NULL
		FROM recipients r WHERE r.id = c.recipient_id AND c.type = 'MESAJ' AND r.recipient IN ('+905321112233', '+905321112244')`); err != nil {
		t.Fatal(err)
	}

	type question struct{ code, typ, rtype, recipient string }
	type answer struct {
		brandID int64
		state   store.CheckState
		err     error
	}
	codes := []string{"654321", "654322", "999999"}
	types := []string{"MESAJ", "ARAMA"}
	rtypes := []string{"BIREYSEL", "TACIR"}
	recipients := []string{"+905321112233", "+905321112244", "+905321112255", "+905329999999"}
	// What each question gets asked alone (two copies of the recipient
	// take the one-statement path of a list).
	alone := map[question]answer{}
	for _, code := range codes {
		for _, typ := range types {
			for _, rtype := range rtypes {
				for _, r := range recipients {
					id, states, err := st.CheckByCode(ctx, code, typ, rtype, []string{r, r})
					a := answer{brandID: id, err: err}
					if err == nil {
						a.state = states[0]
					}
					alone[question{code, typ, rtype, r}] = a
				}
			}
		}
	}
	var wg sync.WaitGroup
	rng := rand.New(rand.NewPCG(1, 2))
	errs := make(chan error, 400)
	for range 400 {
		q := question{codes[rng.IntN(3)], types[rng.IntN(2)], rtypes[rng.IntN(2)], recipients[rng.IntN(4)]}
		wg.Go(func() {
			id, states, err := st.CheckByCode(ctx, q.code, q.typ, q.rtype, []string{q.recipient})
			want := alone[q]
			switch {
			case want.err != nil:
				if !errors.Is(err, want.err) {
					errs <- errors.New(q.code + " " + q.recipient + ": error " + errString(err) + ", alone " + want.err.Error())
				}
			case err != nil:
				errs <- err
			case id != want.brandID || !sameState(states[0], want.state):
				errs <- errors.New(q.code + " " + q.typ + " " + q.rtype + " " + q.recipient + ": a different answer than alone")
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if want := alone[question{"654321", "MESAJ", "BIREYSEL", "+905321112244"}]; want.state.Status != "RET" {
		t.Fatalf("the RET is not answered alone: %+v", want)
	}
	if want := alone[question{"654321", "ARAMA", "TACIR", "+905321112233"}]; want.state.PendingStatus != "ONAY" {
		t.Fatalf("the pending ONAY is not answered alone: %+v", want)
	}
	if st.SharedChecks() == 0 {
		t.Error("400 checks at once never shared a statement")
	}
}

func errString(err error) string {
	if err == nil {
		return "none"
	}
	return err.Error()
}

func sameState(a, b store.CheckState) bool {
	eq := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	return a.Status == b.Status && a.Source == b.Source && a.PendingStatus == b.PendingStatus && a.RefusedCode == b.RefusedCode &&
		eq(a.ConsentDate, b.ConsentDate) && eq(a.PendingSince, b.PendingSince) && eq(a.RefusedAt, b.RefusedAt)
}

// A long list, probed in parts at once, gets the answers its pieces get
// alone, repeats and unknown recipients included; an unknown brand code
// is still not found.
func TestLongCheckInParts(t *testing.T) {
	t.Parallel()
	st, b := setup(t)
	ctx := context.Background()
	if _, err := st.Pool().Exec(ctx, `INSERT INTO recipients (brand_id, kind, recipient, recipient_type)
		SELECT $1, 'phone', '+90532' || lpad(i::text, 7, '0'), 'BIREYSEL' FROM generate_series(1, 4000) i`, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool().Exec(ctx, `INSERT INTO consents (recipient_id, type, brand_id, recipient_type, status, source, consent_date, sort_key)
		SELECT r.id, 'MESAJ', r.brand_id, r.recipient_type, CASE WHEN r.id % 3 = 0 THEN 'RET' ELSE 'ONAY' END, 'HS_WEB',
		       now() - (r.id % 100) * interval '1 hour', r.sort_key
		FROM recipients r WHERE r.id % 2 = 0`); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	list := make([]string, 9000)
	for i := range list {
		list[i] = fmt.Sprintf("+90532%07d", 1+rng.IntN(6000)) // a third never stored, many repeats
	}
	id, states, err := st.CheckByCode(ctx, "654321", "MESAJ", "BIREYSEL", list)
	if err != nil || id != b.ID || len(states) != len(list) {
		t.Fatalf("long check: %d %d %v", id, len(states), err)
	}
	kinds := map[string]int{}
	for lo := 0; lo < len(list); lo += 2000 {
		hi := min(lo+2000, len(list))
		_, alone, err := st.CheckByCode(ctx, "654321", "MESAJ", "BIREYSEL", list[lo:hi])
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range alone {
			if !sameState(states[lo+i], want) {
				t.Fatalf("%s: %+v in the long list, %+v alone", list[lo+i], states[lo+i], want)
			}
			kinds[want.Status]++
		}
	}
	if kinds["ONAY"] == 0 || kinds["RET"] == 0 || kinds[""] == 0 {
		t.Fatalf("the list does not mix answers: %v", kinds)
	}
	if _, _, err := st.CheckByCode(ctx, "654329", "MESAJ", "BIREYSEL", list); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown brand: %v", err)
	}
}
