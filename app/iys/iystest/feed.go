package iystest

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"iysgate/app/iys/iysapi"
)

// The pull's families: movements sent by the provider (HS) and recipients'
// own in İYS (IYS).
const (
	familyHS uint8 = iota
	familyIYS
)

// changeWindow is how far back the pull reaches.
const changeWindow = iysapi.ChangeWindow

type feedKey struct {
	sp     uint32
	family uint8
}

// change is one entry of a pull.
type change struct {
	key         key
	status      uint8
	source      string
	date        int64 // Unix seconds; 0: none
	seq         int64
	created     int64 // Unix ns
	citizenName string
}

// feed is one brand's append-only list of changes of one family in creation
// order, searched by binary search.
type feed struct{ list []change }

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

// after is the index just past the change the cursor names: the change
// with the cursor's transactionId within its second or, when it is not
// there (a cursor of another instance), the first change created after
// that second.
func (s *Sim) after(f *feed, epoch int64, tx string) int {
	lo := f.firstCreatedFrom(epoch * int64(time.Second))
	hi := f.firstCreatedFrom((epoch + 1) * int64(time.Second))
	for i := lo; i < hi; i++ {
		if s.txID(f.list[i].seq) == tx {
			return i + 1
		}
	}
	return hi
}

// wireChange is a change as the pull lists it.
type wireChange struct {
	ConsentDate   string `json:"consentDate,omitempty"`
	CreationDate  string `json:"creationDate"`
	Source        string `json:"source,omitempty"`
	Recipient     string `json:"recipient"`
	RecipientType string `json:"recipientType"`
	Status        string `json:"status"`
	Type          string `json:"type"`
	TransactionID string `json:"transactionId"`
	CitizenName   string `json:"citizenName,omitempty"`
}

// cursor is the pull's after value: the creation time in Unix seconds and
// the transactionId of the last change listed.
func (s *Sim) cursor(c *change) string {
	return strconv.FormatInt(c.created/int64(time.Second), 10) + "_" + s.txID(c.seq)
}

// handleChanges: GET …/consents/changes?source&after&limit. Movements of the
// last seven days except the last ChangeDelay, in creation order; 204 when
// there is none after the cursor.
func (s *Sim) handleChanges(c *call) {
	q := c.r.URL.Query()
	source := iysapi.DefaultChanges
	if q.Has("source") {
		source = q.Get("source")
	}
	var family uint8
	switch source {
	case iysapi.ChangesHS:
		family = familyHS
	case iysapi.ChangesIYS:
		family = familyIYS
	default:
		c.fail(apiErr("H506", "source").withValue(source))
		return
	}
	limit := iysapi.MaxChangesPage
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > iysapi.MaxChangesPage {
			c.fail(apiErr("H507", "limit").withValue(v))
			return
		}
		limit = n
	}
	epoch, tx, hasCursor := int64(0), "", false
	if v := q.Get("after"); v != "" {
		e, t, found := strings.Cut(v, "_")
		n, err := strconv.ParseInt(e, 10, 64)
		if !found || err != nil {
			c.fail(apiErr("H098", "after").withValue(v))
			return
		}
		epoch, tx, hasCursor = n, t, true
	}
	s.mu.Lock()
	s.settleLocked(c.now)
	var out []wireChange
	var last string
	if sp, ok := s.sps[spKey{c.r.PathValue("iysCode"), c.r.PathValue("brandCode")}]; ok {
		if f := s.feeds[feedKey{sp, family}]; f != nil {
			now := c.now.UnixNano()
			lo := f.firstCreatedFrom(now - int64(changeWindow))
			hi := sort.Search(len(f.list), func(i int) bool { return f.list[i].created > now-int64(s.cfg.ChangeDelay) })
			if hasCursor {
				lo = max(lo, s.after(f, epoch, tx))
			}
			for i := lo; i < min(hi, lo+limit); i++ {
				out = append(out, s.wireChange(&f.list[i]))
				last = s.cursor(&f.list[i])
			}
		}
	}
	s.mu.Unlock()
	if len(out) == 0 {
		c.noContent()
		return
	}
	c.answer(struct {
		After string       `json:"after"`
		List  []wireChange `json:"list"`
	}{last, out})
}

func (s *Sim) wireChange(c *change) wireChange {
	w := wireChange{
		CreationDate:  formatNano(c.created),
		Source:        c.source,
		Recipient:     c.key.recipient,
		RecipientType: rtNames[c.key.rt],
		Status:        statusNames[c.status],
		Type:          typeNames[c.key.typ],
		TransactionID: s.txID(c.seq),
		CitizenName:   c.citizenName,
	}
	if c.date != 0 {
		w.ConsentDate = formatUnix(c.date)
	}
	return w
}
