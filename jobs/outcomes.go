package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"iysgate/app/consent"
	"iysgate/app/iys"
	"iysgate/app/iys/iysapi"
	"iysgate/app/store"
)

// İYS's answers turned into items' outcomes, and the questions to İYS that
// settle an answer left open.

// wire is an item as İYS takes it.
func wire(it store.BatchItem) iys.Consent {
	c := iys.Consent{Recipient: it.Recipient, Type: it.Type, Status: it.Status, RecipientType: it.RecipientType, Source: it.Source}
	if it.ConsentDate != nil {
		c.ConsentDate = consent.FormatIYS(*it.ConsentDate)
	}
	return c
}

func key(it store.BatchItem) iys.Key {
	return iys.Key{Recipient: it.Recipient, RecipientType: it.RecipientType, Type: it.Type}
}

func accepted(it store.BatchItem, txn string) store.Outcome {
	return store.Outcome{EventID: it.EventID, Accepted: true, Charged: true, TransactionID: txn}
}

// alreadyThere is an item İYS already held as it is: final, nothing spent.
func alreadyThere(it store.BatchItem, txn string) store.Outcome {
	return store.Outcome{EventID: it.EventID, Accepted: true, TransactionID: txn, Message: "İYS'de zaten bu durumda kayıtlı"}
}

// refused is an item refused for good with İYS's codes (the first's
// Turkish message; the others named).
func refused(it store.BatchItem, codes ...string) store.Outcome {
	if len(codes) == 0 || codes[0] == "" {
		return store.Outcome{EventID: it.EventID, Message: "İYS izni reddetti ama nedenini bildirmedi"}
	}
	msg, _ := iys.Describe(codes[0])
	if len(codes) > 1 {
		msg += " (İYS'nin diğer kodları: " + strings.Join(codes[1:], ", ") + ")"
	}
	return store.Outcome{EventID: it.EventID, Code: codes[0], Message: msg}
}

func codes(faults []iys.Fault) []string {
	out := make([]string, len(faults))
	for i, f := range faults {
		out[i] = f.Code
	}
	return out
}

// judge turns İYS's refusal of an item into its outcome. H174 (İYS holds
// this status already) and H178 (İYS holds a later date) mean "already
// there" or a refusal, unless an earlier, lost request of the item may
// have delivered it: then what İYS holds decides whether it is the item's
// own movement.
func (r *run) judge(ctx context.Context, b *store.Batch, it store.BatchItem, codes ...string) (store.Outcome, error) {
	code := ""
	if len(codes) > 0 {
		code = codes[0]
	}
	switch {
	case code == "H174" && !it.Uncertain:
		return alreadyThere(it, ""), nil
	case (code == "H174" || code == "H178") && it.Uncertain:
		return r.verify(ctx, b, it, code)
	}
	return refused(it, codes...), nil
}

// verify asks İYS whether it holds the item's own movement: its current
// one by the single status query, an earlier one by the history.
func (r *run) verify(ctx context.Context, b *store.Batch, it store.BatchItem, code string) (store.Outcome, error) {
	w := wire(it)
	st, err := r.client().Status(ctx, sp(b), key(it))
	if err != nil {
		return store.Outcome{}, err
	}
	if st != nil && st.Status == w.Status && st.ConsentDate == w.ConsentDate {
		return accepted(it, st.TransactionID), nil
	}
	if code == "H174" {
		return alreadyThere(it, ""), nil
	}
	h, err := r.client().History(ctx, sp(b), key(it), 0, iysapi.MaxPage)
	if err != nil {
		return store.Outcome{}, err
	}
	for _, m := range h.List {
		if m.Status == w.Status && m.ConsentDate == w.ConsentDate {
			return accepted(it, m.TransactionID), nil // stored, then superseded
		}
	}
	return refused(it, code), nil
}

