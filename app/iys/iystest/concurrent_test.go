package iystest

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// Lists, polls, adds, queries, pulls and recipients' own movements from
// many goroutines at once, with items decided while others read them (run
// with -race).
func TestConcurrent(t *testing.T) {
	sim, c, _ := newSim(t, Config{Now: time.Now, AsyncDelay: 20 * time.Millisecond})
	at := time.Now().Add(-time.Hour)
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			items := make([]consentBody, 200)
			for i := range items {
				items[i] = onay(fmt.Sprintf("+90532%02d%05d", g, i), at)
			}
			l := c.list(items, g%2 == 0)
			for i := range 20 {
				single := fmt.Sprintf("+90533%02d%05d", g, i)
				c.must(c.add(onay(single, at), g%2 == 1), 200, nil)
				c.result(l.RequestID, g%2 == 0)
				c.status(fmt.Sprintf("+90532%02d%05d", g, i), "MESAJ")
				if err := sim.CitizenRet(iysCode, brandOne, single, "MESAJ", "BIREYSEL"); err != nil {
					t.Error(err)
				}
				c.call("GET", sp+"/consents/changes?source=HS&limit=10", nil)
			}
			deadline := time.Now().Add(5 * time.Second)
			for {
				r := c.result(l.RequestID, g%2 == 0)
				done := len(r) == len(items)
				for _, it := range r {
					done = done && it.Status == "success"
				}
				if done {
					return
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
	if st := sim.Stats(); st.Items.Success != 6*200 || st.ConsentsStored != 6*220 || st.StoredTwice != 0 {
		t.Errorf("stats %+v", st)
	}
}
