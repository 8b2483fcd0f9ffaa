package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/pgrollout/pgrollout/workflow"
)

var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// openTemp opens a new store in a fresh folder, closed when the test ends.
func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", "pgrollout", "pgrollout.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, path
}

// reopen closes s and opens its file again.
func reopen(t testing.TB, s *Store) *Store {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(t.Context(), s.Path())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s2.Close() })
	return s2
}

// sampleProject has documents (one spanning several pages) and decisions
// whose IDs are not in creation order.
func sampleProject(name string) workflow.Project {
	return workflow.Project{
		Meta: workflow.ProjectMeta{Name: name, Description: "checkout schema change", CreatedAt: t0, Sample: true},
		Documents: []workflow.Document{
			{Kind: workflow.KindNotes, Name: "notes.md", Text: "# Checkout\nOrders get a status column.\n"},
			{Kind: workflow.KindSchema, Name: "schema.sql", Text: "CREATE TABLE orders (id bigint PRIMARY KEY);\n" + strings.Repeat("-- padding\n", 1500)},
			{Kind: workflow.KindMigration, Name: "migrations/002_status.sql", Text: "ALTER TABLE orders ADD COLUMN status text;\n"},
			{Kind: workflow.KindMigration, Name: "migrations/001_core.sql", Text: "CREATE INDEX CONCURRENTLY orders_status ON orders (status);\n"},
			{Kind: workflow.KindStatsSnapshot, Name: "stats.json", Text: `{"orders": {"rows": 120000}}`},
		},
		Decisions: []workflow.Decision{
			{
				ID: "review-orders-status", Title: "Add orders.status without a default", Stage: workflow.StageReview,
				Object: "orders.status", Findings: []string{"F-1", "F-2"}, Evidence: []string{"E-1"},
				History: []workflow.DecisionChange{
					{At: t0, State: workflow.Blocked, Reason: "no owner yet", By: "sample"},
					{At: t0.Add(time.Hour), State: workflow.Accepted, Owner: "ana", Reason: "reviewed the lock plan", By: "ana"},
				},
			},
			{ID: "audit-bloat", Title: "Table bloat after backfill", Stage: workflow.StageAudit},
			{
				ID: "migration-index", Title: "Build the index concurrently", Stage: workflow.StageMigration,
				History: []workflow.DecisionChange{{At: t0, State: workflow.NeedsEvidence, Owner: "bo", Reason: "needs a staging run"}},
			},
		},
	}
}

