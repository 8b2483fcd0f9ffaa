package txn

import (
	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// banUncommittedTransaction: a BEGIN with no COMMIT or ROLLBACK after it in
// the file.
func banUncommittedTransaction() rule.Rule {
	return rule.Rule{
		ID:       "ban-uncommitted-transaction",
		Severity: workflow.SeverityError,
		Summary:  "BEGIN without COMMIT or ROLLBACK by the end of the file",
		Why: "A transaction left open at the end of a migration is never committed by the file itself: " +
			"depending on the tool its changes are rolled back when the connection closes, or the " +
			"runner's own bookkeeping lands inside it, and every lock it took stays held until then, " +
			"blocking the application. End every BEGIN with COMMIT in the same file.",
		Check: checkUncommitted,
		Cases: []rule.Case{
			{Name: "never committed", SQL: "BEGIN;\nCREATE TABLE users (id bigint);", Fires: true},
			{Name: "second transaction left open",
				SQL:   "BEGIN;\nCREATE TABLE users (id bigint);\nCOMMIT;\nSTART TRANSACTION;\nCREATE TABLE posts (id bigint);",
				Fires: true},
			{Name: "commit and chain leaves one open", SQL: "BEGIN;\nCREATE TABLE users (id bigint);\nCOMMIT AND CHAIN;", Fires: true},
			{Name: "golang-migrate file", Runner: "golang-migrate",
				SQL: "BEGIN;\nCREATE TABLE users (id bigint);\nCREATE TABLE posts (id bigint);", Fires: true},
			{Name: "committed", SQL: "BEGIN;\nCREATE TABLE users (id bigint);\nCOMMIT;"},
			{Name: "rolled back", SQL: "BEGIN;\nCREATE TABLE users (id bigint);\nROLLBACK;"},
			{Name: "nested BEGIN, one COMMIT", SQL: "BEGIN;\nBEGIN;\nCOMMIT;"},
			{Name: "no transaction", SQL: "CREATE TABLE users (id bigint);"},
			{Name: "runner commits the file", Runner: "flyway", SQL: "BEGIN;\nCREATE TABLE users (id bigint);"},
		},
	}
}

// checkUncommitted reports the BEGIN of a transaction block that nothing in
// the rest of the file ends. In a file the runner wraps the BEGIN is only a
// nesting problem: the runner's COMMIT ends the transaction.
func checkUncommitted(c *rule.Context) []rule.Violation {
	stmts, i := c.Statements, c.Index
	if !opens(stmts[i]) || c.Tx.Explicit || runnerManaged(c) {
		return nil
	}
	for j := i + 1; j < len(stmts); j++ {
		if closes(stmts[j]) {
			return nil
		}
	}
	return []rule.Violation{{
		Message: stmts[i].Kind + " opens a transaction that nothing in the file commits or rolls back",
		SafeSQL: rule.Comment("End the transaction in the file that opened it.") + balancedScript(stmts[i:]),
	}}
}
