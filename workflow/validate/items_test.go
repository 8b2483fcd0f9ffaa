package validate_test

import (
	"strings"
	"testing"

	"github.com/pgrollout/pgrollout/sample"
	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/inputs"
	"github.com/pgrollout/pgrollout/workflow/validate"
)

func TestItemsSample(t *testing.T) {
	p, err := inputs.Load(sample.Checkout())
	if err != nil {
		t.Fatal(err)
	}
	items, err := validate.Items(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 10 {
		t.Fatalf("%d items, want an overview and 9 checks", len(items))
	}
	ov := items[0]
	if ov.ID != validate.OverviewID || ov.Badge != "1 missing" || ov.Tone != workflow.ToneWarn {
		t.Errorf("overview %q %q tone %d", ov.ID, ov.Badge, ov.Tone)
	}
	for _, want := range []string{
		"9 checks from `staging/evidence.json`",
		"| constraint | 2 | 0 | 0 |",
		"| explain | 0 | 0 | 1 |",
		"| all | 8 | 0 | 1 |",
		"## Not captured yet",
		"cited by `orders-support-lookup-index`: Add composite index for support order lookup (needs evidence, Validate stage, owner Marco Bianchi (support tools))",
		"## Not cited by any decision",
	} {
		if !strings.Contains(ov.Detail, want) {
			t.Errorf("overview lacks %q:\n%s", want, ov.Detail)
		}
	}

	byID := map[string]workflow.Item{}
	for _, it := range items[1:] {
		byID[it.ID] = it
		if it.Badge == "passed" && it.Tone != workflow.ToneGood || it.Badge == "missing" && it.Tone != workflow.ToneWarn {
			t.Errorf("%s: badge %s tone %d", it.ID, it.Badge, it.Tone)
		}
	}
	dup := byID["payments-provider-reference-duplicates"]
	for _, want := range []string{
		"- Kind: constraint",
		"- Status: **passed**",
		"- Captured at: 2026-10-30T14:12:00Z",
		"```sql\nSELECT provider, provider_reference, count(*) AS payments\nFROM payments\nGROUP BY provider, provider_reference\nHAVING count(*) > 1;\n```",
		"## Expected\n\n0 rows:",
		"## Observed\n\n0 rows over 6,912,448 payments",
		"- `payment-provider-reference-unique`: Add uniqueness guard for payment provider reference (accepted, Review stage",
	} {
		if !strings.Contains(dup.Detail, want) {
			t.Errorf("duplicate check lacks %q:\n%s", want, dup.Detail)
		}
	}
	explain := byID["orders-support-lookup-explain"]
	for _, want := range []string{"- Captured at: —", "_Not captured yet._", "EXPLAIN (ANALYZE, BUFFERS)", "`orders-support-lookup-index`"} {
		if !strings.Contains(explain.Detail, want) {
			t.Errorf("explain check lacks %q:\n%s", want, explain.Detail)
		}
	}
	if !strings.Contains(byID["smoke-partial-refund"].Detail, "No decision cites this check yet.") {
		t.Errorf("uncited check:\n%s", byID["smoke-partial-refund"].Detail)
	}
}

const failedCheck = `[{"id": "plan", "kind": "explain", "title": "Plan", "query": "EXPLAIN SELECT 1",
  "expected": "Index Scan", "observed": "Seq Scan on orders\n  Filter: (customer_id = 1)", "status": "failed",
  "captured_at": "2026-10-30T15:00:00Z"}]`

const passedCheck = `[{"id": "count", "kind": "row-count", "title": "Count", "query": "SELECT count(*) FROM t",
  "expected": "3", "observed": "3", "status": "passed", "captured_at": "2026-10-30T15:00:00Z"}]`

func project(docs ...string) workflow.Project {
	var p workflow.Project
	for i := 0; i+1 < len(docs); i += 2 {
		p.Documents = append(p.Documents, workflow.Document{Kind: workflow.KindStagingEvidence, Name: docs[i], Text: docs[i+1]})
	}
	return p
}

func TestItemsCrafted(t *testing.T) {
	p := project("staging/a.json", failedCheck, "staging/b.json", passedCheck)
	p.Documents = append(p.Documents, workflow.Document{Kind: workflow.KindSchema, Name: "schema.sql", Text: "not evidence"})
	items, err := validate.Items(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 || items[1].ID != "plan" || items[2].ID != "count" {
		t.Fatalf("items %+v", items)
	}
	ov := items[0]
	if ov.Badge != "1 failed" || ov.Tone != workflow.ToneBad {
		t.Errorf("overview badge %q tone %d", ov.Badge, ov.Tone)
	}
	for _, want := range []string{"2 checks from `staging/a.json`, `staging/b.json`", "## Failed", "| all | 1 | 1 | 0 |"} {
		if !strings.Contains(ov.Detail, want) {
			t.Errorf("overview lacks %q:\n%s", want, ov.Detail)
		}
	}
	if items[1].Tone != workflow.ToneBad || !strings.Contains(items[1].Detail, "## Observed\n\n```text\nSeq Scan on orders\n  Filter: (customer_id = 1)\n```") {
		t.Errorf("failed check %d:\n%s", items[1].Tone, items[1].Detail)
	}

	allPassed, err := validate.Items(project("staging/b.json", passedCheck))
	if err != nil || allPassed[0].Badge != "all passed" || allPassed[0].Tone != workflow.ToneGood {
		t.Errorf("all passed: %+v, %v", allPassed, err)
	}
}

func TestItemsErrors(t *testing.T) {
	tests := []struct {
		name string
		p    workflow.Project
		want string
	}{
		{"parse error", project("staging/a.json", `[{"id": 1}]`), "staging/a.json:1:9: [0].id: want a string, got 1"},
		{"same id twice", project("staging/a.json", passedCheck, "staging/b.json", passedCheck), `staging/b.json: check "count" is already defined in staging/a.json`},
		{"reserved id", project("staging/a.json", strings.Replace(passedCheck, `"count"`, `"overview"`, 1)), `check id "overview" is reserved`},
	}
	for _, tt := range tests {
		_, err := validate.Items(tt.p)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
	items, err := validate.Items(workflow.Project{})
	if err != nil || items != nil {
		t.Errorf("empty project: %v, %v", items, err)
	}
}