// resolve settles a batch whose send's answer was lost: what İYS holds of
// its items decides, asked once İYS has had the time to work the list. The
// multiple status query tells which recipients are ONAY: an ONAY item
// listed is stored (if İYS held no ONAY before it; else the single status
// query compares dates); every other item goes again, marked uncertain, so
// that İYS recognises it if it stored it after all (V2), or its "already
// there" is checked. A single add sent by V2 goes again at once: V2
// answers its identical resend with the stored movement.
func (r *run) resolve(ctx, db context.Context, b *store.Batch) error {
	if b.Kind == store.BatchKindOne && r.client().V2() {
		return r.st().Unsend(db, b.ID, time.Now(), false, true, "")
	}
	if b.SentAt != nil && time.Since(*b.SentAt) < r.cfg().ResultWait {
		return r.st().Defer(db, b.ID, b.SentAt.Add(r.cfg().ResultWait), false, "")
	}
	items, err := r.st().InFlight(db, b.ID, true)
	if err != nil {
		return err
	}
	onay, err := r.onayOf(ctx, b, items)
	if err != nil {
		if ctx.Err() != nil { // the run ended: the next one asks
			return r.st().Defer(db, b.ID, time.Now(), false, "")
		}
		return r.st().Defer(db, b.ID, r.retryAt(b, err), true, turkish(err))
	}
	var outs []store.Outcome
	for _, it := range items {
		if it.Status != string(consent.StatusOnay) || !onay[normal(it)] {
			continue
		}
		if it.PriorStatus != string(consent.StatusOnay) {
			outs = append(outs, accepted(it, ""))
			continue
		}
		// A renewal: İYS held ONAY before; only the date tells.
		st, err := r.client().Status(ctx, sp(b), key(it))
		if err != nil {
			return r.st().Defer(db, b.ID, r.retryAt(b, err), true, turkish(err))
		}
		if st != nil && st.ConsentDate == wire(it).ConsentDate {
			outs = append(outs, accepted(it, st.TransactionID))
		}
	}
	if err := r.record(db, b, outs); err != nil {
		return err
	}
	return r.st().Unsend(db, b.ID, time.Now(), false, true,
		fmt.Sprintf("İYS'ye soruldu: %d kayıt İYS'de bulundu, kalan %d yeniden gönderiliyor", len(outs), len(items)-len(outs)))
}

// onayOf asks which recipients of the items İYS holds as ONAY, per
// recipient type and channel.
func (r *run) onayOf(ctx context.Context, b *store.Batch, items []store.BatchItem) (map[string]bool, error) {
	type group struct{ rt, typ string }
	groups := map[group][]string{}
	var order []group
	for _, it := range items {
		g := group{it.RecipientType, it.Type}
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], it.Recipient)
	}
	onay := map[string]bool{}
	for _, g := range order {
		list, err := r.client().StatusMany(ctx, sp(b), g.rt, g.typ, groups[g])
		if err != nil {
			return nil, err
		}
		for _, rcp := range list {
			onay[g.rt+"|"+g.typ+"|"+strings.ToLower(rcp)] = true
		}
	}
	return onay, nil
}

// normal is an item's key as İYS answers it (e-mail addresses lower-cased).
func normal(it store.BatchItem) string {
	return it.RecipientType + "|" + it.Type + "|" + strings.ToLower(it.Recipient)
}

func jsonString(raw json.RawMessage, v *string) error { return json.Unmarshal(raw, v) }

func equalFold(a, b string) bool { return strings.EqualFold(a, b) }

// turkish is an İYS failure as Gönderimler shows it.
func turkish(err error) string {
	if errors.Is(err, iys.ErrInvalidCall) {
		return "İYS numarası ya da marka kodu eksik: İYS Ayarları'nı tamamlayın, sonra Yeniden dene"
	}
	if errors.Is(err, iys.ErrRateLimited) {
		return "İYS'nin istek sınırı dolu; sırası gelince yeniden denenecek"
	}
	var e *iys.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	if c, ok := iysapi.LookupCode(e.Code); ok {
		return e.Code + ": " + c.Message + " " + c.Hint
	}
	switch iys.ClassOf(err) {
	case iysapi.ClassRateLimit:
		return "İYS istek sınırı doldu; bekleyip yeniden denenecek"
	case iysapi.ClassTransient:
		if e.HTTPStatus == 0 {
			return "İYS'ye ulaşılamadı; yeniden denenecek"
		}
		return fmt.Sprintf("İYS geçici hata verdi (HTTP %d); yeniden denenecek", e.HTTPStatus)
	case iysapi.ClassAuth:
		return "İYS oturumu açılamadı; yeniden denenecek"
	}
	if e.Kind == iysapi.KindToken {
		return "İYS oturumu açılamadı: " + e.Message + " (İYS kullanıcı adını ve parolasını kontrol edin)"
	}
	return fmt.Sprintf("İYS beklenmeyen bir cevap verdi (HTTP %d %s): %s", e.HTTPStatus, e.Code, e.Message)
}
