package locking

import (
	"fmt"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/locks"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// requireLockTimeout: the first statement of a file that takes a lock
// blocking reads or writes on an existing table, with no lock_timeout set.
func requireLockTimeout() rule.Rule {
	return rule.Rule{
		ID:       "require-lock-timeout",
		Severity: workflow.SeverityWarning,
		Summary:  "Blocking lock taken with no lock_timeout set earlier in the file",
		Why: "A statement waiting for a lock blocks every later request on the table, even plain reads, for " +
			"as long as it waits: a quick ALTER stuck behind one long transaction stalls all traffic. Set " +
			"lock_timeout first (1s is common) so the statement gives up instead, and retry the migration. " +
			"Reported once per file, at the first statement that needs it.",
		Check: func(c *rule.Context) []rule.Violation {
			return checkTimeout(c, c.Tx.LockTimeout, "lock_timeout", "'1s'",
				"waits for %s on %s (it blocks %s) with no lock_timeout set: while it waits, every later query on %s queues behind it")
		},
		Cases: timeoutCases("SET lock_timeout = '2s';"),
	}
}

// requireStatementTimeout: the first statement of a file that takes a lock
// blocking reads or writes on an existing table, with no statement_timeout.
func requireStatementTimeout() rule.Rule {
	return rule.Rule{
		ID:       "require-statement-timeout",
		Severity: workflow.SeverityWarning,
		Summary:  "Blocking lock taken with no statement_timeout set earlier in the file",
		Why: "A statement that holds a lock blocking reads or writes keeps it until it ends: a slower-than-" +
			"expected rewrite, scan or index build becomes an outage. Set statement_timeout first so it is " +
			"cancelled instead (5s fits brief DDL; raise it for statements that must scan), and plan long " +
			"work with the online recipes. Reported once per file, at the first statement that needs it.",
		Check: func(c *rule.Context) []rule.Violation {
			return checkTimeout(c, c.Tx.StatementTimeout, "statement_timeout", "'5s'",
				"holds %s on %s (it blocks %s) with no statement_timeout set: if it runs long, %s stays blocked until it ends")
		},
		Cases: timeoutCases("SET statement_timeout = '5s';"),
	}
}

// timeoutCases are the cases both timeout rules share; set is the SET that
// satisfies the rule. The firing cases depend on locks.Classify.
func timeoutCases(set string) []rule.Case {
	base := "CREATE TABLE orders (id bigint, status text);"
	return []rule.Case{
		{Name: "alter table", Baseline: base, SQL: "ALTER TABLE orders ADD COLUMN note text;", Fires: true},
		{Name: "create index", Baseline: base, SQL: "CREATE INDEX orders_status_idx ON orders (status);", Fires: true},
		{Name: "reported at the first blocking statement only", Baseline: base,
			SQL: "CREATE TABLE notes (id bigint);\nALTER TABLE orders ADD COLUMN note text;\nDROP TABLE orders;", Fires: true},
		{Name: "set earlier in the file", Baseline: base, SQL: set + "\nALTER TABLE orders ADD COLUMN note text;"},
		{Name: "no blocking lock", Baseline: base,
			SQL: "CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);\nSELECT count(*) FROM orders;"},
		{Name: "table created in the same change",
			SQL: "CREATE TABLE orders (id bigint);\nALTER TABLE orders ADD COLUMN note text;"},
	}
}

// checkTimeout reports the statement when it is the file's first to take a
// lock that blocks reads or writes of an existing table while the setting
// is not set. format receives the lock mode, the relation, what the mode
// blocks, and the relation again.
func checkTimeout(c *rule.Context, set bool, setting, value, format string) []rule.Violation {
	if set {
		return nil
	}
	e, ok := blockingEffect(c, c.Facts)
	if !ok {
		return nil
	}
	// Walking back stops at the nearest blocking statement, so the whole file
	// costs one pass however many statements block.
	for i := c.Index - 1; i >= 0; i-- {
		st := c.Statements[i]
		if _, earlier := blockingEffect(c, locks.Classify(st, c.Model, c.PG)); earlier {
			return nil // the first one was reported: once per file
		}
	}
	return []rule.Violation{{
		Message: fmt.Sprintf("%s "+format, c.Stmt.Kind, e.Mode, e.Relation, e.Mode.Blocks(), e.Relation),
		SafeSQL: fmt.Sprintf("SET %s = %s;\n%s", setting, value, statementSQL(c.Stmt)),
		Object:  e.Relation,
	}}
}

// blockingEffect returns the statement's strongest lock, per the lock
// table's facts, that blocks reads or writes of a relation the change did
// not create.
func blockingEffect(c *rule.Context, f locks.Facts) (locks.Effect, bool) {
	var best locks.Effect
	found := false
	for _, e := range f.Effects {
		if !e.Mode.Dangerous() || !c.Existing(e.Relation) {
			continue
		}
		if !found || e.Mode > best.Mode {
			best, found = e, true
		}
	}
	return best, found
}
