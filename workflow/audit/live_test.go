package audit

import (
	"context"
	"strings"
	"testing"

	"github.com/pgrollout/pgrollout/internal/pgtest"
)

// TestLiveFindsTheSeededDefects runs a live audit (connect, collect,
// analyze) as superuser on the seeded database: every defect of
// seedDefects must come out as a finding of its check.
func TestLiveFindsTheSeededDefects(t *testing.T) {
	db := pgtest.NewDB(t)
	seedDefects(t, db)
	res, err := Live(context.Background(), db.DSN, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Snapshot.Report == nil || res.Snapshot.Source == "" || strings.Contains(res.Snapshot.Source, "password") {
		t.Errorf("snapshot source %q, report %v", res.Snapshot.Source, res.Snapshot.Report != nil)
	}
	want := map[string]string{
		CheckInvalidIndex:       "dups_v",
		CheckDuplicateIndex:     "items_a",
		CheckRedundantIndex:     "items_a",
		CheckFKMissingIndex:     "child_noidx",
		CheckSequenceExhaustion: "counters_id_seq",
		CheckTableBloat:         "bloated",
		CheckTempWrites:         "database " + db.Name,
	}
	for check, object := range want {
		found := false
		for _, f := range res.Report.Findings {
			found = found || (f.Check == check && strings.Contains(f.Object, object))
		}
		if !found {
			var got []string
			for _, f := range res.Report.Findings {
				got = append(got, f.Check+" "+f.Object)
			}
			t.Errorf("no %s finding on %s; findings:\n%s", check, object, strings.Join(got, "\n"))
		}
	}
	for _, c := range res.Report.Capabilities {
		if c.Status == StatusSkipped && c.Check != CheckTempWrites {
			t.Errorf("%s skipped as superuser: %s", c.Check, c.Reason)
		}
	}
}
