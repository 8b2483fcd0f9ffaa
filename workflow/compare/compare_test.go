package compare

import (
	"strings"
	"testing"
	"time"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/audit"
)

func TestHeadline(t *testing.T) {
	tests := []struct {
		tally workflow.Tally
		want  string
	}{
		{workflow.Tally{}, "no decisions yet"},
		{workflow.Tally{Accepted: 1, NeedsEvidence: 1, Blocked: 1}, "one accepted change, one evidence gap, one rejected rollout item"},
		{workflow.Tally{Accepted: 2}, "two accepted changes, no evidence gaps, no rejected rollout items"},
		{workflow.Tally{NeedsEvidence: 2}, "no accepted changes, two evidence gaps, no rejected rollout items"},
		{workflow.Tally{Blocked: 2}, "no accepted changes, no evidence gaps, two rejected rollout items"},
		{workflow.Tally{Accepted: 1}, "one accepted change, no evidence gaps, no rejected rollout items"},
		{workflow.Tally{NeedsEvidence: 1}, "no accepted changes, one evidence gap, no rejected rollout items"},
		{workflow.Tally{Blocked: 1}, "no accepted changes, no evidence gaps, one rejected rollout item"},
		{workflow.Tally{Accepted: 12, NeedsEvidence: 13, Blocked: 7}, "twelve accepted changes, 13 evidence gaps, seven rejected rollout items"},
		{workflow.Tally{Accepted: 100, NeedsEvidence: 11, Blocked: 1}, "100 accepted changes, eleven evidence gaps, one rejected rollout item"},
	}
	for _, tt := range tests {
		if got := Headline(tt.tally); got != tt.want {
			t.Errorf("Headline(%+v) = %q, want %q", tt.tally, got, tt.want)
		}
	}
}

func decision(id string, states ...workflow.DecisionState) workflow.Decision {
	d := workflow.Decision{ID: id, Title: "Decision " + id, Stage: workflow.StageReview}
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	for i, s := range states {
		var err error
		d, err = d.Change(workflow.DecisionChange{At: at.Add(time.Duration(i) * time.Hour), State: s, Owner: "dba", Reason: "because"})
		if err != nil {
			panic(err)
		}
	}
	return d
}

func TestItems(t *testing.T) {
	p := workflow.Project{Meta: workflow.ProjectMeta{Name: "x"}, Decisions: []workflow.Decision{
		decision("a", workflow.NeedsEvidence, workflow.Accepted),
		decision("b", workflow.NeedsEvidence),
		decision("c", workflow.Blocked),
	}}
	items := Items(p)
	var ids []string
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	if got := strings.Join(ids, ","); got != "summary,movement,evidence-gaps,blocked" {
		t.Fatalf("items = %s", got)
	}
	if !strings.Contains(items[0].Detail, "one accepted change, one evidence gap, one rejected rollout item") {
		t.Errorf("summary lacks headline:\n%s", items[0].Detail)
	}
	if items[1].Badge != "1 moved" || !strings.Contains(items[1].Detail, "| Decision a | needs evidence | accepted | dba |") {
		t.Errorf("movement = %q\n%s", items[1].Badge, items[1].Detail)
	}
	if Items(workflow.Project{}) != nil {
		t.Error("a project without decisions has no compare items")
	}
	// No gaps and no blocked items: only summary and movement.
	p.Decisions = p.Decisions[:1]
	if n := len(Items(p)); n != 2 {
		t.Errorf("accepted-only project gives %d items, want 2", n)
	}
}

func TestAuditItem(t *testing.T) {
	snap := func(at string, findings ...audit.Finding) workflow.Document {
		captured, _ := time.Parse(time.RFC3339, at)
		d, err := audit.Document(&audit.Snapshot{CapturedAt: captured, ServerVersion: "16.4", Database: audit.DatabaseStats{Name: "shop"},
			Report: &audit.Report{CapturedAt: captured, Findings: findings}})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	fk := audit.Finding{Check: audit.CheckFKMissingIndex, Object: "order_items.order_id", Severity: workflow.SeverityWarning}
	inv := audit.Finding{Check: audit.CheckInvalidIndex, Object: "payments_ref_idx", Severity: workflow.SeverityError}
	p := workflow.Project{Documents: []workflow.Document{
		snap("2026-11-01T09:00:00Z", fk),
		snap("2026-11-25T09:00:00Z", inv),
	}}
	items := Items(p)
	if len(items) != 1 || items[0].ID != "audit-diff" || items[0].Badge != "1 new, 1 resolved" || items[0].Tone != workflow.ToneBad {
		t.Fatalf("items %+v", items)
	}
	if !strings.Contains(items[0].Detail, "## Resolved") || !strings.Contains(items[0].Detail, "payments_ref_idx") {
		t.Errorf("detail:\n%s", items[0].Detail)
	}
	p.Documents = p.Documents[:1]
	if items := Items(p); items != nil {
		t.Errorf("one audit gives nothing to compare, got %+v", items)
	}
}
