package txn

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// preferRobustStmts: statements outside a transaction that fail, or
// duplicate objects, when a half-applied migration is run again.
func preferRobustStmts() rule.Rule {
	return rule.Rule{
		ID:       "prefer-robust-stmts",
		Severity: workflow.SeverityWarning,
		Summary:  "CREATE/DROP without IF [NOT] EXISTS outside a transaction, unnamed index builds",
		Why: "Outside a transaction every statement commits on its own, so a migration that fails half " +
			"way leaves its first statements applied; running it again then stops at \"already " +
			"exists\" or \"does not exist\". IF [NOT] EXISTS, OR REPLACE, or an ADD CONSTRAINT that runs " +
			"only when the constraint is missing makes a re-run pick up where it stopped. An unnamed index is " +
			"worse: a re-run silently builds a duplicate, and a failed CREATE INDEX CONCURRENTLY leaves " +
			"an INVALID index behind under a generated name; name it so IF NOT EXISTS can find it. " +
			"Statements inside a transaction roll back together and are left alone, as is a file of " +
			"one statement other than CREATE INDEX CONCURRENTLY, which cannot half apply.",
		Check: checkRobust,
		Cases: []rule.Case{
			{Name: "create table and index", Baseline: "CREATE TABLE orders (id bigint, customer_id bigint);",
				SQL:   "CREATE TABLE notes (id bigint);\nCREATE INDEX notes_id_idx ON notes (id);",
				Fires: true},
			{Name: "unnamed concurrent index, even alone",
				SQL: "CREATE INDEX CONCURRENTLY ON orders (customer_id, created_at);", Fires: true},
			{Name: "named concurrent index", SQL: "SET lock_timeout = '1s';\nCREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);", Fires: true},
			{Name: "drops", SQL: "DROP INDEX CONCURRENTLY orders_old_idx;\nDROP TABLE legacy;", Fires: true},
			{Name: "alter table add and drop",
				SQL: "ALTER TABLE orders ADD COLUMN note text, DROP COLUMN legacy;\n" +
					"ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID, DROP CONSTRAINT orders_old_check;",
				Fires: true},
			{Name: "unnamed constraint", SQL: "SET lock_timeout = '1s';\nALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers NOT VALID;", Fires: true},
			{Name: "constraint from an index",
				SQL: "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS payments_ref_key ON payments (provider, ref);\n" +
					"ALTER TABLE payments ADD CONSTRAINT payments_ref_key UNIQUE USING INDEX payments_ref_key;", Fires: true},
			{Name: "views, functions, sequences, schemas, extensions",
				SQL: "CREATE VIEW open_orders AS SELECT * FROM orders;\nCREATE SEQUENCE order_no;\n" +
					"CREATE FUNCTION one() RETURNS int LANGUAGE sql AS 'SELECT 1';\nCREATE SCHEMA reporting;\n" +
					"CREATE EXTENSION pg_trgm;\nCREATE MATERIALIZED VIEW totals AS SELECT 1 AS n;\nDROP DATABASE scratch;", Fires: true},
			{Name: "robust forms",
				SQL: "CREATE TABLE IF NOT EXISTS notes (id bigint);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS notes_id_idx ON notes (id);\n" +
					"ALTER TABLE notes ADD COLUMN IF NOT EXISTS body text, DROP COLUMN IF EXISTS legacy;\n" +
					"ALTER TABLE notes DROP CONSTRAINT IF EXISTS notes_body_check;\n" +
					"ALTER TABLE notes ADD CONSTRAINT notes_body_check CHECK (body <> '') NOT VALID;\n" +
					"DROP TABLE IF EXISTS legacy;\nCREATE OR REPLACE VIEW v AS SELECT 1;"},
			{Name: "inside a transaction", SQL: "BEGIN;\nCREATE TABLE notes (id bigint);\nDROP TABLE legacy;\nCOMMIT;"},
			{Name: "runner transaction", Runner: "flyway", SQL: "CREATE TABLE notes (id bigint);\nDROP TABLE legacy;"},
			{Name: "a lone ordinary statement", SQL: "CREATE TABLE notes (id bigint);"},
			{Name: "a lone concurrent drop", SQL: "DROP INDEX CONCURRENTLY orders_old_idx;"},
			{Name: "temporary table dropped at commit", SQL: "CREATE TEMP TABLE scratch (id bigint) ON COMMIT DROP;\nSELECT 1;"},
		},
	}
}