func mustCreate(t testing.TB, s *Store, p workflow.Project) workflow.ProjectMeta {
	t.Helper()
	m, err := s.CreateProject(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCreateReopenRoundTrip(t *testing.T) {
	s, _ := openTemp(t)
	want := sampleProject("Checkout rollout")
	m := mustCreate(t, s, want)
	if m.ID != "checkout-rollout" {
		t.Errorf("ID = %q, want checkout-rollout", m.ID)
	}
	want.Meta.ID = m.ID

	s = reopen(t, s)
	got, err := s.LoadProject(t.Context(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	assertProject(t, got, want)
}

func TestCreateProjectSetsCreatedAtAndTrimsName(t *testing.T) {
	s, _ := openTemp(t)
	before := time.Now()
	m := mustCreate(t, s, workflow.Project{Meta: workflow.ProjectMeta{ID: "ignored", Name: "  Billing  "}})
	if m.ID != "billing" || m.Name != "Billing" {
		t.Errorf("meta = %+v, want ID billing, name Billing", m)
	}
	if m.CreatedAt.Before(before.Add(-time.Second)) || m.CreatedAt.After(time.Now().Add(time.Second)) {
		t.Errorf("CreatedAt = %v, want about now", m.CreatedAt)
	}
	p, err := s.LoadProject(t.Context(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Meta.CreatedAt.Equal(m.CreatedAt) || p.Documents != nil || p.Decisions != nil {
		t.Errorf("loaded %+v, want the created meta and nothing else", p)
	}
}

func TestCreateProjectRefusesInvalid(t *testing.T) {
	noOwner := sampleProject("Bad decision")
	noOwner.Decisions[0].History[1].Owner = ""
	dup := sampleProject("Twice")
	dup.Decisions = append(dup.Decisions, dup.Decisions[0])
	tests := []struct {
		name string
		p    workflow.Project
		want error
	}{
		{"blank name", workflow.Project{Meta: workflow.ProjectMeta{Name: "   "}}, nil},
		{"control character", workflow.Project{Meta: workflow.ProjectMeta{Name: "a\tb"}}, nil},
		{"accepted without owner", noOwner, workflow.ErrNoOwner},
		{"decision twice", dup, nil},
	}
	s, _ := openTemp(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateProject(t.Context(), tt.p)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("err = %v, want an error (%v)", err, tt.want)
			}
		})
	}
	if ps, err := s.Projects(t.Context()); err != nil || len(ps) != 0 {
		t.Errorf("Projects = %v, %v; want none stored", ps, err)
	}
}

func TestProjectsSortedWithSuffixedIDs(t *testing.T) {
	s, _ := openTemp(t)
	for _, name := range []string{"checkout", "Billing", "Checkout!", "alpha", "CHECKOUT?", "ßeta"} {
		mustCreate(t, s, workflow.Project{Meta: workflow.ProjectMeta{Name: name, CreatedAt: t0}})
	}
	ps, err := s.Projects(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.Name+"="+p.ID)
	}
	want := []string{"alpha=alpha", "Billing=billing", "checkout=checkout", "Checkout!=checkout-2", "CHECKOUT?=checkout-3", "ßeta=eta"}
	if !slices.Equal(got, want) {
		t.Errorf("Projects =\n%q\nwant\n%q", got, want)
	}
}

func TestDuplicateNameRefused(t *testing.T) {
	s, _ := openTemp(t)
	mustCreate(t, s, workflow.Project{Meta: workflow.ProjectMeta{Name: "Checkout"}})
	for _, name := range []string{"Checkout", "checkout", "  CHECKOUT  "} {
		t.Run(name, func(t *testing.T) {
			_, err := s.CreateProject(t.Context(), workflow.Project{Meta: workflow.ProjectMeta{Name: name}})
			if !errors.Is(err, ErrExists) {
				t.Fatalf("err = %v, want ErrExists", err)
			}
			if !strings.Contains(err.Error(), `"Checkout"`) {
				t.Errorf("message %q does not name the project", err)
			}
		})
	}
	if ps, _ := s.Projects(t.Context()); len(ps) != 1 {
		t.Errorf("%d projects, want 1", len(ps))
	}
}

func TestFindProject(t *testing.T) {
	s, _ := openTemp(t)
	orders := mustCreate(t, s, workflow.Project{Meta: workflow.ProjectMeta{Name: "Orders"}})
	orders2 := mustCreate(t, s, workflow.Project{Meta: workflow.ProjectMeta{Name: "orders 2"}})
	// Its name is another project's ID: the ID wins.
	confusing := mustCreate(t, s, workflow.Project{Meta: workflow.ProjectMeta{Name: "Orders-2"}})
	if confusing.ID != "orders-2-2" {
		t.Fatalf("ID = %q, want orders-2-2", confusing.ID)
	}
	tests := []struct {
		query string
		want  string // ID, "" for not found
	}{
		{"orders", orders.ID},
		{"Orders", orders.ID},
		{"  ORDERS ", orders.ID},
		{"orders-2", orders2.ID},
		{"ORDERS 2", orders2.ID},
		{"orders-2-2", confusing.ID},
		{"billing", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			m, err := s.FindProject(t.Context(), tt.query)
			if tt.want == "" {
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("err = %v, want ErrNotFound", err)
				}
				if msg := err.Error(); strings.Contains(msg, "Orders") || strings.Contains(msg, "orders-") {
					t.Errorf("message %q lists other projects", msg)
				}
				return
			}
			if err != nil || m.ID != tt.want {
				t.Fatalf("FindProject = %q, %v; want %q", m.ID, err, tt.want)
			}
		})
	}
}

