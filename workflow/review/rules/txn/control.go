package txn

import (
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// Runner names as the engine passes them in Context.Runner.
const (
	runnerFlyway        = "flyway"
	runnerGolangMigrate = "golang-migrate"
	runnerAssume        = "assume-in-transaction"
)

// opens reports whether st is BEGIN or START TRANSACTION.
func opens(st schema.Statement) bool {
	t := st.Node.GetTransactionStmt()
	return t != nil && (t.Kind == pg_query.TransactionStmtKind_TRANS_STMT_BEGIN ||
		t.Kind == pg_query.TransactionStmtKind_TRANS_STMT_START)
}

// ends reports whether st ends the current transaction block: COMMIT,
// ROLLBACK (END and ABORT parse to them) or PREPARE TRANSACTION.
func ends(st schema.Statement) bool {
	t := st.Node.GetTransactionStmt()
	return t != nil && (t.Kind == pg_query.TransactionStmtKind_TRANS_STMT_COMMIT ||
		t.Kind == pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK ||
		t.Kind == pg_query.TransactionStmtKind_TRANS_STMT_PREPARE)
}

// closes reports whether st ends the transaction without opening the next
// one, as COMMIT AND CHAIN does.
func closes(st schema.Statement) bool {
	return ends(st) && !st.Node.GetTransactionStmt().GetChain()
}

// control reports whether st opens or ends a transaction block.
func control(st schema.Statement) bool { return opens(st) || ends(st) }

// runnerManaged reports whether the migration tool itself runs BEGIN before
// the file and COMMIT after it (Flyway, or any runner configured as
// assume-in-transaction). golang-migrate is not: its multi-statement query
// runs in an implicit transaction that an explicit BEGIN simply takes over.
func runnerManaged(c *rule.Context) bool {
	return c.Runner == runnerFlyway || c.Runner == runnerAssume
}

// txDescription names the transaction a statement runs in, for messages.
func txDescription(c *rule.Context) string {
	if c.Tx.Explicit {
		if b := owners(c.Statements)[c.Index]; b >= 0 {
			return fmt.Sprintf("the transaction opened by the %s at line %d", c.Statements[b].Kind, c.Statements[b].Pos.Line)
		}
		return "an explicit BEGIN ... COMMIT block"
	}
	return runnerDescription(c)
}

// runnerDescription names the transaction the runner puts the file in.
func runnerDescription(c *rule.Context) string {
	switch {
	case c.Runner == runnerFlyway:
		return "the transaction Flyway wraps around each migration"
	case c.Runner == runnerGolangMigrate:
		return "the implicit transaction golang-migrate's multi-statement query runs in"
	}
	return "the transaction the migration runner wraps around the file"
}

// owners maps each statement to the index of the BEGIN whose explicit block
// it belongs to, following PostgreSQL: a BEGIN inside a block is ignored and
// the first COMMIT or ROLLBACK ends it. Statements outside any block, and
// COMMITs with nothing to end, map to -1.
func owners(stmts []schema.Statement) []int {
	out := make([]int, len(stmts))
	open := -1
	for i, st := range stmts {
		switch {
		case opens(st):
			if open < 0 {
				open = i
			}
			out[i] = open
		case ends(st):
			out[i] = open
			open = -1
			if !closes(st) && out[i] >= 0 {
				open = out[i] // AND CHAIN starts the next block at once
			}
		default:
			out[i] = open
		}
	}
	return out
}

// nextEnd returns the index of the first statement after i that ends a
// transaction block, or -1.
func nextEnd(stmts []schema.Statement, i int) int {
	for j := i + 1; j < len(stmts); j++ {
		if ends(stmts[j]) {
			return j
		}
	}
	return -1
}

// prevControl returns the index of the last BEGIN, COMMIT or ROLLBACK before
// i, or -1.
func prevControl(stmts []schema.Statement, i int) int {
	for j := i - 1; j >= 0; j-- {
		if control(stmts[j]) {
			return j
		}
	}
	return -1
}

// withoutControl returns the statements that are neither BEGIN nor an end.
func withoutControl(stmts []schema.Statement) []schema.Statement {
	var out []schema.Statement
	for _, st := range stmts {
		if !control(st) {
			out = append(out, st)
		}
	}
	return out
}

// balanced returns the statements with every BEGIN inside an open block and
// every COMMIT or ROLLBACK outside one dropped, and reports whether a block
// is still open at the end.
func balanced(stmts []schema.Statement) (out []schema.Statement, open bool) {
	for _, st := range stmts {
		switch {
		case opens(st):
			if open {
				continue
			}
			open = true
		case ends(st):
			if !open {
				continue
			}
			open = !closes(st)
		}
		out = append(out, st)
	}
	return out, open
}

// script renders statements one per line with their original text; a long
// run keeps its first and last statements and notes how many it left out.
func script(stmts []schema.Statement) string {
	const keep = 7
	var b strings.Builder
	for i, st := range stmts {
		if len(stmts) > 2*keep+2 && i >= keep && i < len(stmts)-keep {
			if i == keep {
				fmt.Fprintf(&b, "-- ... %d statements unchanged ...\n", len(stmts)-2*keep)
			}
			continue
		}
		b.WriteString(st.Text + ";\n")
	}
	return b.String()
}
