package guard

import (
	"container/heap"
	"net/netip"
)

// bucket is one token bucket; times are nanoseconds since the guard's epoch.
type bucket struct {
	tokens float64
	last   int64
}

func (b *bucket) refill(c bucketCfg, now int64) {
	if now > b.last {
		b.tokens = min(c.burst, b.tokens+float64(now-b.last)*c.rate)
		b.last = now
	}
}

// source is the rate and failure state of one address, linked into the
// table's recency list.
type source struct {
	addr       netip.Addr
	prev, next *source
	fresh      bool
	buckets    [numClasses]bucket
	// fails is a ring of failure times, oldest at head.
	fails []int64
	head  int
	nfail int
}

// record expires failures older than window and appends now, returning the
// number of failures within the window.
func (s *source) record(now, window int64) int {
	for s.nfail > 0 && now-s.fails[s.head] >= window {
		s.head = (s.head + 1) % len(s.fails)
		s.nfail--
	}
	if s.nfail == len(s.fails) {
		// Cannot happen while the caller blocks at len(fails); keep the
		// newest anyway.
		s.head = (s.head + 1) % len(s.fails)
		s.nfail--
	}
	s.fails[(s.head+s.nfail)%len(s.fails)] = now
	s.nfail++
	return s.nfail
}

func (s *source) clearFailures() { s.head, s.nfail = 0, 0 }

// table is a fixed-capacity map of sources with least-recently-used
// eviction. A sentinel closes the recency list into a ring: root.next is the
// most recent entry, root.prev the least recent.
type table struct {
	m    map[netip.Addr]*source
	root source
	cap  int
}

func (t *table) init(capacity int) {
	t.cap = max(capacity, 1)
	t.m = make(map[netip.Addr]*source, min(t.cap, 1024))
	t.root.next, t.root.prev = &t.root, &t.root
}

func (t *table) len() int { return len(t.m) }

func (t *table) get(a netip.Addr) *source { return t.m[a] }

func (t *table) unlink(s *source) {
	s.prev.next = s.next
	s.next.prev = s.prev
}

func (t *table) pushFront(s *source) {
	s.prev = &t.root
	s.next = t.root.next
	t.root.next.prev = s
	t.root.next = s
}

// touch returns the entry for a, marked most recent, creating it if needed.
// A new entry has fresh set. When the table is full the least recent entry
// is evicted and its memory reused, so a flood of new addresses allocates
// nothing once the table is full.
func (t *table) touch(a netip.Addr) (s *source, evicted bool) {
	if s = t.m[a]; s != nil {
		if t.root.next != s {
			t.unlink(s)
			t.pushFront(s)
		}
		return s, false
	}
	if len(t.m) >= t.cap {
		s = t.root.prev
		t.unlink(s)
		delete(t.m, s.addr)
		evicted = true
		s.clearFailures()
	} else {
		s = new(source)
	}
	s.addr = a
	s.fresh = true
	t.m[a] = s
	t.pushFront(s)
	return s, evicted
}

// penalty is a blocked source; it outlives the block by ForgetAfter so that
// repeat offences escalate.
type penalty struct {
	addr     netip.Addr
	until    int64
	reason   string
	failures int
	offences int
	manual   bool
	index    int
}

// penalties is a bounded set of blocked sources kept apart from the source
// table, so a flood of new addresses cannot push a block out of memory.
// Operator blocks and automatic blocks sit in separate heaps ordered by end
// time. When the set is full, an operator block that has ended goes first,
// then the automatic block that ends (or ended) first; an active operator
// block goes only when there is nothing else.
type penalties struct {
	m            map[netip.Addr]*penalty
	auto, manual penaltyHeap
	cap          int
}

func (p *penalties) init(capacity int) {
	p.cap = max(capacity, 1)
	p.m = make(map[netip.Addr]*penalty)
}

func (p *penalties) get(a netip.Addr) *penalty { return p.m[a] }

func (p *penalties) heapOf(manual bool) *penaltyHeap {
	if manual {
		return &p.manual
	}
	return &p.auto
}

// add inserts an entry for a, evicting one when full, and reports whether
// it evicted.
func (p *penalties) add(a netip.Addr, manual bool, until, now int64) (e *penalty, evicted bool) {
	if len(p.m) >= p.cap {
		h := &p.auto
		if len(p.manual) > 0 && (p.manual[0].until <= now || len(p.auto) == 0) {
			h = &p.manual
		}
		old := heap.Pop(h).(*penalty)
		delete(p.m, old.addr)
		evicted = true
	}
	e = &penalty{addr: a, manual: manual, until: until}
	p.m[a] = e
	heap.Push(p.heapOf(manual), e)
	return e, evicted
}

// set changes the kind and end time of e.
func (p *penalties) set(e *penalty, manual bool, until int64) {
	if e.manual != manual {
		heap.Remove(p.heapOf(e.manual), e.index)
		e.manual, e.until = manual, until
		heap.Push(p.heapOf(manual), e)
		return
	}
	e.until = until
	heap.Fix(p.heapOf(manual), e.index)
}

func (p *penalties) remove(e *penalty) {
	heap.Remove(p.heapOf(e.manual), e.index)
	delete(p.m, e.addr)
}

// each calls f for every entry.
func (p *penalties) each(f func(*penalty)) {
	for _, e := range p.auto {
		f(e)
	}
	for _, e := range p.manual {
		f(e)
	}
}

type penaltyHeap []*penalty

func (h penaltyHeap) Len() int           { return len(h) }
func (h penaltyHeap) Less(i, j int) bool { return h[i].until < h[j].until }
func (h penaltyHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *penaltyHeap) Push(x any) {
	e := x.(*penalty)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *penaltyHeap) Pop() any {
	old := *h
	n := len(old)
	e := old[n-1]
	old[n-1] = nil
	*h = old[:n-1]
	return e
}
