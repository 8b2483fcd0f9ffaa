package stages

import (
	"strings"
	"testing"

	"github.com/pgrollout/pgrollout/sample"
	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/inputs"
	"github.com/pgrollout/pgrollout/workflow/review"
)

func TestSampleStages(t *testing.T) {
	p, err := inputs.Load(sample.Checkout())
	if err != nil {
		t.Fatal(err)
	}
	want := map[workflow.Stage]workflow.StageStatus{
		workflow.StageBuild:     workflow.StatusDone,
		workflow.StageReview:    workflow.StatusDone,
		workflow.StageMigration: workflow.StatusBlocked,
		workflow.StageValidate:  workflow.StatusNeedsEvidence,
		workflow.StageAudit:     workflow.StatusDone,
		workflow.StageCompare:   workflow.StatusBlocked,
	}
	views := Compute(p)
	if len(views) != 6 {
		t.Fatalf("%d views", len(views))
	}
	for _, v := range views {
		if v.Err != nil {
			t.Errorf("%s: %v", v.Stage, v.Err)
		}
		if v.Status != want[v.Stage] {
			t.Errorf("%s is %s, want %s", v.Stage, v.Status, want[v.Stage])
		}
		if len(v.Items) == 0 {
			t.Errorf("%s has no items", v.Stage)
		}
		seen := map[string]bool{}
		for _, it := range v.Items {
			if seen[it.ID] {
				t.Errorf("%s: item id %s twice", v.Stage, it.ID)
			}
			seen[it.ID] = true
		}
	}
	// The decisions raised at a stage close its list; Compare sums them up.
	mig := views[workflow.StageMigration].Items
	if last := mig[len(mig)-1]; last.ID != "decision:checkout-cleanup" || last.Badge != "blocked" {
		t.Errorf("migration's last row is %s (%s)", last.ID, last.Badge)
	}
	if got := views[workflow.StageCompare].Items[0].Detail; !strings.Contains(got, "one accepted change, one evidence gap, one rejected rollout item") {
		t.Errorf("compare summary:\n%s", got)
	}
}

func TestBrokenInputStaysInItsStage(t *testing.T) {
	p := workflow.Project{
		Meta: workflow.ProjectMeta{Name: "x"},
		Documents: []workflow.Document{
			{Kind: workflow.KindNotes, Name: "notes.md", Text: "# Notes"},
			{Kind: workflow.KindMigration, Name: "migrations/001.sql", Text: "SELECT 1;\nALTER TABLE orders ADD COLUMN;\n"},
		},
	}
	views := Compute(p)
	if views[workflow.StageBuild].Err != nil {
		t.Errorf("build: %v", views[workflow.StageBuild].Err)
	}
	for _, s := range []workflow.Stage{workflow.StageReview, workflow.StageMigration} {
		err := views[s].Err
		if err == nil || !strings.Contains(err.Error(), "migrations/001.sql:2:") {
			t.Errorf("%s: error %v, want one at migrations/001.sql:2", s, err)
		}
	}
}

// TestSampleReviewLeadsToItsDecisions proves the sample's three decisions
// rest on findings the review computes from its schema draft and migration,
// so a re-run keeps them attached.
func TestSampleReviewLeadsToItsDecisions(t *testing.T) {
	p, err := inputs.Load(sample.Checkout())
	if err != nil {
		t.Fatal(err)
	}
	res, err := review.ReviewProject(p)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, f := range res.Findings {
		keys[f.Key] = true
	}
	for _, d := range p.Decisions {
		if len(d.Findings) == 0 {
			t.Errorf("decision %s rests on no finding", d.ID)
		}
		for _, k := range d.Findings {
			if !keys[k] {
				t.Errorf("decision %s cites finding %s, which the review no longer raises", d.ID, k)
			}
		}
	}
	var decided int
	for _, it := range Compute(p)[workflow.StageReview].Items {
		if strings.HasPrefix(it.ID, review.FindingItemPrefix) && it.Decision != nil && len(it.Decision.History) > 0 {
			decided++
		}
	}
	if decided != 4 {
		t.Errorf("%d review findings show a decision, want 4 (guard, index, two cleanup statements)", decided)
	}
}
