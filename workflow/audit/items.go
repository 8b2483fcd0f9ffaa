package audit

import (
	"fmt"

	"github.com/pgrollout/pgrollout/workflow"
)

// The IDs of the items Items computes for a snapshot besides the findings.
// With more than one snapshot in a project, each ID is prefixed with the
// document name and ":".
const (
	OverviewID = "overview"
	SeqScansID = "seq-scans"
	IndexesID  = "indexes"
)

// Items computes the Audit stage's items from the project's statistics
// snapshots, each through Analyze: for each snapshot, an overview (server,
// database, statistics window, database-wide numbers and every check's
// status with its reason), then the findings, errors first, then warnings,
// then info, each with its evidence, why it matters, remediation and undo SQL
// and caveats, then two inventories the findings do not repeat: every
// table's sequential scans and every index's use and size. A finding's ID is
// its check and object ("unused-index:public.orders_status_idx"), so it is
// stable across re-computation. A project without snapshots has no items.
// Errors are a snapshot's parse errors, located as FILE:LINE:COL.
func Items(p workflow.Project) ([]workflow.Item, error) {
	docs := p.DocumentsOf(workflow.KindStatsSnapshot)
	var items []workflow.Item
	for _, doc := range docs {
		s, err := ParseSnapshot(doc.Name, []byte(doc.Text))
		if err != nil {
			return nil, err
		}
		r := Analyze(s)
		snapItems := []workflow.Item{overviewItem(doc.Name, s, r)}
		snapItems = append(snapItems, findingItems(p, r)...)
		snapItems = append(snapItems, seqScanItem(s), indexItem(s))
		if len(docs) > 1 {
			for i := range snapItems {
				snapItems[i].ID = doc.Name + ":" + snapItems[i].ID
				snapItems[i].Title = fmt.Sprintf("%s (%s)", snapItems[i].Title, doc.Name)
			}
		}
		items = append(items, snapItems...)
	}
	return items, nil
}

// findingItems presents the findings, most severe first: the badge is the
// severity, or the state of the decision resting on the finding, the
// detail the finding in full. Every finding is decided through a decision
// keyed by FindingKey, so the same finding in two snapshots shares one.
func findingItems(p workflow.Project, r Report) []workflow.Item {
	items := make([]workflow.Item, 0, len(r.Findings))
	seen := map[string]int{}
	for _, sev := range []workflow.Severity{workflow.SeverityError, workflow.SeverityWarning, workflow.SeverityInfo} {
		for _, f := range r.Findings {
			if f.Severity != sev {
				continue
			}
			id := FindingID(f)
			if seen[id]++; seen[id] > 1 {
				id = fmt.Sprintf("%s#%d", id, seen[id])
			}
			it := workflow.Item{
				ID:     id,
				Title:  f.Object + " · " + f.Check,
				Badge:  string(f.Severity),
				Tone:   f.Severity.Tone(),
				Detail: FindingMarkdown(f, 1),
				Copy:   f.Remediation,
			}
			items = append(items, p.DecidedThrough(it, FindingKey(f), NewDecision(f)))
		}
	}
	return items
}

// FindingKey is the key a decision on an audit finding rests on: "audit:",
// the check and the object, whatever snapshot the finding came from.
func FindingKey(f Finding) string { return "audit:" + FindingID(f) }

// NewDecision is the undecided decision an audit finding starts: keyed by
// FindingKey, at the Audit stage, with no history until someone decides it.
func NewDecision(f Finding) workflow.Decision {
	key := FindingKey(f)
	return workflow.Decision{
		ID:       workflow.Slug(key),
		Title:    f.Check + " on " + f.Object,
		Stage:    workflow.StageAudit,
		Object:   f.Object,
		Findings: []string{key},
	}
}

// FindingID is a finding's stable item ID: its check and object.
func FindingID(f Finding) string { return f.Check + ":" + f.Object }