// checkRobust reports the non-repeatable parts of a statement that runs
// outside a transaction; the safe SQL repairs all of them at once. The
// statement is only cloned once something needs repairing.
func checkRobust(c *rule.Context) []rule.Violation {
	if c.Tx.InTransaction {
		return nil
	}
	// A lone statement is atomic, except CREATE INDEX CONCURRENTLY: its
	// failure leaves an INVALID index behind.
	concurrent := c.Stmt.Node.GetIndexStmt().GetConcurrent()
	if len(c.Statements) == 1 && !concurrent {
		return nil
	}
	var issues []issue
	switch s := c.Stmt.Node.GetNode().(type) {
	case *pg_query.Node_IndexStmt:
		issues = robustIndex(c, s.IndexStmt)
	case *pg_query.Node_AlterTableStmt:
		issues = robustAlter(c, s.AlterTableStmt)
	default:
		issues = robustCreateDrop(c)
	}
	if len(issues) == 0 {
		return nil
	}
	safe := robustSafeSQL(c, issues, concurrent)
	out := make([]rule.Violation, 0, len(issues))
	for _, is := range issues {
		out = append(out, rule.Violation{Message: is.message, SafeSQL: safe, Object: is.object, Location: is.location})
	}
	return out
}

// issue is one non-repeatable part of a statement.
type issue struct {
	message  string
	object   string
	location int32
	// fix repairs the part in a clone of the statement.
	fix func(clone *pg_query.Node)
	// guard, for an ADD CONSTRAINT, is the index of its subcommand: the safe
	// SQL moves it into a block that runs it only when it is missing. It is
	// -1 otherwise.
	guard int
}

// rerun is the shared tail of the messages.
const rerun = "; outside a transaction a re-run after a partial failure stops there"

// robustIndex checks a CREATE INDEX: it needs a name, and IF NOT EXISTS.
func robustIndex(c *rule.Context, ix *pg_query.IndexStmt) []issue {
	table := rule.RangeVarName(ix.Relation)
	switch {
	case ix.Idxname == "":
		msg := "unnamed CREATE INDEX on " + table + ": a re-run builds a duplicate index under another generated name"
		if ix.Concurrent {
			msg = "unnamed CREATE INDEX CONCURRENTLY on " + table + ": a failed run leaves an INVALID index under a generated name, and every re-run builds another"
		}
		name := c.Model.DefaultIndexName(ix)
		return []issue{{message: msg, object: table, location: ix.Relation.GetLocation(), guard: -1,
			fix: func(n *pg_query.Node) { n.GetIndexStmt().Idxname, n.GetIndexStmt().IfNotExists = name, true }}}
	case !ix.IfNotExists:
		return []issue{{message: "CREATE INDEX " + ix.Idxname + " without IF NOT EXISTS" + rerun, object: ix.Idxname,
			location: c.NameLocation(ix.Idxname, 0), guard: -1,
			fix: func(n *pg_query.Node) { n.GetIndexStmt().IfNotExists = true }}}
	}
	return nil
}

// robustSafeSQL renders the repaired statement, without the ADD CONSTRAINTs
// that follow it in blocks adding each only when it is missing; a concurrent
// index build also gets the recovery note.
func robustSafeSQL(c *rule.Context, issues []issue, concurrent bool) string {
	n := proto.Clone(c.Stmt.Node).(*pg_query.Node)
	guards := map[int]bool{}
	for _, is := range issues {
		is.fix(n)
		if is.guard >= 0 {
			guards[is.guard] = true
		}
	}
	var guarded []*pg_query.AlterTableStmt
	if at := n.GetAlterTableStmt(); at != nil && len(guards) > 0 {
		var kept []*pg_query.Node
		for i, cmd := range at.Cmds {
			if guards[i] {
				guarded = append(guarded, &pg_query.AlterTableStmt{Relation: at.Relation, Objtype: at.Objtype, Cmds: []*pg_query.Node{cmd}})
			} else {
				kept = append(kept, cmd)
			}
		}
		at.Cmds = kept
		if len(kept) == 0 {
			n = nil
		}
	}
	var b strings.Builder
	if ix := n.GetIndexStmt(); ix != nil && concurrent {
		b.WriteString(rule.Comment(
			"If a run fails, the INVALID index keeps the name and IF NOT EXISTS would skip it: drop it with",
			"DROP INDEX CONCURRENTLY IF EXISTS "+ix.Idxname+"; before re-running (invalid ones: SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid;).",
		))
	}
	if n != nil {
		sql, err := c.Stmt.Deparse(n)
		if err != nil {
			return rule.Comment("Add IF [NOT] EXISTS to: " + strings.ReplaceAll(c.Stmt.Text, "\n", " "))
		}
		b.WriteString(sql + "\n")
	}
	if len(guarded) > 0 {
		b.WriteString(rule.Comment("ADD CONSTRAINT has no IF NOT EXISTS: add it only when it is missing."))
	}
	for _, at := range guarded {
		sql, err := guardedAdd(c, at)
		if err != nil {
			return rule.Comment("Add the constraint only when it is missing: " + strings.ReplaceAll(c.Stmt.Text, "\n", " "))
		}
		b.WriteString(sql)
	}
	return b.String()
}