func TestRenameProject(t *testing.T) {
	s, _ := openTemp(t)
	a := mustCreate(t, s, sampleProject("Checkout"))
	b := mustCreate(t, s, workflow.Project{Meta: workflow.ProjectMeta{Name: "Billing"}})
	tests := []struct {
		id, name string
		want     error // nil: renamed
		isErr    bool
	}{
		{a.ID, "Checkout v2", nil, false},
		{a.ID, "CHECKOUT V2", nil, false}, // its own name in other case
		{a.ID, "billing", ErrExists, true},
		{a.ID, " ", nil, true},
		{"nope", "Fine", ErrNotFound, true},
		{b.ID, "  Invoices ", nil, false},
	}
	for _, tt := range tests {
		err := s.RenameProject(t.Context(), tt.id, tt.name)
		switch {
		case !tt.isErr && err != nil:
			t.Errorf("rename %s to %q: %v", tt.id, tt.name, err)
		case tt.isErr && (err == nil || tt.want != nil && !errors.Is(err, tt.want)):
			t.Errorf("rename %s to %q: err = %v, want %v", tt.id, tt.name, err, tt.want)
		}
	}
	s = reopen(t, s)
	for id, name := range map[string]string{a.ID: "CHECKOUT V2", b.ID: "Invoices"} {
		m, err := s.FindProject(t.Context(), name)
		if err != nil || m.ID != id || m.Name != name {
			t.Errorf("FindProject(%q) = %+v, %v; want ID %s", name, m, err, id)
		}
	}
	if _, err := s.FindProject(t.Context(), "Checkout"); !errors.Is(err, ErrNotFound) {
		t.Errorf("old name still found: %v", err)
	}
	p, err := s.LoadProject(t.Context(), a.ID)
	if err != nil || len(p.Documents) != 5 || len(p.Decisions) != 3 {
		t.Errorf("renamed project lost content: %d documents, %d decisions, %v", len(p.Documents), len(p.Decisions), err)
	}
}

