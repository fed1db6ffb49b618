package iystest

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// A list is refused whole, with each bad item's index, when any item
// breaks a rule of its own fields or repeats a key; nothing of it is
// stored.
func TestListRefusedWhole(t *testing.T) {
	s, c, clk := newSim(t, Config{})
	at := clk.Now().Add(-time.Hour)
	items := []consentBody{onay("+905320000001", at), onay("+905320000002", at).with("type", "SMS"), onay("+905320000003", at),
		ret("+905320000001", at.Add(time.Minute)), onay("+905320000004", at).with("source", "IYS_WEB")}
	a := c.call("POST", sp+"/consents/request", items)
	wantCodes(t, a, 422, "H117", "H194", "H119")
	var idx []int
	for _, e := range a.apiErrors() {
		idx = append(idx, *e.Index)
	}
	if !slices.Equal(idx, []int{1, 3, 4}) {
		t.Errorf("indexes %v, want [1 3 4]", idx)
	}
	if st := s.Stats(); st.Movements != 0 || st.AsyncRequests != 0 {
		t.Errorf("a refused list left %+v", st)
	}
	// Different types or recipient types of one address are different keys.
	c.list([]consentBody{onay("+905320000001", at), onay("+905320000001", at).with("type", "ARAMA"),
		onay("+905320000001", at).with("recipientType", "TACIR")}, false)
}

func TestListLimits(t *testing.T) {
	_, c, clk := newSim(t, Config{})
	at := clk.Now().Add(-time.Hour)
	items := make([]consentBody, 1000)
	for i := range items {
		items[i] = onay(fmt.Sprintf("+90532%07d", i), at)
	}
	c.list(items, true)
	wantCodes(t, c.call("POST", sp+"/consents/request", append(items, onay("+905330000000", at))), 422, "H091")
	wantCodes(t, c.call("POST", sp+"/consents/request", []consentBody{}), 400, "H092")
}

// Items are decided in list order, lists in arrival order, spread over the
// processing time; the result is empty until the first is decided, then
// lists enqueue for the rest.
func TestListDecidedInOrder(t *testing.T) {
	s, c, clk := newSim(t, Config{AsyncDelay: 4 * time.Second})
	at := clk.Now().Add(-time.Hour)
	first := c.list([]consentBody{onay("+905320000001", at), onay("+905320000002", at)}, false)
	second := c.list([]consentBody{ret("+905320000001", at.Add(time.Minute))}, false)
	if r := c.result(first.RequestID, false); len(r) != 0 {
		t.Fatalf("before any decision: %+v", r)
	}
	clk.Advance(2 * time.Second)
	r := c.result(first.RequestID, false)
	if len(r) != 2 || r[0].Status != "success" || r[1].Status != "enqueue" {
		t.Fatalf("halfway: %+v", r)
	}
	if got := c.result(second.RequestID, false); len(got) != 0 {
		t.Fatalf("the second list before the first is done: %+v", got)
	}
	clk.Advance(3 * time.Second)
	if r := c.result(second.RequestID, false); len(r) != 1 || r[0].Status != "success" {
		t.Fatalf("the RET after the ONAY: %+v", r)
	}
	if st := s.Stats(); st.Items.Success != 3 || st.Items.Enqueue != 0 {
		t.Errorf("items %+v", st.Items)
	}
	// A V1 list is not read at the V2 result, nor an unknown id.
	if r := c.result(first.RequestID, true); len(r) != 0 {
		t.Errorf("V2 result of a V1 list: %+v", r)
	}
	if r := c.result("5a2edd8e-dd6e-4293-b09b-6180b2c5d021", false); len(r) != 0 {
		t.Errorf("unknown id: %+v", r)
	}
}

// Rules against the record are decided later and show as failures with
// their code.
func TestListRuleFailures(t *testing.T) {
	_, c, clk := newSim(t, Config{})
	at := clk.Now().Add(-time.Hour)
	c.must(c.add(onay("+905320000002", at), false), 200, nil)
	l := c.list([]consentBody{ret("+905320000001", at), ret("+905320000002", at.Add(-time.Minute)), onay("+905320000003", at)}, true)
	r := c.result(l.RequestID, true)
	var got []string
	for _, it := range r {
		got = append(got, it.Status+errCode(it))
	}
	if want := []string{"failureH175", "failureH178", "success"}; !slices.Equal(got, want) {
		t.Fatalf("%v, want %v", got, want)
	}
}

func errCode(it resultItem) string {
	if it.Error == nil {
		return ""
	}
	return it.Error.Code
}

// V2 recognises an item that repeats a stored movement; whether it
// recognises one whose first copy is still queued is Config's.
func TestListV2Recognition(t *testing.T) {
	for _, queued := range []bool{false, true} {
		t.Run(fmt.Sprint("recognises queued ", queued), func(t *testing.T) {
			s, c, clk := newSim(t, Config{AsyncDelay: 10 * time.Second, V2RecognisesQueued: queued, SameDateStored: true})
			at := clk.Now().Add(-time.Hour)
			items := []consentBody{onay("+905320000001", at)}
			first := c.list(items, true)
			again := c.list(items, true) // the first copy is still queued
			clk.Advance(30 * time.Second)
			third := c.list(items, true) // the first copy is stored
			clk.Advance(30 * time.Second)
			r2, r3 := c.result(again.RequestID, true)[0], c.result(third.RequestID, true)[0]
			if r3.Original == nil || r3.Original.RequestID != first.RequestID || r3.V2 != "true" {
				t.Errorf("the resend after storing: %+v", r3)
			}
			st := s.Stats()
			if queued && (r2.Original == nil || st.StoredTwice != 0) {
				t.Errorf("recognising queued: %+v, stats %+v", r2, st)
			}
			if !queued && (r2.Original != nil || st.StoredTwice != 1) {
				t.Errorf("not recognising queued, with same-date repeats stored: %+v, stats %+v", r2, st)
			}
		})
	}
}

// A V1 resend of a stored movement is judged again: RET over RET H174, an
// ONAY with the same date H178.
func TestListV1Resend(t *testing.T) {
	_, c, clk := newSim(t, Config{})
	at := clk.Now().Add(-time.Hour)
	c.list([]consentBody{onay("+905320000001", at), onay("+905320000002", at)}, false)
	c.list([]consentBody{ret("+905320000002", at.Add(time.Minute))}, false)
	l := c.list([]consentBody{onay("+905320000001", at), ret("+905320000002", at.Add(time.Minute))}, false)
	r := c.result(l.RequestID, false)
	if errCode(r[0]) != "H178" || errCode(r[1]) != "H174" {
		t.Errorf("V1 resends: %+v", r)
	}
}

// Results are kept 60 days; then the id answers an empty list.
func TestListRetention(t *testing.T) {
	_, c, clk := newSim(t, Config{})
	l := c.list([]consentBody{onay("+905320000001", clk.Now().Add(-time.Hour))}, false)
	clk.Advance(59 * 24 * time.Hour)
	c.token = c.login("entegrator", "parola")
	if len(c.result(l.RequestID, false)) != 1 {
		t.Fatal("forgotten before 60 days")
	}
	clk.Advance(2 * 24 * time.Hour)
	c.token = c.login("entegrator", "parola")
	if r := c.result(l.RequestID, false); len(r) != 0 {
		t.Fatalf("after 60 days: %+v", r)
	}
}
