package iystest

import (
	"sort"
	"time"
)

// Feed families: provider-sent changes (HS) and citizens' own (IYS).
const (
	familyHS uint8 = iota
	familyIYS
)

type feedKey struct {
	sp     uint32
	family uint8
}

// change is one entry of a change feed.
type change struct {
	recipient       string
	typ, rt, status uint8
	source          string
	date            int64 // Unix seconds; 0: none
	seq             int64
	created         int64 // Unix ns
}

// feed is the append-only list of one brand's changes of one family, in
// creation order (and so in sequence order), searched by binary search.
type feed struct {
	list []change
}

// append adds c and, now and then, drops the changes created before
// horizon, which can never be served again.
func (f *feed) append(c change, horizon int64) {
	f.list = append(f.list, c)
	if n := len(f.list); n >= 4096 && n&(n-1) == 0 {
		if cut := f.firstCreatedFrom(horizon); cut > n/2 {
			f.list = append(make([]change, 0, 2*(n-cut)), f.list[cut:]...)
		}
	}
}

// firstCreatedFrom is the index of the first change created at or after t.
func (f *feed) firstCreatedFrom(t int64) int {
	return sort.Search(len(f.list), func(i int) bool { return f.list[i].created >= t })
}

// page returns up to limit changes after the one with sequence afterSeq
// (-1: from the start), among those created within the change window and
// not within the last delay. now is Unix ns.
func (f *feed) page(afterSeq int64, limit int, now int64, delay time.Duration) []change {
	lo := f.firstCreatedFrom(now - int64(ChangeWindow))
	hi := sort.Search(len(f.list), func(i int) bool { return f.list[i].created > now-int64(delay) })
	if afterSeq >= 0 {
		lo = max(lo, sort.Search(len(f.list), func(i int) bool { return f.list[i].seq > afterSeq }))
	}
	if lo >= hi {
		return nil
	}
	return f.list[lo:min(hi, lo+limit)]
}

// wireChange is a change as consent_changes lists it.
type wireChange struct {
	ConsentDate   string `json:"consentDate,omitempty"`
	CreationDate  string `json:"creationDate"`
	Source        string `json:"source,omitempty"`
	Recipient     string `json:"recipient"`
	RecipientType string `json:"recipientType"`
	Status        string `json:"status"`
	Type          string `json:"type"`
	TransactionID string `json:"transactionId"`
}

func (s *Sim) wireChange(c *change) wireChange {
	w := wireChange{
		CreationDate:  formatNano(c.created),
		Source:        c.source,
		Recipient:     c.recipient,
		RecipientType: rtNames[c.rt],
		Status:        statusNames[c.status],
		Type:          typeNames[c.typ],
		TransactionID: s.txID(c.seq),
	}
	if c.date != 0 {
		w.ConsentDate = formatUnix(c.date)
	}
	return w
}
