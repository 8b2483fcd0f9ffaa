package migration

import (
	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/audit"
	"github.com/pgrollout/pgrollout/workflow/changeset"
	"github.com/pgrollout/pgrollout/workflow/review"
)

// ProjectPlan plans a project's change: its migrations in apply order
// against its schema draft, with table sizes from its latest statistics
// snapshot. A project without migrations has an empty plan.
func ProjectPlan(p workflow.Project, pg int) (Plan, error) {
	var base []review.Source
	for _, d := range p.DocumentsOf(workflow.KindSchema) {
		base = append(base, review.Source{Name: d.Name, Text: d.Text})
	}
	var files []review.Source
	for _, d := range changeset.Ordered(p) {
		files = append(files, review.Source{Name: d.Name, Text: d.Text})
	}
	if len(files) == 0 {
		return Plan{}, nil
	}
	sizes, err := projectSizes(p)
	if err != nil {
		return Plan{}, err
	}
	return Build(files, Options{PGVersion: pg, Baseline: base, Sizes: sizes})
}

// projectSizes reads table sizes from the project's last statistics
// snapshot.
func projectSizes(p workflow.Project) (map[string]TableSize, error) {
	docs := p.DocumentsOf(workflow.KindStatsSnapshot)
	if len(docs) == 0 {
		return nil, nil
	}
	last := docs[len(docs)-1]
	s, err := audit.ParseSnapshot(last.Name, []byte(last.Text))
	if err != nil {
		return nil, err
	}
	return SnapshotSizes(s), nil
}

// SnapshotSizes reads table sizes from a statistics snapshot, keyed by
// table name ("orders", and "app.orders" outside public).
func SnapshotSizes(s *audit.Snapshot) map[string]TableSize {
	sizes := map[string]TableSize{}
	for _, t := range s.Tables {
		size := TableSize{Rows: t.NLiveTup, Bytes: t.TotalBytes}
		sizes[t.Schema+"."+t.Name] = size
		if t.Schema == "public" || t.Schema == "" {
			sizes[t.Name] = size
		}
	}
	return sizes
}
