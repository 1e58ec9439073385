package cdrstore

import (
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"tipring/gateway"
)

func open(t *testing.T) (*Store, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cdr.db")
	s, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, p
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)

func cdr(id, from, to string, start time.Time) gateway.CDR {
	return gateway.CDR{
		CallID: id, Direction: "outbound", From: from, To: to,
		SrcLeg: "FXS/1/1", DstLeg: "sip:" + to + "@127.0.0.1",
		Start: start, Answer: start.Add(2 * time.Second), End: start.Add(62 * time.Second),
		Duration: 60, Disposition: "ANSWERED", Cause: "caller", Codec: "PCMU",
	}
}

func TestRoundTripAllFields(t *testing.T) {
	s, _ := open(t)
	loc := time.FixedZone("X", 3600)
	in := gateway.CDR{
		CallID: "c1", Direction: "inbound", From: "+4930123", To: "2001",
		SrcLeg: "sip:+4930123@127.0.0.1", DstLeg: "FXS/1/1",
		Start: t0.In(loc), Answer: t0.Add(1500 * time.Millisecond), End: t0.Add(90 * time.Second),
		Duration: 88.5, Disposition: "ANSWERED", Cause: "callee", Codec: "PCMA",
	}
	unanswered := gateway.CDR{CallID: "c2", Direction: "local", From: "2001", To: "2002",
		SrcLeg: "FXS/1/1", DstLeg: "FXS/1/2", Start: t0.Add(time.Minute), End: t0.Add(time.Minute + 30*time.Second),
		Disposition: "NO ANSWER", Cause: "caller"}
	for _, c := range []gateway.CDR{in, unanswered} {
		if err := s.WriteCDR(c); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Query(Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d records", len(got))
	}
	for i, want := range []gateway.CDR{unanswered, in} {
		g := got[i]
		if !g.Start.Equal(want.Start) || !g.Answer.Equal(want.Answer) || !g.End.Equal(want.End) {
			t.Errorf("%d: times %v %v %v, want %v %v %v", i, g.Start, g.Answer, g.End, want.Start, want.Answer, want.End)
		}
		g.Start, g.Answer, g.End = want.Start, want.Answer, want.End
		if !reflect.DeepEqual(g, want) {
			t.Errorf("%d: got %+v\nwant %+v", i, g, want)
		}
	}
	if !got[0].Answer.IsZero() {
		t.Errorf("unanswered call has answer time %v", got[0].Answer)
	}
	if n, err := s.Count(); err != nil || n != 2 {
		t.Errorf("Count = %d, %v", n, err)
	}
}

func TestQueryFilters(t *testing.T) {
	s, _ := open(t)
	for i := range 10 {
		from := fmt.Sprintf("200%d", i%3)
		if err := s.WriteCDR(cdr(fmt.Sprint(i), from, "5551234", t0.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(cs []gateway.CDR) []string {
		var s []string
		for _, c := range cs {
			s = append(s, c.CallID)
		}
		return s
	}
	check := func(name string, q Query, want []string) {
		t.Helper()
		got, err := s.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ids(got), want) {
			t.Errorf("%s: got %v, want %v", name, ids(got), want)
		}
	}
	check("limit newest first", Query{Limit: 3}, []string{"9", "8", "7"})
	check("since", Query{Since: t0.Add(7 * time.Minute)}, []string{"9", "8", "7"})
	check("from", Query{Number: "2001"}, []string{"7", "4", "1"})
	check("to", Query{Number: "5551234", Limit: 2}, []string{"9", "8"})
	check("both", Query{Number: "2000", Since: t0.Add(time.Minute)}, []string{"9", "6", "3"})
	check("none", Query{Number: "999"}, nil)
	if got, _ := s.Query(Query{Number: "999"}); got == nil {
		t.Error("empty result is nil, want empty slice")
	}
	n, err := s.Prune(t0.Add(5 * time.Minute))
	if err != nil || n != 5 {
		t.Errorf("Prune = %d, %v", n, err)
	}
	check("after prune", Query{}, []string{"9", "8", "7", "6", "5"})
}

func TestReopenPersists(t *testing.T) {
	p := filepath.Join(t.TempDir(), "cdr.db")
	s, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteCDR(cdr("keep", "2001", "2002", t0)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Query(Query{})
	if err != nil || len(got) != 1 || got[0].CallID != "keep" {
		t.Fatalf("after reopen: %+v %v", got, err)
	}
	var mode string
	if err := s.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode %q %v", mode, err)
	}
}

func TestConcurrentWriters(t *testing.T) {
	s, p := open(t)
	// A second Store on the same file stands for another process.
	s2, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	const writers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := s
			if w%2 == 1 {
				st = s2
			}
			for i := range each {
				if err := st.WriteCDR(cdr(fmt.Sprintf("%d-%d", w, i), "2001", "2002", t0.Add(time.Duration(i)*time.Second))); err != nil {
					errs <- err
				}
				if _, err := st.Query(Query{Limit: 5}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n, err := s.Count(); err != nil || n != writers*each {
		t.Errorf("Count = %d, %v; want %d", n, err, writers*each)
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(""); err == nil {
		t.Error("empty path accepted")
	}
	if _, err := Open(filepath.Join(t.TempDir(), "no", "such", "dir", "cdr.db")); err == nil {
		t.Error("missing directory accepted")
	}
	s, _ := open(t)
	s.Close()
	if err := s.WriteCDR(cdr("x", "1", "2", t0)); err == nil {
		t.Error("write after Close succeeded")
	}
}

func BenchmarkWriteCDR(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "cdr.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c := cdr("bench", "2001", "2002", t0)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.WriteCDR(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQuery100(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "cdr.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for i := range 5000 {
		if err := s.WriteCDR(cdr(fmt.Sprint(i), fmt.Sprint(2000+i%50), "2002", t0.Add(time.Duration(i)*time.Second))); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Query(Query{Limit: 100, Number: "2007"}); err != nil {
			b.Fatal(err)
		}
	}
}
