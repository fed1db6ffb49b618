package iystest

import (
	"strconv"
	"time"
)

// asyncReq is one consent_request: its items until they are decided, and
// their results.
type asyncReq struct {
	id      string
	sp      uint32
	arrived time.Time
	items   []item // nil once every item is decided
	results []result
	decided int // results[:decided] are final and never change again
}

// due is when item i is decided: the items are spread evenly over delay,
// the last one at arrival+delay.
func (r *asyncReq) due(i int, delay time.Duration) time.Time {
	if delay <= 0 {
		return r.arrived
	}
	n := len(r.results)
	return r.arrived.Add(time.Duration(float64(delay) * float64(i+1) / float64(n)))
}

// newRequestLocked registers a request whose items were validated at now
// and decides what is due. s.mu is held.
func (s *Sim) newRequestLocked(sp uint32, items []item, now time.Time) *asyncReq {
	s.reqSeq++
	r := &asyncReq{
		id:      s.instance + "-r" + strconv.FormatInt(s.reqSeq, 10),
		sp:      sp,
		arrived: now,
		items:   items,
		results: make([]result, len(items)),
	}
	s.requests[r.id] = r
	s.kept = append(s.kept, r)
	s.queue = append(s.queue, r)
	s.settleLocked(now)
	return r
}

// settleLocked decides every item that has fallen due by now, in arrival
// order of the requests and request order of the items, each at its due
// time, as a punctual background worker would have. Every call that reads
// or changes the state calls it first. s.mu is held.
func (s *Sim) settleLocked(now time.Time) {
	done := 0
	for _, r := range s.queue {
		for r.decided < len(r.results) {
			due := r.due(r.decided, s.cfg.AsyncDelay)
			if due.After(now) {
				break
			}
			res := s.decideLocked(r.sp, &r.items[r.decided], due)
			if res.problem == nil {
				s.itemsOK++
			} else {
				s.itemsFailed++
			}
			r.results[r.decided] = res
			r.decided++
		}
		if r.decided < len(r.results) {
			break // later requests wait for this one
		}
		r.items = nil
		done++
	}
	if done > 0 {
		s.queue = append(s.queue[:0], s.queue[done:]...)
	}
	s.expireLocked(now)
}

// expireLocked forgets requests older than keepRequests.
func (s *Sim) expireLocked(now time.Time) {
	n := 0
	for _, r := range s.kept {
		if r.decided < len(r.results) || now.Sub(r.arrived) < keepRequests {
			break
		}
		delete(s.requests, r.id)
		n++
	}
	if n > 0 {
		s.kept = append(s.kept[:0], s.kept[n:]...)
	}
}
