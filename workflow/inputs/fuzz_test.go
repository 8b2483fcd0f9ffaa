package inputs_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/pgrollout/pgrollout/sample"
	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/inputs"
	"github.com/pgrollout/pgrollout/workflow/internal/jsonpos"
	"github.com/pgrollout/pgrollout/workflow/validate"
)

// FuzzLoadDecisions loads a small project with arbitrary bytes as
// decisions.json: Load must not panic, must blame decisions.json at a real
// position when it fails, and must return valid decisions when it does not.
// The project's staging checks carry the sample's check IDs, so the sample's
// decisions load, but cheap queries, so that each run stays fast enough for
// the fuzzer to minimise what it finds.
func FuzzLoadDecisions(f *testing.F) {
	sampleDecisions, err := fs.ReadFile(sample.Checkout(), "decisions.json")
	if err != nil {
		f.Fatal(err)
	}
	evidence, err := fs.ReadFile(sample.Checkout(), "staging/evidence.json")
	if err != nil {
		f.Fatal(err)
	}
	checks, err := validate.ParseEvidence("staging/evidence.json", evidence)
	if err != nil {
		f.Fatal(err)
	}
	var cheap []map[string]string
	for _, c := range checks {
		cheap = append(cheap, map[string]string{
			"id": c.ID, "kind": validate.KindRowCount, "title": "t", "query": "SELECT 1", "expected": "1", "status": "missing",
		})
	}
	cheapEvidence, err := json.Marshal(cheap)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sampleDecisions)
	f.Add([]byte(decisionsJSON))
	f.Add([]byte(`[{"id": "d", "title": "T", "stage": "audit", "history": [{"at": "2026-01-01T00:00:00Z", "state": "rejected", "reason": "r"}]}]`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{
			"schema.sql":            {Data: []byte("CREATE TABLE t (id int);")},
			"staging/evidence.json": {Data: cheapEvidence},
			"staging/extra.json":    minimal()["staging/evidence.json"],
			"decisions.json":        {Data: data},
		}
		p, err := inputs.Load(fsys)
		if err != nil {
			var located *jsonpos.Error
			if !errors.As(err, &located) || located.Pos.File != "decisions.json" || located.Pos.Line < 1 || located.Pos.Column < 1 {
				t.Fatalf("error not located in decisions.json: %v", err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("loaded an invalid project: %v", err)
		}
		for _, d := range p.Decisions {
			for _, c := range d.History {
				if !slices.Contains(workflow.DecisionStates(), c.State) {
					t.Fatalf("decision %s kept state %q", d.ID, c.State)
				}
			}
		}
	})
}

// FuzzParseProject feeds arbitrary bytes to the project.json parser.
func FuzzParseProject(f *testing.F) {
	f.Add([]byte(`{"name": "Checkout reliability", "description": "x"}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"name": "\u0000"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		meta, err := inputs.ParseProject("project.json", data)
		if err != nil {
			var located *jsonpos.Error
			if !errors.As(err, &located) {
				t.Fatalf("error not located: %v", err)
			}
			return
		}
		if err := workflow.ValidateName(meta.Name); err != nil {
			t.Fatalf("accepted an invalid name: %v", err)
		}
	})
}
