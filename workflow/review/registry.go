package review

import (
	"slices"

	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/review/rules/breaking"
	"github.com/pgrollout/pgrollout/workflow/review/rules/design"
	"github.com/pgrollout/pgrollout/workflow/review/rules/gaps"
	"github.com/pgrollout/pgrollout/workflow/review/rules/hygiene"
	"github.com/pgrollout/pgrollout/workflow/review/rules/locking"
	"github.com/pgrollout/pgrollout/workflow/review/rules/txn"
)

// Rules returns every rule, grouped by concern: locks and rewrites, breaking
// changes, transactions, schema hygiene, design, and the gaps other linters
// leave.
func Rules() []rule.Rule {
	return slices.Concat(locking.Rules(), breaking.Rules(), txn.Rules(), hygiene.Rules(), design.Rules(), gaps.Rules())
}
