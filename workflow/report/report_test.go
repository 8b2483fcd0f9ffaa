package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pgrollout/pgrollout/workflow"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// generatedAt is the fixed generation time of the golden files.
var generatedAt = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

// testProject is a hand-built checkout project: three decisions stored out of
// reading order, one with two history entries, one whose reason holds a pipe
// and a newline.
func testProject() workflow.Project {
	at := func(day, hour int) time.Time { return time.Date(2026, 3, day, hour, 0, 0, 0, time.UTC) }
	return workflow.Project{
		Meta: workflow.ProjectMeta{
			ID:          "checkout-reliability",
			Name:        "Checkout Reliability",
			Description: "Schema changes for orders, payments, refunds and the support lookup screens.",
			CreatedAt:   at(1, 8),
		},
		Documents: []workflow.Document{
			{Kind: workflow.KindSchema, Name: "schema.sql", Text: "CREATE TABLE orders (id bigint PRIMARY KEY);"},
			{Kind: workflow.KindMigration, Name: "migrations/001_checkout_core.sql", Text: "ALTER TABLE payments ADD provider_ref text;"},
			{Kind: workflow.KindStatsSnapshot, Name: "audit/stats-snapshot.json", Text: testSnapshot},
		},
		Decisions: []workflow.Decision{
			{
				ID:     "D3",
				Title:  "Run broad production cleanup during checkout deploy",
				Stage:  workflow.StageMigration,
				Object: "cleanup job",
				History: []workflow.DecisionChange{{
					At:     at(3, 16),
					State:  workflow.Blocked,
					Reason: "Unrelated to the schema launch | no rollback owner.\nRevisit after the deploy.",
					By:     "alice",
				}},
			},
			{
				ID:       "D2",
				Title:    "Add composite index for support order lookup",
				Stage:    workflow.StageReview,
				Object:   "orders (customer_id, created_at)",
				Findings: []string{"review/missing-index:orders"},
				History: []workflow.DecisionChange{{
					At:     at(3, 11),
					State:  workflow.NeedsEvidence,
					Owner:  "support-team",
					Reason: "Needs an EXPLAIN plan from the real lookup query.",
					By:     "bob",
				}},
			},
			{
				ID:       "D1",
				Title:    "Add uniqueness guard for payment provider reference",
				Stage:    workflow.StageReview,
				Object:   "payments.provider_ref",
				Findings: []string{"review/unique-missing:payments.provider_ref"},
				Evidence: []string{"E1", "E2"},
				History: []workflow.DecisionChange{
					{At: at(2, 10), State: workflow.NeedsEvidence, Owner: "payments-team", Reason: "Waiting for the duplicate count from staging.", By: "bob"},
					{At: at(4, 9), State: workflow.Accepted, Owner: "payments-team", Reason: "Staging shows no duplicates; staged unique index planned.", By: "carol"},
				},
			},
		},
	}
}

// testSnapshot is a small hand-written statistics snapshot: an index
// without scans, temp files, and no live-collection sections.
const testSnapshot = `{
  "captured_at": "2026-03-13T09:30:00Z",
  "server_version": "16.4",
  "stats_reset": "2026-02-01T00:00:00Z",
  "database": {"name": "checkout", "xact_commit": 1000, "blks_read": 10, "blks_hit": 990, "temp_files": 3, "temp_bytes": 3145728},
  "tables": [
    {"schema": "public", "name": "orders", "seq_scan": 2, "seq_tup_read": 20, "idx_scan": 90, "n_live_tup": 10, "total_bytes": 65536}
  ],
  "indexes": [
    {"schema": "public", "table": "orders", "name": "orders_pkey", "idx_scan": 90, "size_bytes": 16384, "unique": true, "primary": true,
     "valid": true, "definition": "CREATE UNIQUE INDEX orders_pkey ON public.orders USING btree (id)"},
    {"schema": "public", "table": "orders", "name": "orders_status_idx", "idx_scan": 0, "size_bytes": 16384,
     "valid": true, "definition": "CREATE INDEX orders_status_idx ON public.orders USING btree (status)"}
  ]
}`

