package audit

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func deltaPair() (*Snapshot, *Snapshot) {
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	a := &Snapshot{
		CapturedAt: t0, ServerVersion: "16.4", StatsReset: t0.Add(-24 * time.Hour), PostmasterStart: t0.Add(-48 * time.Hour),
		Database: DatabaseStats{Name: "shop", XactCommit: 100, BlksRead: 10, BlksHit: 90, TempFiles: 1, TempBytes: 1000},
		Tables: []TableStats{
			{Schema: "public", Name: "orders", SeqScan: 5, SeqTupRead: 5000, IdxScan: 7, NLiveTup: 1000, NTupIns: 10},
			{Schema: "public", Name: "gone", SeqScan: 1},
			{Schema: "public", Name: "reset", SeqScan: 50},
		},
		Indexes:    []IndexStats{{Schema: "public", Table: "orders", Name: "orders_pkey", IdxScan: 7, Valid: true}},
		Statements: []StatementStats{{QueryID: 1, Calls: 10, TotalExecTimeMs: 100, TempBlksWritten: 4}, {QueryID: 2, Calls: 3}},
	}
	b := &Snapshot{
		CapturedAt: t0.Add(time.Minute), ServerVersion: "16.4", StatsReset: a.StatsReset, PostmasterStart: a.PostmasterStart,
		Database: DatabaseStats{Name: "shop", XactCommit: 160, BlksRead: 12, BlksHit: 150, TempFiles: 3, TempBytes: 5000},
		Tables: []TableStats{
			{Schema: "public", Name: "orders", SeqScan: 8, SeqTupRead: 8000, IdxScan: 9, NLiveTup: 900, NTupIns: 12},
			{Schema: "public", Name: "reset", SeqScan: 2},
			{Schema: "public", Name: "new", SeqScan: 4},
		},
		Indexes:    []IndexStats{{Schema: "public", Table: "orders", Name: "orders_pkey", IdxScan: 9, Valid: true}},
		Statements: []StatementStats{{QueryID: 1, Calls: 15, TotalExecTimeMs: 160, TempBlksWritten: 10}, {QueryID: 2, Calls: 3}},
	}
	return a, b
}

func TestDelta(t *testing.T) {
	a, b := deltaPair()
	d, notes, err := Delta(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if w, exact := d.Window(); w != time.Minute || !exact {
		t.Errorf("window %v %v, want 1m exact", w, exact)
	}
	if d.Database.XactCommit != 60 || d.Database.TempFiles != 2 || d.Database.TempBytes != 4000 {
		t.Errorf("database delta %+v", d.Database)
	}
	if len(d.Tables) != 1 || d.Tables[0].SeqScan != 3 || d.Tables[0].SeqTupRead != 3000 || d.Tables[0].NLiveTup != 900 {
		t.Errorf("tables %+v (live rows are a gauge: b's value)", d.Tables)
	}
	if len(d.Indexes) != 1 || d.Indexes[0].IdxScan != 2 {
		t.Errorf("indexes %+v", d.Indexes)
	}
	if len(d.Statements) != 2 || d.Statements[0].Calls != 5 || d.Statements[0].MeanExecTimeMs != 12 || d.Statements[0].TempBlksWritten != 6 {
		t.Errorf("statements %+v", d.Statements)
	}
	joined := strings.Join(notes, "\n")
	for _, want := range []string{"table public.reset: counters went down", "table public.new is new"} {
		if !strings.Contains(joined, want) {
			t.Errorf("notes lack %q:\n%s", want, joined)
		}
	}
}

func TestDeltaRefusals(t *testing.T) {
	tests := []struct {
		name   string
		change func(a, b *Snapshot)
		err    string
	}{
		{"reset between", func(a, b *Snapshot) { b.StatsReset = b.CapturedAt.Add(-time.Second) }, "reset between"},
		{"restart between", func(a, b *Snapshot) { b.PostmasterStart = b.CapturedAt.Add(-time.Second) }, "restarted"},
		{"out of order", func(a, b *Snapshot) { b.CapturedAt = a.CapturedAt }, "not later"},
		{"other database", func(a, b *Snapshot) { b.Database.Name = "other" }, "different databases"},
		{"database counter down", func(a, b *Snapshot) { b.Database.BlksHit = 1 }, "went down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := deltaPair()
			tt.change(a, b)
			if _, _, err := Delta(a, b); err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("err %v, want %q", err, tt.err)
			}
		})
	}
}

func TestDeltaEviction(t *testing.T) {
	a, b := deltaPair()
	b.Statements = b.Statements[:1] // entry 2 evicted
	d, notes, err := Delta(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Statements) != 0 || !strings.Contains(strings.Join(notes, "\n"), "dropped 1 entry") {
		t.Errorf("statements %+v, notes %q", d.Statements, notes)
	}
	if len(d.Sections) == 0 || d.Sections[len(d.Sections)-1].Status != "skipped" {
		t.Errorf("sections %+v", d.Sections)
	}
}

// TestDeltaHiddenStatements: rows hidden from the role (queryid 0) cannot
// be matched between the snapshots; the delta says they are left out and
// marks the statements section partial.
func TestDeltaHiddenStatements(t *testing.T) {
	a, b := deltaPair()
	hidden := StatementStats{Query: hiddenQueryText, Calls: 4, TempBlksWritten: 900}
	a.Statements = append(a.Statements, hidden)
	hidden.Calls, hidden.TempBlksWritten = 9, 2000
	b.Statements = append(b.Statements, hidden)
	b.Sections = []Section{{Name: SectionStatements, Status: SectionPartial, Reason: "1 of 3 statements show no query text, kept one per role"}}
	d, notes, err := Delta(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Statements) != 2 {
		t.Errorf("statements %+v: the hidden one cannot be matched", d.Statements)
	}
	want := "1 statement hidden from the role (no queryid) cannot be matched between the snapshots and is left out of the delta"
	if !strings.Contains(strings.Join(notes, "\n"), want) {
		t.Errorf("notes lack %q: %q", want, notes)
	}
	if i := slices.IndexFunc(d.Sections, func(s Section) bool { return s.Name == SectionStatements }); i < 0 ||
		d.Sections[i].Status != SectionPartial || d.Sections[i].Reason != want {
		t.Errorf("sections %+v", d.Sections)
	}
	if b.Sections[0].Reason == want {
		t.Error("the delta changed b's sections")
	}
}

// TestDeltaHiddenRowsAreNotEvictions: a hidden row in the first snapshot
// only is no sign of eviction (it cannot be matched anyway).
func TestDeltaHiddenRowsAreNotEvictions(t *testing.T) {
	a, b := deltaPair()
	a.Statements = append(a.Statements, StatementStats{Query: hiddenQueryText, Calls: 4})
	d, notes, err := Delta(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Statements) != 2 {
		t.Errorf("statements %+v, notes %q: the per-query figures were dropped", d.Statements, notes)
	}
}
