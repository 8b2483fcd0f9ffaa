package audit

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run go test -update to accept):\n--- got ---\n%s", path, got)
	}
}

func TestMarkdownSample(t *testing.T) {
	s, err := ParseSnapshot("audit/stats-snapshot.json", sampleSnapshot(t))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "sample-report.md.golden", Markdown(Analyze(s), s))
}

// TestMarkdownDegraded renders a hand-written snapshot: skipped and
// degraded checks carry their reasons, a report without findings says so.
func TestMarkdownDegraded(t *testing.T) {
	s := handWritten()
	s.Statements = nil
	s.Indexes[2].IdxScan = 0
	got := Markdown(Analyze(s), s)
	golden(t, "degraded-report.md.golden", got)
	for _, want := range []string{
		"# Audit report: shop (PostgreSQL 16.4)",
		"| Foreign keys without an index | `fk-missing-index` | skipped: the snapshot has no foreign keys (collected live only) | — | — | — |",
		"## Foreign keys without an index (fk-missing-index)\n\nStatus: **skipped**: the snapshot has no foreign keys (collected live only).\n",
		"- [Unused indexes](#unused-indexes-unused-index)",
		"### Conclusions\n\nNo findings.\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if strings.Contains(got, "Read as:") {
		t.Error("a snapshot without a probe names no role")
	}
}

func TestMarkdownWithoutSnapshot(t *testing.T) {
	r := Report{ServerVersion: "17.1", Database: "db", CapturedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Window: "unknown"}
	got := Markdown(r, nil)
	if !strings.HasPrefix(got, "# Audit report: db (PostgreSQL 17.1)\n") || !strings.Contains(got, "| **Total** | — | — | — | — | — |") {
		t.Errorf("report without checks:\n%s", got)
	}
}

func TestAnchor(t *testing.T) {
	for heading, want := range map[string]string{
		"Redundant (left-prefix) indexes (redundant-index)": "redundant-left-prefix-indexes-redundant-index",
		"Transaction ID wraparound (xid-wraparound)":        "transaction-id-wraparound-xid-wraparound",
	} {
		if got := anchor(heading); got != want {
			t.Errorf("anchor(%q) = %q, want %q", heading, got, want)
		}
	}
}
