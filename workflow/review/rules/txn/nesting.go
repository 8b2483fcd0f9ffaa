package txn

import (
	"fmt"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// transactionNesting: BEGIN inside a transaction, and COMMIT or ROLLBACK
// inside a runner-managed file or with no transaction to end.
func transactionNesting() rule.Rule {
	return rule.Rule{
		ID:       "transaction-nesting",
		Severity: workflow.SeverityWarning,
		Summary:  "BEGIN inside a transaction, or COMMIT/ROLLBACK of a transaction the file does not own",
		Why: "PostgreSQL has no nested transactions: a BEGIN inside one only draws a warning, and the " +
			"first COMMIT then ends the outer transaction, so the statements after it run one by one " +
			"and a failure leaves the migration half applied. In a file the runner wraps (Flyway, " +
			"assume-in-transaction) a COMMIT or ROLLBACK ends the runner's transaction early in the " +
			"same way. Let exactly one party own the transaction: drop the inner BEGIN/COMMIT, or put " +
			"statements that need their own transaction in separate files.",
		Check: checkNesting,
		Cases: []rule.Case{
			{Name: "nested BEGIN",
				SQL:   "BEGIN;\nCREATE TABLE a (id bigint);\nBEGIN;\nCREATE TABLE b (id bigint);\nCOMMIT;\nCOMMIT;",
				Fires: true},
			{Name: "BEGIN and COMMIT in a file flyway wraps", Runner: "flyway",
				SQL: "BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;", Fires: true},
			{Name: "COMMIT in an assume-in-transaction file", Runner: "assume-in-transaction",
				SQL: "CREATE TABLE a (id bigint);\nCOMMIT;\nCREATE TABLE b (id bigint);", Fires: true},
			{Name: "COMMIT without BEGIN", SQL: "CREATE TABLE a (id bigint);\nCOMMIT;", Fires: true},
			{Name: "COMMIT inside golang-migrate's implicit transaction", Runner: "golang-migrate",
				SQL: "CREATE TABLE a (id bigint);\nCOMMIT;\nCREATE TABLE b (id bigint);", Fires: true},
			{Name: "second COMMIT", SQL: "BEGIN;\nCREATE TABLE a (id bigint);\nCOMMIT;\nCOMMIT;", Fires: true},
			{Name: "one transaction", SQL: "BEGIN;\nCREATE TABLE a (id bigint);\nCOMMIT;"},
			{Name: "transactions one after another",
				SQL: "BEGIN;\nCREATE TABLE a (id bigint);\nCOMMIT;\nBEGIN;\nCREATE TABLE b (id bigint);\nCOMMIT;"},
			{Name: "golang-migrate file with its own BEGIN/COMMIT", Runner: "golang-migrate",
				SQL: "BEGIN;\nCREATE TABLE a (id bigint);\nCREATE INDEX a_id_idx ON a (id);\nCOMMIT;"},
			{Name: "flyway file without transaction control", Runner: "flyway",
				SQL: "CREATE TABLE a (id bigint);\nCREATE TABLE b (id bigint);"},
		},
	}
}

// checkNesting reports a BEGIN inside a transaction, a COMMIT or ROLLBACK in a
// runner-managed file, and a COMMIT or ROLLBACK with no transaction open.
func checkNesting(c *rule.Context) []rule.Violation {
	st := c.Stmt
	managed := runnerManaged(c)
	var msg string
	switch {
	case opens(st) && c.Tx.Explicit:
		msg = fmt.Sprintf("%s inside %s: PostgreSQL ignores it, so the next COMMIT ends the outer transaction and what follows runs outside it",
			st.Kind, txDescription(c))
	case opens(st) && managed:
		msg = fmt.Sprintf("%s inside %s: PostgreSQL ignores it, and a COMMIT in the file would end the runner's transaction early",
			st.Kind, txDescription(c))
	case ends(st) && managed:
		msg = fmt.Sprintf("%s ends %s: the statements after it run without one, and the runner's own COMMIT finds nothing to commit",
			st.Kind, runnerDescription(c))
	case ends(st) && !c.Tx.Explicit && c.Tx.InTransaction:
		msg = st.Kind + " without a BEGIN: it ends " + runnerDescription(c) + " part way through the file"
	case ends(st) && !c.Tx.Explicit:
		msg = st.Kind + " with no transaction open: the statements before it already committed one by one"
	default:
		return nil
	}
	return []rule.Violation{{Message: msg, SafeSQL: nestingSafeSQL(c, managed)}}
}

// nestingSafeSQL rewrites the SQL around the finding so that one party owns
// the transaction: the whole file without BEGIN/COMMIT when the runner
// manages it, the block with exactly one BEGIN ... COMMIT pair otherwise.
func nestingSafeSQL(c *rule.Context, managed bool) string {
	stmts, i := c.Statements, c.Index
	own := owners(stmts)
	if managed {
		body := withoutControl(stmts)
		head := rule.Comment("The runner already runs the file in one transaction: the file without BEGIN/COMMIT of its own.")
		if len(body) == 0 {
			return head + rule.Comment("Delete the "+stmts[i].Kind+".")
		}
		return head + script(body)
	}
	if opens(stmts[i]) {
		hi := len(stmts) - 1
		if e := nextEnd(stmts, i); e >= 0 {
			hi = e
		}
		lo := max(own[i], 0)
		return rule.Comment("One BEGIN ... COMMIT pair; the inner BEGIN goes.") + balancedScript(stmts[lo:hi+1])
	}
	// A COMMIT or ROLLBACK with nothing to end.
	prev := prevControl(stmts, i)
	if body := withoutControl(stmts[prev+1 : i]); len(body) > 0 {
		return rule.Comment("Open the transaction this "+stmts[i].Kind+" is meant to end.") +
			"BEGIN;\n" + script(body) + stmts[i].Text + ";\n"
	}
	if prev >= 0 && own[prev] >= 0 {
		return rule.Comment("The transaction already ended here; the extra "+stmts[i].Kind+" goes.") +
			balancedScript(stmts[own[prev]:prev+1])
	}
	return rule.Comment("Delete the " + stmts[i].Kind + ": no transaction is open here.")
}

// balancedScript renders statements with the nested BEGINs and stray ends
// dropped, closing a block left open with COMMIT.
func balancedScript(stmts []schema.Statement) string {
	kept, open := balanced(stmts)
	s := script(kept)
	if open {
		s += "COMMIT;\n"
	}
	return s
}
