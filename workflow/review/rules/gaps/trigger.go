package gaps

import (
	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// createTriggerOnExistingTable: CREATE TRIGGER takes SHARE ROW EXCLUSIVE on
// its table; without a lock_timeout the request waits behind every running
// transaction and blocks all writes while it waits.
func createTriggerOnExistingTable() rule.Rule {
	return rule.Rule{
		ID:       "create-trigger-on-existing-table",
		Severity: workflow.SeverityWarning,
		Summary:  "CREATE TRIGGER on an existing table without a lock_timeout",
		Why: "CREATE TRIGGER takes a SHARE ROW EXCLUSIVE lock, which blocks INSERT, UPDATE and DELETE. The " +
			"statement itself is quick, but the lock request queues behind any long-running transaction on " +
			"the table and every write queues behind it. Set a short lock_timeout (and retry) so a busy table " +
			"makes the migration fail fast instead of stalling writes. The trigger also adds work to every " +
			"write from then on.",
		Check: func(c *rule.Context) []rule.Violation {
			tr := c.Stmt.Node.GetCreateTrigStmt()
			if tr == nil || c.Tx.LockTimeout {
				return nil
			}
			table := rule.RangeVarName(tr.Relation)
			if !c.Existing(table) {
				return nil
			}
			return []rule.Violation{{
				Message: "CREATE TRIGGER " + tr.Trigname + " on " + table + " takes SHARE ROW EXCLUSIVE, blocking writes to it while it waits for running transactions; no lock_timeout is set",
				SafeSQL: "-- Fail fast instead of queueing writes behind the lock; retry on lock_timeout errors.\n" +
					"SET lock_timeout = '2s';\n" + c.Stmt.Text + ";",
				Object: table, Location: tr.Relation.GetLocation(),
			}}
		},
		Cases: []rule.Case{
			{Name: "existing table", Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY, updated_at timestamptz);",
				SQL: "CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch_updated_at();", Fires: true},
			{Name: "with lock_timeout", Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY, updated_at timestamptz);",
				SQL: "SET lock_timeout = '2s';\nCREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch_updated_at();"},
			{Name: "table created in the same change",
				SQL: "CREATE TABLE orders (id bigint PRIMARY KEY, updated_at timestamptz);\nCREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch_updated_at();"},
		},
	}
}
