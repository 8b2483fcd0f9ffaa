// Package txn holds the review rules about transactions and re-runs: what
// PostgreSQL refuses inside a transaction block, BEGIN/COMMIT that fight the
// migration runner or each other, and statements a half-applied migration
// cannot repeat. The runner's transaction behaviour comes from the engine's
// Context.Tx and Context.Runner.
package txn

import "github.com/pgrollout/pgrollout/workflow/review/rule"

// Rules returns the transaction rules.
func Rules() []rule.Rule {
	return []rule.Rule{
		banConcurrentInTransaction(),
		transactionNesting(),
		banUncommittedTransaction(),
		preferRobustStmts(),
	}
}
