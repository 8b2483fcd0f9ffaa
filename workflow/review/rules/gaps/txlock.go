package gaps

import (
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// statementsAfterAccessExclusive: once a transaction holds ACCESS EXCLUSIVE
// on a table, every further statement in it extends the outage on that table.
func statementsAfterAccessExclusive() rule.Rule {
	return rule.Rule{
		ID:       "statements-after-access-exclusive",
		Severity: workflow.SeverityWarning,
		Summary:  "statement after an ACCESS EXCLUSIVE lock in the same transaction",
		Why: "A lock is held until the transaction ends. Once a statement has taken ACCESS EXCLUSIVE on a table, " +
			"every later statement of the same transaction runs while all reads and writes of that table wait, " +
			"so the outage lasts as long as all of them together. Commit right after the statement that takes " +
			"the lock.",
		Check: func(c *rule.Context) []rule.Violation {
			if !c.Tx.InTransaction || quietStatement(c) {
				return nil
			}
			var held []string
			for _, rel := range c.Tx.AccessExclusive {
				if c.Existing(rel) {
					held = append(held, rel)
				}
			}
			if len(held) == 0 {
				return nil
			}
			return []rule.Violation{{
				Message: "this statement runs while the transaction still holds ACCESS EXCLUSIVE on " + strings.Join(held, ", ") +
					" from an earlier statement: reads and writes of it keep waiting until this one finishes too",
				SafeSQL: "-- Release the lock first: commit, then run this in a new transaction.\nCOMMIT;\nBEGIN;\n" + c.Stmt.Text + ";\nCOMMIT;",
				Object:  held[0],
			}}
		},
		// These cases need locks.Classify to report ACCESS EXCLUSIVE for ALTER TABLE ... ADD COLUMN.
		Cases: []rule.Case{
			{Name: "update after ALTER TABLE in BEGIN ... COMMIT",
				Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY, note text);",
				SQL:      "BEGIN;\nALTER TABLE orders ADD COLUMN channel text;\nUPDATE orders SET note = 'x' WHERE id = 1;\nCOMMIT;", Fires: true},
			{Name: "statement after ALTER TABLE in a wrapped file",
				Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY, note text);\nCREATE TABLE refunds (id bigint PRIMARY KEY);",
				SQL:      "ALTER TABLE orders ADD COLUMN channel text;\nALTER TABLE refunds ADD COLUMN reason text;", Runner: "flyway", Fires: true},
			{Name: "committed in between",
				Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY, note text);",
				SQL:      "BEGIN;\nALTER TABLE orders ADD COLUMN channel text;\nCOMMIT;\nUPDATE orders SET note = 'x' WHERE id = 1;"},
			{Name: "outside a transaction",
				Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY, note text);",
				SQL:      "ALTER TABLE orders ADD COLUMN channel text;\nUPDATE orders SET note = 'x' WHERE id = 1;"},
			{Name: "lock on a table created in the same change",
				SQL: "BEGIN;\nCREATE TABLE orders (id bigint PRIMARY KEY, note text);\nALTER TABLE orders ADD COLUMN channel text;\nINSERT INTO orders (id) VALUES (1);\nCOMMIT;"},
		},
	}
}

// quietStatement reports statements that do not extend the lock: transaction
// control and settings.
func quietStatement(c *rule.Context) bool {
	n := c.Stmt.Node
	return n.GetTransactionStmt() != nil || n.GetVariableSetStmt() != nil || n.GetVariableShowStmt() != nil
}
