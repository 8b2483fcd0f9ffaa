package inputs

import (
	"errors"
	"testing"

	"github.com/pgrollout/pgrollout/workflow/internal/jsonpos"
)

// FuzzParseDecisions feeds arbitrary bytes to the decisions decoder, with a
// fixed set of citable evidence: no panic, every error located.
func FuzzParseDecisions(f *testing.F) {
	f.Add([]byte(`[{"id": "d", "title": "T", "stage": "review", "evidence": ["e1"],
  "history": [{"at": "2026-10-27T10:05:00Z", "state": "needs-evidence", "owner": "", "reason": "pending"},
              {"at": "2026-10-30T15:40:00Z", "state": "accepted", "owner": "P", "reason": "ok", "by": "sample"}]}]`))
	f.Add([]byte(`[{"id": "d", "title": "T", "stage": "audit", "findings": ["f"], "history": []}]`))
	f.Add([]byte(`[]`))
	citable := map[string]bool{"e1": true, "schema.sql": true}
	f.Fuzz(func(t *testing.T, data []byte) {
		ds, err := parseDecisions("decisions.json", data, citable)
		if err != nil {
			var located *jsonpos.Error
			if !errors.As(err, &located) || located.Pos.Line < 1 || located.Pos.Column < 1 {
				t.Fatalf("error not located: %v", err)
			}
			return
		}
		for _, d := range ds {
			if err := d.Validate(); err != nil {
				t.Fatalf("accepted an invalid decision: %v", err)
			}
		}
	})
}
