package txn

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// banConcurrentInTransaction: a CONCURRENTLY operation inside an explicit or
// runner-implied transaction, which PostgreSQL rejects.
func banConcurrentInTransaction() rule.Rule {
	return rule.Rule{
		ID:       "ban-concurrent-index-creation-in-transaction",
		Severity: workflow.SeverityError,
		Summary:  "CREATE/DROP INDEX, REINDEX or DETACH PARTITION ... CONCURRENTLY inside a transaction",
		Why: "CONCURRENTLY operations commit several transactions of their own, so PostgreSQL refuses " +
			"them inside a transaction block (\"cannot run inside a transaction block\") and the " +
			"migration fails. That includes the transaction a runner such as Flyway wraps around the " +
			"file, and the implicit one a multi-statement query runs in (golang-migrate, pgx). Give the " +
			"statement a migration file of its own with no BEGIN/COMMIT and no other statement: " +
			"golang-migrate then sends it alone and Flyway runs a file of only non-transactional " +
			"statements outside a transaction.",
		Check: checkConcurrentInTransaction,
		Cases: []rule.Case{
			{Name: "explicit transaction",
				SQL:   "BEGIN;\nCREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);\nCOMMIT;",
				Fires: true},
			{Name: "flyway wraps a file of several statements", Runner: "flyway",
				SQL: "SET lock_timeout = '1s';\nDROP INDEX CONCURRENTLY orders_old_idx;", Fires: true},
			{Name: "golang-migrate sends several statements as one query", Runner: "golang-migrate",
				SQL: "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_idx ON orders (customer_id);\n" +
					"ALTER TABLE orders ADD CONSTRAINT orders_customer_key UNIQUE USING INDEX orders_customer_idx;",
				Fires: true},
			{Name: "reindex and detach in a transaction",
				SQL:   "BEGIN;\nREINDEX INDEX CONCURRENTLY orders_customer_idx;\nALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;\nCOMMIT;",
				Fires: true},
			{Name: "assume-in-transaction, several statements", Runner: "assume-in-transaction",
				SQL: "CREATE UNIQUE INDEX CONCURRENTLY orders_ref_idx ON orders (ref);\nSELECT 1;", Fires: true},
			{Name: "golang-migrate, lone statement", Runner: "golang-migrate",
				SQL: "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_idx ON orders (customer_id);"},
			{Name: "flyway, lone statement", Runner: "flyway",
				SQL: "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_idx ON orders (customer_id);"},
			{Name: "plain runner, no transaction",
				SQL: "SET lock_timeout = '1s';\nCREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_idx ON orders (customer_id);"},
			{Name: "after the transaction ended",
				SQL: "BEGIN;\nCREATE TABLE notes (id bigint);\nCOMMIT;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_idx ON orders (customer_id);"},
			{Name: "plain index in a transaction", SQL: "BEGIN;\nCREATE INDEX orders_customer_idx ON orders (customer_id);\nCOMMIT;"},
		},
	}
}

// checkConcurrentInTransaction reports a CONCURRENTLY statement that runs in
// a transaction. A file holding nothing else is left alone whatever the
// runner: golang-migrate sends it on its own and Flyway detects it as
// non-transactional (squawk allows it for the same reason).
func checkConcurrentInTransaction(c *rule.Context) []rule.Violation {
	what, ok := concurrentOp(c.Stmt.Node)
	if !ok || !c.Tx.InTransaction || len(c.Statements) == 1 {
		return nil
	}
	return []rule.Violation{{
		Message:  what + " runs inside " + txDescription(c) + ": PostgreSQL refuses CONCURRENTLY in a transaction block and the migration fails",
		SafeSQL:  concurrentSafeSQL(c),
		Location: keywordLocation(c, pg_query.Token_CONCURRENTLY),
	}}
}

// concurrentOp names the statement's CONCURRENTLY operation, if it has one.
func concurrentOp(n *pg_query.Node) (string, bool) {
	switch s := n.GetNode().(type) {
	case *pg_query.Node_IndexStmt:
		return "CREATE INDEX CONCURRENTLY on " + rule.RangeVarName(s.IndexStmt.Relation), s.IndexStmt.Concurrent
	case *pg_query.Node_DropStmt:
		return "DROP INDEX CONCURRENTLY", s.DropStmt.Concurrent
	case *pg_query.Node_ReindexStmt:
		for _, p := range s.ReindexStmt.Params {
			if strings.EqualFold(p.GetDefElem().GetDefname(), "concurrently") {
				return "REINDEX ... CONCURRENTLY", true
			}
		}
	case *pg_query.Node_AlterTableStmt:
		for _, cmd := range s.AlterTableStmt.Cmds {
			at := cmd.GetAlterTableCmd()
			if at.GetSubtype() == pg_query.AlterTableType_AT_DetachPartition && at.GetDef().GetPartitionCmd().GetConcurrent() {
				return "DETACH PARTITION ... CONCURRENTLY on " + rule.RangeVarName(s.AlterTableStmt.Relation), true
			}
		}
	}
	return "", false
}

// concurrentSafeSQL is the statement alone, in the robust form for a re-run
// (IF NOT EXISTS / IF EXISTS where it has a name), for a file of its own.
func concurrentSafeSQL(c *rule.Context) string {
	head := rule.Comment("A migration file of its own: no BEGIN/COMMIT and no other statement.")
	switch c.Runner {
	case runnerFlyway:
		head += rule.Comment("Flyway runs a file of only non-transactional statements outside a transaction; if your",
			"version does not detect this one, set executeInTransaction=false in the script's .sql.conf.")
	case runnerGolangMigrate:
		head += rule.Comment("golang-migrate then sends it alone, outside any transaction.")
	}
	head += rule.Comment("Set lock_timeout for it on the role or with PGOPTIONS='-c lock_timeout=5s'.")
	n := proto.Clone(c.Stmt.Node).(*pg_query.Node)
	switch s := n.GetNode().(type) {
	case *pg_query.Node_IndexStmt:
		s.IndexStmt.IfNotExists = s.IndexStmt.Idxname != ""
	case *pg_query.Node_DropStmt:
		s.DropStmt.MissingOk = true
	default:
		// REINDEX and DETACH keep their text: the deparser writes REINDEX's
		// option list in the PostgreSQL 14 form.
		return head + c.Stmt.Text + ";\n"
	}
	if sql, err := c.Stmt.Deparse(n); err == nil {
		return head + sql + "\n"
	}
	return head + c.Stmt.Text + ";\n"
}
