package format

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const src = "-- add the lookup index\nCREATE INDEX orders_customer_idx ON orders (customer_id);\nUPDATE orders\n   SET note = 'a,b: 100%';\n"

// sample is a hand-built review so the goldens do not move when rules change.
func sample() review.Result {
	return review.Result{Statements: 2, Findings: []review.Finding{
		{
			Rule: "require-concurrent-index-creation", Severity: workflow.SeverityWarning,
			Pos: workflow.Position{File: "m.sql", Line: 2, Column: 37}, End: workflow.Position{File: "m.sql", Line: 2, Column: 57},
			Message: "CREATE INDEX on orders without CONCURRENTLY blocks writes to it while the index builds",
			Help:    "A plain CREATE INDEX holds a SHARE lock for the whole build.",
			Lock:    "SHARE on orders (blocks writes; scans the table)", Scan: true,
			SafeSQL:   "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_idx ON orders USING btree (customer_id);",
			Object:    "orders",
			Statement: "CREATE INDEX orders_customer_idx ON orders (customer_id)",
			Key:       "require-concurrent-index-creation:abc:orders",
		},
		{
			Rule: "unbounded-dml-in-migration", Severity: workflow.SeverityError,
			Pos: workflow.Position{File: "m.sql", Line: 3, Column: 1}, End: workflow.Position{File: "m.sql", Line: 4, Column: 25},
			Message: "UPDATE of every row of orders | inside a migration",
			Help:    "One statement rewrites every row under one lock.",
			Lock:    "ROW EXCLUSIVE on orders (blocks schema changes only, not reads or writes)",
			Object:  "orders", Statement: "UPDATE orders\n   SET note = 'a,b: 100%'", Key: "unbounded-dml-in-migration:def:orders",
		},
	}}
}

func TestGoldens(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, name, sample(), map[string]string{"m.sql": src}, "0.1.0"); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if b.String() != string(want) {
				t.Errorf("%s output differs from %s:\n%s", name, golden, b.String())
			}
		})
	}
}

func TestJSONShape(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "json", sample(), nil, ""); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"rule", "severity", "file", "line", "column", "end_line", "end_column", "message", "help", "lock", "statement"} {
		if _, ok := got[0][k]; !ok {
			t.Errorf("JSON finding lacks %q", k)
		}
	}
	if got[0]["line"].(float64) != 2 || got[0]["column"].(float64) != 37 {
		t.Errorf("positions are not 1-based as found: %v", got[0])
	}
	b.Reset()
	if err := Write(&b, "json", review.Result{}, nil, ""); err != nil || strings.TrimSpace(b.String()) != "[]" {
		t.Errorf("no findings should be an empty array, got %q", b.String())
	}
}

func TestSARIFShape(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "sarif", sample(), nil, "0.1.0"); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct{ ID string } `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || len(log.Runs[0].Results) != 2 {
		t.Fatalf("log %+v", log)
	}
	r := log.Runs[0]
	for _, res := range r.Results {
		if res.RuleIndex >= len(r.Tool.Driver.Rules) {
			t.Errorf("ruleIndex %d out of range", res.RuleIndex)
			continue
		}
		if id := r.Tool.Driver.Rules[res.RuleIndex].ID; id != res.RuleID {
			t.Errorf("ruleIndex points at %s, want %s", id, res.RuleID)
		}
	}
	if r.Results[1].Level != "error" {
		t.Errorf("error severity is SARIF level %q", r.Results[1].Level)
	}
}

func TestGitHubEscapes(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "github", sample(), nil, ""); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one line per finding, got %d:\n%s", len(lines), b.String())
	}
	if !strings.HasPrefix(lines[1], "::error file=m.sql,line=3,col=1,endLine=4,endColumn=25,title=unbounded-dml-in-migration::") {
		t.Errorf("annotation %q", lines[1])
	}
}

func TestUnknownFormat(t *testing.T) {
	if err := Write(&bytes.Buffer{}, "xml", sample(), nil, ""); err == nil || !strings.Contains(err.Error(), "text, json, sarif, github, markdown") {
		t.Errorf("error %v", err)
	}
}
