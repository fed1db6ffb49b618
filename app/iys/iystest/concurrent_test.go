package iystest

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestConcurrent: requests, polls, adds, status queries, feed reads and
// citizen RETs from many goroutines at once, with items decided while
// others read them (run with -race).
func TestConcurrent(t *testing.T) {
	sim, c, _ := newSim(t, Config{Now: time.Now, AsyncDelay: 20 * time.Millisecond})
	at := time.Now().Add(-time.Hour)
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			items := make([]wireConsent, 200)
			for i := range items {
				items[i] = onay(fmt.Sprintf("+90532%02d%05d", g, i), at)
			}
			id := c.request(items)
			for i := range 20 {
				single := fmt.Sprintf("+90533%02d%05d", g, i)
				c.must(c.add(onay(single, at)), 200, nil)
				c.result(id)
				a := c.call("POST", consents+"/status", map[string]string{"recipient": items[i].Recipient, "recipientType": "BIREYSEL", "type": "MESAJ"})
				if a.status != 200 && a.status != 404 {
					t.Errorf("status: %d %s", a.status, a.body)
				}
				if err := sim.CitizenRet(iysCode, brand, single, "MESAJ", "BIREYSEL"); err != nil {
					t.Error(err)
				}
				c.changes("HS", "", 10)
			}
			deadline := time.Now().Add(5 * time.Second)
			for {
				done := true
				for _, r := range c.result(id) {
					done = done && r.Status == "success"
				}
				if done {
					break
				}
				if time.Now().After(deadline) {
					t.Error("not decided in time")
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	st := sim.Stats()
	if st.Items.Success != 6*200 || st.ConsentsStored != 6*220 {
		t.Errorf("stats %+v", st)
	}
}