func TestDeleteProject(t *testing.T) {
	s, _ := openTemp(t)
	a := mustCreate(t, s, sampleProject("Checkout"))
	mustCreate(t, s, workflow.Project{Meta: workflow.ProjectMeta{Name: "Billing"}})
	if err := s.DeleteProject(t.Context(), a.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteProject(t.Context(), a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
	s = reopen(t, s)
	if _, err := s.LoadProject(t.Context(), a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("LoadProject after delete: %v, want ErrNotFound", err)
	}
	if _, err := s.FindProject(t.Context(), "checkout"); !errors.Is(err, ErrNotFound) {
		t.Errorf("FindProject after delete: %v, want ErrNotFound", err)
	}
	if ps, _ := s.Projects(t.Context()); len(ps) != 1 || ps[0].Name != "Billing" {
		t.Errorf("Projects = %+v, want only Billing", ps)
	}
	if m := mustCreate(t, s, workflow.Project{Meta: workflow.ProjectMeta{Name: "Checkout"}}); m.ID != a.ID {
		t.Errorf("recreated ID = %q, want %q", m.ID, a.ID)
	}
}

func TestDecisionHistoryAppendOnly(t *testing.T) {
	s, _ := openTemp(t)
	m := mustCreate(t, s, sampleProject("Checkout"))
	d := workflow.Decision{ID: "validate-backfill", Title: "Backfill in batches", Stage: workflow.StageValidate}
	if err := s.AddDecision(t.Context(), m.ID, d); err != nil {
		t.Fatal(err)
	}
	changes := []workflow.DecisionChange{
		{At: t0, State: workflow.Blocked, Reason: "nobody owns the backfill"},
		{At: t0.Add(time.Minute), State: workflow.NeedsEvidence, Owner: "  cy ", Reason: " staging run pending "},
		{At: t0.Add(time.Minute), State: workflow.NeedsEvidence, Owner: "cy", Reason: "same minute is fine"},
		{At: t0.Add(2 * time.Hour), State: workflow.Accepted, Owner: "cy", Reason: "staging took 4 minutes", By: "cy"},
	}
	var raw [][]byte // stored values, to show they are never rewritten
	for i, c := range changes {
		got, err := s.AppendDecisionChange(t.Context(), m.ID, d.ID, c)
		if err != nil {
			t.Fatalf("change %d: %v", i+1, err)
		}
		if len(got.History) != i+1 || got.State() != c.State {
			t.Fatalf("change %d: returned %d entries, state %s", i+1, len(got.History), got.State())
		}
		now := historyValues(t, s, m.ID, d.ID)
		for j := range raw {
			if !bytes.Equal(now[j], raw[j]) {
				t.Errorf("change %d rewrote entry %d", i+1, j+1)
			}
		}
		raw = now
	}
	if len(raw) != len(changes) {
		t.Fatalf("%d history keys, want %d", len(raw), len(changes))
	}

	s = reopen(t, s)
	p, err := s.LoadProject(t.Context(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := p.Decision(d.ID)
	if !ok {
		t.Fatal("decision missing after reopen")
	}
	if p.Decisions[len(p.Decisions)-1].ID != d.ID {
		t.Errorf("added decision is not last in creation order")
	}
	want := d
	for _, c := range changes {
		c.Owner, c.Reason = strings.TrimSpace(c.Owner), strings.TrimSpace(c.Reason)
		want.History = append(want.History, c)
	}
	assertDecision(t, got, want)
}

// historyValues returns the raw stored history entries of a decision, in key order.
func historyValues(t *testing.T, s *Store, projectID, decisionID string) [][]byte {
	t.Helper()
	var out [][]byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		h := tx.Bucket([]byte(bucketProjects)).Bucket([]byte(projectID)).Bucket([]byte(bucketDecisions)).
			Bucket([]byte(decisionID)).Bucket([]byte(bucketHistory))
		var last []byte
		return h.ForEach(func(k, v []byte) error {
			if len(k) != 8 || bytes.Compare(k, last) <= 0 {
				t.Errorf("history key %x is not a big-endian sequence after %x", k, last)
			}
			last = slices.Clone(k)
			out = append(out, slices.Clone(v))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDecisionChangeRefused(t *testing.T) {
	s, _ := openTemp(t)
	m := mustCreate(t, s, sampleProject("Checkout"))
	const id = "review-orders-status" // two entries, the last at t0+1h
	tests := []struct {
		name      string
		project   string
		decision  string
		c         workflow.DecisionChange
		want      error
		wantInMsg string
	}{
		{"accept without owner", m.ID, id, workflow.DecisionChange{At: t0.Add(2 * time.Hour), State: workflow.Accepted, Owner: "  ", Reason: "looks fine"}, workflow.ErrNoOwner, id},
		{"no reason", m.ID, id, workflow.DecisionChange{At: t0.Add(2 * time.Hour), State: workflow.Blocked, Owner: "ana"}, workflow.ErrNoReason, id},
		{"back in time", m.ID, id, workflow.DecisionChange{At: t0, State: workflow.Blocked, Owner: "ana", Reason: "oops"}, nil, "older"},
		{"unknown state", m.ID, id, workflow.DecisionChange{At: t0.Add(2 * time.Hour), State: "maybe", Owner: "ana", Reason: "r"}, nil, "maybe"},
		{"unknown decision", m.ID, "nope", workflow.DecisionChange{State: workflow.Blocked, Reason: "r"}, ErrNotFound, "nope"},
		{"unknown project", "nope", id, workflow.DecisionChange{State: workflow.Blocked, Reason: "r"}, ErrNotFound, "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.AppendDecisionChange(t.Context(), tt.project, tt.decision, tt.c)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) || !strings.Contains(err.Error(), tt.wantInMsg) {
				t.Fatalf("err = %v, want %v mentioning %q", err, tt.want, tt.wantInMsg)
			}
			if n := len(historyValues(t, s, m.ID, id)); n != 2 {
				t.Errorf("%d history entries, want 2: nothing appended", n)
			}
		})
	}
}

func TestAddDecisionRefused(t *testing.T) {
	s, _ := openTemp(t)
	m := mustCreate(t, s, sampleProject("Checkout"))
	tests := []struct {
		name    string
		project string
		d       workflow.Decision
		want    error
	}{
		{"existing id", m.ID, workflow.Decision{ID: "audit-bloat", Title: "again", Stage: workflow.StageAudit}, ErrExists},
		{"unknown project", "nope", workflow.Decision{ID: "x", Title: "x", Stage: workflow.StageAudit}, ErrNotFound},
		{"no title", m.ID, workflow.Decision{ID: "x", Stage: workflow.StageAudit}, nil},
		{"bad stage", m.ID, workflow.Decision{ID: "x", Title: "x", Stage: 9}, nil},
		{"accepted without owner", m.ID, workflow.Decision{ID: "x", Title: "x", Stage: workflow.StageAudit,
			History: []workflow.DecisionChange{{State: workflow.Accepted, Reason: "r"}}}, workflow.ErrNoOwner},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.AddDecision(t.Context(), tt.project, tt.d)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	p, err := s.LoadProject(t.Context(), m.ID)
	if err != nil || len(p.Decisions) != 3 {
		t.Errorf("%d decisions, %v; want the original 3", len(p.Decisions), err)
	}
}

func TestNewerRecordRefused(t *testing.T) {
	tests := []struct {
		name   string
		bucket []string // below the project's bucket
		key    string   // "" means the first key
		inMsg  []string
	}{
		{"project meta", nil, keyMeta, []string{"checkout", "meta record"}},
		{"document", []string{bucketDocuments}, "", []string{"checkout", "document 1"}},
		{"decision record", []string{bucketDecisions, "audit-bloat"}, keyRecord, []string{"checkout", "decision audit-bloat", "record"}},
		{"history entry", []string{bucketDecisions, "review-orders-status", bucketHistory}, "", []string{"checkout", "decision review-orders-status", "history entry 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTemp(t)
			m := mustCreate(t, s, sampleProject("Checkout"))
			err := s.db.Update(func(tx *bbolt.Tx) error {
				b := tx.Bucket([]byte(bucketProjects)).Bucket([]byte(m.ID))
				for _, name := range tt.bucket {
					b = b.Bucket([]byte(name))
				}
				key := []byte(tt.key)
				if tt.key == "" {
					key, _ = b.Cursor().First()
				}
				return b.Put(key, []byte(`{"v":2,"data":{"shape":"new"}}`))
			})
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.LoadProject(t.Context(), m.ID)
			if !errors.Is(err, ErrNewerFormat) {
				t.Fatalf("err = %v, want ErrNewerFormat", err)
			}
			for _, want := range append(tt.inMsg, "record version 2", "upgrade pgrollout") {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message %q does not mention %q", err, want)
				}
			}
		})
	}
}

func TestContextCancelled(t *testing.T) {
	s, path := openTemp(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Projects(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Projects: %v, want context.Canceled", err)
	}
	if _, err := Open(ctx, path+".other"); !errors.Is(err, context.Canceled) {
		t.Errorf("Open: %v, want context.Canceled", err)
	}
	if _, err := os.Stat(path + ".other"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cancelled Open created a file: %v", err)
	}
}

func assertProject(t *testing.T, got, want workflow.Project) {
	t.Helper()
	g, w := got.Meta, want.Meta
	if g.ID != w.ID || g.Name != w.Name || g.Description != w.Description || !g.CreatedAt.Equal(w.CreatedAt) || g.Sample != w.Sample {
		t.Errorf("meta = %+v, want %+v", g, w)
	}
	if len(got.Documents) != len(want.Documents) {
		t.Fatalf("%d documents, want %d", len(got.Documents), len(want.Documents))
	}
	for i, g := range got.Documents {
		if w := want.Documents[i]; g.Kind != w.Kind || g.Name != w.Name || g.Text != w.Text {
			t.Errorf("document %d = %s %s (%d bytes), want %s %s (%d bytes)", i, g.Kind, g.Name, len(g.Text), w.Kind, w.Name, len(w.Text))
		}
	}
	if len(got.Decisions) != len(want.Decisions) {
		t.Fatalf("%d decisions, want %d", len(got.Decisions), len(want.Decisions))
	}
	for i := range got.Decisions {
		assertDecision(t, got.Decisions[i], want.Decisions[i])
	}
}

func assertDecision(t *testing.T, got, want workflow.Decision) {
	t.Helper()
	if got.ID != want.ID || got.Title != want.Title || got.Stage != want.Stage || got.Object != want.Object ||
		!slices.Equal(got.Findings, want.Findings) || !slices.Equal(got.Evidence, want.Evidence) {
		t.Errorf("decision = %+v, want %+v", got, want)
	}
	if len(got.History) != len(want.History) {
		t.Fatalf("decision %s: %d history entries, want %d", want.ID, len(got.History), len(want.History))
	}
	for i, g := range got.History {
		w := want.History[i]
		if !g.At.Equal(w.At) || g.State != w.State || g.Owner != w.Owner || g.Reason != w.Reason || g.By != w.By {
			t.Errorf("decision %s change %d = %+v, want %+v", want.ID, i+1, g, w)
		}
	}
}

func TestImportProjectPicksAFreeName(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	p := workflow.Project{Meta: workflow.ProjectMeta{Name: "Checkout"}}
	var names []string
	for range 3 {
		m, err := s.ImportProject(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, m.Name+"="+m.ID)
	}
	if got := strings.Join(names, ","); got != "Checkout=checkout,Checkout (2)=checkout-2,Checkout (3)=checkout-3" {
		t.Errorf("imported as %s", got)
	}
	if _, err := s.CreateProject(ctx, p); !errors.Is(err, ErrExists) {
		t.Errorf("CreateProject with a taken name: %v", err)
	}
}