func TestFilesGolden(t *testing.T) {
	files, err := Files(testProject(), generatedAt)
	if err != nil {
		t.Fatalf("Files: %v", err)
	}
	for _, f := range files {
		t.Run(f.Name, func(t *testing.T) {
			golden := filepath.Join("testdata", strings.ReplaceAll(f.Name, "/", "_")+".golden")
			if *update {
				if err := os.WriteFile(golden, f.Body, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(f.Body, want) {
				t.Errorf("%s differs from %s (run go test -update to accept):\n--- got ---\n%s\n--- want ---\n%s", f.Name, golden, f.Body, want)
			}
		})
	}
}

func TestFilesOrderAndMetadata(t *testing.T) {
	files, err := Files(testProject(), generatedAt)
	if err != nil {
		t.Fatalf("Files: %v", err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
		if f.Title == "" || f.Summary == "" {
			t.Errorf("%s: title %q, summary %q: both must be set", f.Name, f.Title, f.Summary)
		}
	}
	want := []string{"decisions.md", "review.md",
		"migration/001_checkout_core.sql", "migration/rollback.sql", "migration/lock-risk-checklist.md",
		"migration/deployment-order.md", "migration/plan.json", "audit-report.md", "README.md"}
	if !slices.Equal(names, want) {
		t.Errorf("file names = %v, want %v (README last)", names, want)
	}
}

func TestFilesDeterministicAndPure(t *testing.T) {
	p := testProject()
	first, err := Files(p, generatedAt)
	if err != nil {
		t.Fatalf("Files: %v", err)
	}
	// A different zone for the same instant must not change the output.
	second, err := Files(p, generatedAt.In(time.FixedZone("CET", 3600)))
	if err != nil {
		t.Fatalf("Files: %v", err)
	}
	for i := range first {
		if !bytes.Equal(first[i].Body, second[i].Body) {
			t.Errorf("%s: output differs between runs", first[i].Name)
		}
	}
	if got := p.Decisions[0].ID; got != "D3" {
		t.Errorf("Files reordered the caller's decisions: first is %s, want D3", got)
	}
}

func TestFilesEmptyProject(t *testing.T) {
	files, err := Files(workflow.Project{Meta: workflow.ProjectMeta{Name: "Empty"}}, generatedAt)
	if err != nil {
		t.Fatalf("Files: %v", err)
	}
	for _, f := range files {
		if f.Name == "review.md" {
			continue // no decisions there: it reviews the (absent) migrations
		}
		if !bytes.Contains(f.Body, []byte("Result: no decisions yet.")) {
			t.Errorf("%s does not carry the empty headline:\n%s", f.Name, f.Body)
		}
	}
}

func TestFilesAuditReports(t *testing.T) {
	p := testProject()
	p.Documents = append(p.Documents, workflow.Document{Kind: workflow.KindStatsSnapshot, Name: "audits/after.json", Text: testSnapshot})
	files, err := Files(p, generatedAt)
	if err != nil {
		t.Fatalf("Files: %v", err)
	}
	var names []string
	for _, f := range files {
		if strings.HasPrefix(f.Name, "audit-report") {
			names = append(names, f.Name+" "+f.Title)
			if !bytes.HasPrefix(f.Body, []byte("# Audit report: checkout (PostgreSQL 16.4)\n")) {
				t.Errorf("%s starts %q", f.Name, f.Body[:min(len(f.Body), 60)])
			}
		}
	}
	want := []string{"audit-report-stats-snapshot.md Audit report: audit/stats-snapshot.json", "audit-report-after.md Audit report: audits/after.json"}
	if !slices.Equal(names, want) {
		t.Errorf("audit reports %q, want %q", names, want)
	}

	p.Documents[len(p.Documents)-1].Text = `{"captured_at": 1}`
	if _, err := Files(p, generatedAt); err == nil || !strings.Contains(err.Error(), "audits/after.json:1:17") {
		t.Errorf("a broken snapshot: %v", err)
	}
}

func TestFilesRejectsInvalidProject(t *testing.T) {
	p := testProject()
	p.Decisions = append(p.Decisions, p.Decisions[0])
	if _, err := Files(p, generatedAt); err == nil || !strings.Contains(err.Error(), "appears twice") {
		t.Errorf("Files with a duplicate decision: err = %v, want an 'appears twice' error", err)
	}
}

func TestSortedDecisions(t *testing.T) {
	dec := func(id, title string, s workflow.DecisionState) workflow.Decision {
		return workflow.Decision{ID: id, Title: title, History: []workflow.DecisionChange{{State: s, Owner: "o", Reason: "r"}}}
	}
	ds := []workflow.Decision{
		dec("1", "zeta", workflow.Blocked),
		dec("2", "Beta", workflow.Accepted),
		dec("3", "alpha", workflow.NeedsEvidence),
		dec("4", "alpha", workflow.Accepted),
		{ID: "5", Title: "aardvark"}, // no history: blocked
		dec("6", "alpha", workflow.Accepted),
	}
	var got []string
	for _, d := range workflow.SortDecisions(ds) {
		got = append(got, d.ID)
	}
	if want := []string{"4", "6", "2", "3", "5", "1"}; !slices.Equal(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
}
