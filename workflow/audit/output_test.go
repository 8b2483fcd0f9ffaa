package audit

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pgrollout/pgrollout/workflow"
)

func TestDocumentRoundTrip(t *testing.T) {
	s := &Snapshot{
		CapturedAt: time.Date(2026, 11, 25, 9, 30, 1, 500_000_000, time.UTC), ServerVersion: "16.4",
		Database: DatabaseStats{Name: "shop"}, Source: "postgres://app@db1/shop",
		Report: &Report{ServerVersion: "16.4", Findings: []Finding{{Check: CheckInvalidIndex, Severity: workflow.SeverityError, Object: "orders_ref_idx"}}},
	}
	d, err := Document(s)
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != workflow.KindStatsSnapshot || d.Name != "audits/shop-2026-11-25T09-30-01-500Z.json" {
		t.Errorf("document %s %s", d.Kind, d.Name)
	}
	back, err := ParseSnapshot(d.Name, []byte(d.Text))
	if err != nil {
		t.Fatal(err)
	}
	if back.Source != s.Source || back.Report == nil || back.Report.Findings[0].Object != "orders_ref_idx" {
		t.Errorf("round trip lost the source or report: %+v", back)
	}
}

func TestWriteJSONShape(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, Report{ServerVersion: "16.4"}); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"server_version", "captured_at", "capabilities", "findings"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b.String())
		}
	}
	if !strings.Contains(b.String(), `"findings": []`) {
		t.Errorf("no findings must be an empty array: %s", b.String())
	}
}

func TestWriteText(t *testing.T) {
	r := Report{ServerVersion: "16.4", Window: "37 days",
		Capabilities: []CheckResult{{Check: CheckTableBloat, Status: StatusSkipped, Reason: "pg_stats hidden"}},
		Findings: []Finding{{Check: CheckInvalidIndex, Severity: workflow.SeverityError, Object: "orders_ref_idx", Message: "invalid",
			Evidence: []Evidence{{Name: "size", Value: "1.0 MiB"}}, Remediation: "DROP INDEX CONCURRENTLY orders_ref_idx;", Undo: "CREATE ..."}}}
	var b bytes.Buffer
	if err := WriteText(&b, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"table-bloat          skipped: pg_stats hidden", "error invalid-index orders_ref_idx: invalid", "size: 1.0 MiB", "fix:  DROP INDEX CONCURRENTLY"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
}
