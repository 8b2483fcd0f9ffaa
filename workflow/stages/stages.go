// Package stages computes what every stage shows for a project, by asking each
// stage package in turn. The terminal screens and the export both start here.
package stages

import (
	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/audit"
	"github.com/pgrollout/pgrollout/workflow/build"
	"github.com/pgrollout/pgrollout/workflow/compare"
	"github.com/pgrollout/pgrollout/workflow/migration"
	"github.com/pgrollout/pgrollout/workflow/review"
	"github.com/pgrollout/pgrollout/workflow/validate"
)

// View is one stage's computed state for a project.
type View struct {
	Stage  workflow.Stage
	Status workflow.StageStatus
	// Items are the stage's own rows followed by the decisions raised there.
	Items []workflow.Item
	// Err is set when the stage could not read its inputs (a syntax error, a
	// malformed snapshot); the other stages are still computed.
	Err error
}

// Compute returns the six stage views, in stage order.
func Compute(p workflow.Project) []View {
	views := make([]View, 0, 6)
	for _, s := range workflow.Stages() {
		items, err := stageItems(s, p)
		if s != workflow.StageCompare {
			for _, d := range p.DecisionsOf(s) {
				items = append(items, workflow.DecisionItem(d))
			}
		}
		status := p.Status(s)
		if err != nil {
			status = workflow.StatusBlocked // its inputs cannot be read: nothing there can go ahead
		}
		views = append(views, View{Stage: s, Status: status, Items: items, Err: err})
	}
	return views
}

func stageItems(s workflow.Stage, p workflow.Project) ([]workflow.Item, error) {
	switch s {
	case workflow.StageBuild:
		return build.Items(p)
	case workflow.StageReview:
		return review.Items(p)
	case workflow.StageMigration:
		return migration.Items(p)
	case workflow.StageValidate:
		return validate.Items(p)
	case workflow.StageAudit:
		return audit.Items(p)
	}
	return compare.Items(p), nil
}
