package audit

import (
	"strings"
	"testing"

	"github.com/pgrollout/pgrollout/workflow"
)

func TestDiffReports(t *testing.T) {
	f := func(check, object string, sev workflow.Severity) Finding {
		return Finding{Check: check, Object: object, Severity: sev, Message: check + " on " + object}
	}
	before := Report{Findings: []Finding{
		f(CheckFKMissingIndex, "order_items.order_id", workflow.SeverityWarning),
		f(CheckUnusedIndex, "orders_legacy_idx", workflow.SeverityInfo),
		f(CheckSequenceExhaustion, "payments_id_seq", workflow.SeverityWarning),
	}}
	after := Report{Findings: []Finding{
		f(CheckUnusedIndex, "orders_legacy_idx", workflow.SeverityInfo),
		f(CheckSequenceExhaustion, "payments_id_seq", workflow.SeverityError),
		f(CheckInvalidIndex, "payments_ref_idx", workflow.SeverityError),
	}}
	d := DiffReports(before, after)
	if len(d.Resolved) != 1 || d.Resolved[0].Object != "order_items.order_id" {
		t.Errorf("resolved %+v", d.Resolved)
	}
	if len(d.New) != 1 || d.New[0].Object != "payments_ref_idx" || d.Tone() != workflow.ToneBad {
		t.Errorf("new %+v tone %v", d.New, d.Tone())
	}
	if len(d.Kept) != 2 || len(d.Changed) != 1 || d.Changed[0] != "sequence-exhaustion payments_id_seq: warning -> error" {
		t.Errorf("kept %+v changed %q", d.Kept, d.Changed)
	}
	md := d.Markdown(before, after)
	for _, want := range []string{"1 finding resolved, 1 finding new, 2 findings still open.", "## Resolved", "## Severity moved"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if DiffReports(after, after).Tone() != workflow.ToneGood {
		t.Error("an unchanged audit is not good")
	}
}
