package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"iysgate/app/consent"
	"iysgate/app/store"
)

// grant requests and approves a package for the brand's company.
func grant(t testing.TB, st *store.Store, companyID, units int64) *store.Subscription {
	t.Helper()
	ctx := context.Background()
	sub, err := st.RequestSubscription(ctx, store.Actor{Label: "yonetici@ornek"}, companyID, units)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Status != store.SubscriptionPending {
		t.Fatalf("a request is %q, want pending", sub.Status)
	}
	sub, err = st.ApproveSubscription(ctx, store.Actor{Label: "admin@ornek"}, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

func quota(t testing.TB, st *store.Store, companyID int64) store.Quota {
	t.Helper()
	q, err := st.Quota(context.Background(), companyID)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestSubscriptionLifecycle(t *testing.T) {
	t.Parallel()
	st, b := setup(t)
	ctx := context.Background()
	if _, err := st.RequestSubscription(ctx, store.System, b.CompanyID, 1234); !errors.Is(err, store.ErrUnknownPackage) {
		t.Fatalf("a size outside the catalogue: %v, want ErrUnknownPackage", err)
	}
	sub := grant(t, st, b.CompanyID, 5000)
	if sub.Status != store.SubscriptionActive || sub.EndsAt == nil || sub.EndsAt.Sub(*sub.StartsAt) != 365*24*time.Hour {
		t.Fatalf("approved subscription: %+v", sub)
	}
	if _, err := st.ApproveSubscription(ctx, store.System, sub.ID); !errors.Is(err, store.ErrNotPending) {
		t.Fatalf("approving twice: %v", err)
	}
	// 5.000 units at 750 TL, KDV 20%: 900 TL with KDV.
	if sub.PriceKurus != 75000 || sub.PriceWithKDV() != 90000 {
		t.Fatalf("price %d / %d kuruş", sub.PriceKurus, sub.PriceWithKDV())
	}
	rej, err := st.RequestSubscription(ctx, store.System, b.CompanyID, 25000)
	if err != nil {
		t.Fatal(err)
	}
	if rej, err = st.RejectSubscription(ctx, store.System, rej.ID, "Ödeme alınmadı"); err != nil || rej.Status != store.SubscriptionRejected || rej.RejectReason != "Ödeme alınmadı" {
		t.Fatalf("reject: %+v %v", rej, err)
	}
	q := quota(t, st, b.CompanyID)
	if q.Total != 5000 || q.Remaining != 5000 || q.Spent != 0 {
		t.Fatalf("a rejected request must not count: %+v", q)
	}
}

// N goroutines race to reserve more than the balance: what they reserve
// together never exceeds it, and each success is in the ledger.
func TestQuotaNeverOverdraws(t *testing.T) {
	t.Parallel()
	st, b := setup(t)
	ctx := context.Background()
	grant(t, st, b.CompanyID, 5000)
	grant(t, st, b.CompanyID, 25000)
	const workers, each = 40, 997 // 40 × 997 = 39.880 > 30.000
	var wg sync.WaitGroup
	var mu sync.Mutex
	var won int64
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := st.ReserveForImport(ctx, b.CompanyID, each, int64(1000+i))
			var qe *store.QuotaError
			switch {
			case err == nil:
				mu.Lock()
				won += each
				mu.Unlock()
			case errors.As(err, &qe):
				if qe.Needed != each || qe.Remaining >= each {
					t.Errorf("refusal %v does not add up", qe)
				}
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	q := quota(t, st, b.CompanyID)
	if won > 30000 || q.Reserved != won || q.Remaining != 30000-won || won < 30000-each {
		t.Fatalf("reserved %d by the winners, quota %+v", won, q)
	}
	ledger, err := st.Ledger(ctx, []int64{b.CompanyID}, []string{"reserve"}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, e := range ledger {
		sum += e.Units
	}
	if sum != won {
		t.Fatalf("ledger reserves %d, winners %d", sum, won)
	}
}

func TestSettleDebitsAcceptedAndReleasesRefused(t *testing.T) {
	t.Parallel()
	st, b := setup(t)
	ctx := context.Background()
	grant(t, st, b.CompanyID, 5000)
	if err := st.ReserveForImport(ctx, b.CompanyID, 1000, 7); err != nil {
		t.Fatal(err)
	}
	if err := st.SettleImport(ctx, 7, 600, 150); err != nil {
		t.Fatal(err)
	}
	q := quota(t, st, b.CompanyID)
	if q.Spent != 600 || q.Reserved != 250 || q.Remaining != 4150 {
		t.Fatalf("after 600 accepted, 150 refused of 1000: %+v", q)
	}
	if err := st.SettleImport(ctx, 7, 300, 0); err == nil {
		t.Fatal("settling more than was held must fail loudly")
	}
	if q2 := quota(t, st, b.CompanyID); q2.Spent != q.Spent || q2.Reserved != q.Reserved {
		t.Fatalf("a failed settlement changed the balance: %+v → %+v", q, q2)
	}
	// The ledger is append-only.
	if _, err := st.Pool().Exec(ctx, `UPDATE quota_ledger SET units = 1`); err == nil {
		t.Fatal("quota_ledger accepted an UPDATE")
	}
	if _, err := st.Pool().Exec(ctx, `TRUNCATE quota_ledger`); err == nil {
		t.Fatal("quota_ledger accepted a TRUNCATE")
	}
}

func TestExpiredPackageStopsCounting(t *testing.T) {
	t.Parallel()
	st, b := setup(t)
	ctx := context.Background()
	old := grant(t, st, b.CompanyID, 5000)
	grant(t, st, b.CompanyID, 25000)
	if _, err := st.Pool().Exec(ctx, `UPDATE subscriptions SET starts_at = now() - interval '400 days', ends_at = now() - interval '35 days' WHERE id = $1`, old.ID); err != nil {
		t.Fatal(err)
	}
	q := quota(t, st, b.CompanyID)
	if q.Total != 25000 || q.Remaining != 25000 {
		t.Fatalf("expired package still counted: %+v", q)
	}
	var qe *store.QuotaError
	if err := st.ReserveForImport(ctx, b.CompanyID, 25001, 1); !errors.As(err, &qe) || qe.Error() != "Bu gönderim için 25.001 izin gerekli, kalan 25.000" {
		t.Fatalf("over the valid balance: %v", err)
	}
}

// Single consents made in parallel while units run out are all stored;
// those beyond the balance wait and go out when a package is approved.
func TestSingleConsentsWaitForQuota(t *testing.T) {
	t.Parallel()
	st, b := setup(t)
	ctx := context.Background()
	if _, err := st.Pool().Exec(ctx, `INSERT INTO packages (units, price_kurus) VALUES (10, 100);
		UPDATE companies SET integrator_assigned = true`); err != nil {
		t.Fatal(err)
	}
	grant(t, st, b.CompanyID, 10)
	const n = 30
	var wg sync.WaitGroup
	var mu sync.Mutex
	waiting := 0
	at := time.Now().Add(-time.Hour)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := st.ApplyConsent(ctx, store.System, b.ID, onay(fmt.Sprintf("+90532%07d", i), consent.TypeMesaj, consent.StatusOnay, at))
			if err != nil {
				t.Error(err)
				return
			}
			if res.QuotaWaiting {
				mu.Lock()
				waiting++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	q := quota(t, st, b.CompanyID)
	if waiting != 20 || q.Reserved != 10 || q.Remaining != 0 || q.Waiting != 20 {
		t.Fatalf("waiting %d, quota %+v", waiting, q)
	}
	grant(t, st, b.CompanyID, 5000)
	q = quota(t, st, b.CompanyID)
	if q.Waiting != 0 || q.Reserved != 30 || q.Remaining != 5010-30 {
		t.Fatalf("after a new package the waiting consents must be released: %+v", q)
	}
	var events, unbatched int
	if err := st.Pool().QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE batch_id IS NULL) FROM consent_events`).Scan(&events, &unbatched); err != nil {
		t.Fatal(err)
	}
	if events != n || unbatched != 0 {
		t.Fatalf("%d events (%d without a batch), want %d all batched", events, unbatched, n)
	}
}
