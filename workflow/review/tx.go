package review

import (
	"maps"
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow/locks"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// txTracker follows the transaction state through a file, statement by statement.
type txTracker struct {
	wrapped bool
	s       rule.TxState
}

func newTxTracker(wrapped bool) *txTracker {
	t := &txTracker{wrapped: wrapped}
	t.s.InTransaction = wrapped
	t.s.Altered = map[string]int{}
	return t
}

// state returns the current state for the rules to read. The slices are
// copied; the Altered map is shared and must only be read.
// clone returns an independent copy of the tracker.
func (t *txTracker) clone() *txTracker {
	c := &txTracker{wrapped: t.wrapped, s: t.state()}
	c.s.Altered = maps.Clone(t.s.Altered)
	return c
}

func (t *txTracker) state() rule.TxState {
	s := t.s
	s.AccessExclusive = slices.Clone(s.AccessExclusive)
	s.EnumValues = slices.Clone(s.EnumValues)
	return s
}

// after moves the state past the statement c reviewed.
func (t *txTracker) after(c *rule.Context) {
	switch n := c.Stmt.Node.GetNode().(type) {
	case *pg_query.Node_TransactionStmt:
		switch n.TransactionStmt.Kind {
		case pg_query.TransactionStmtKind_TRANS_STMT_BEGIN, pg_query.TransactionStmtKind_TRANS_STMT_START:
			t.s.Depth++
			t.s.InTransaction, t.s.Explicit = true, true
		case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT, pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK:
			t.endTransaction()
			if n.TransactionStmt.Chain {
				return // AND CHAIN starts the next transaction at once
			}
			t.s.Depth = max(0, t.s.Depth-1)
			t.s.Explicit = false
			t.s.InTransaction = t.wrapped
		case
			pg_query.TransactionStmtKind_TRANS_STMT_COMMIT_PREPARED, pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK_PREPARED,
			pg_query.TransactionStmtKind_TRANS_STMT_PREPARE:
			t.s.Depth = max(0, t.s.Depth-1)
			t.s.Explicit = false
			t.s.InTransaction = t.wrapped
			t.endTransaction()
		}
		return
	case *pg_query.Node_VariableSetStmt:
		switch strings.ToLower(n.VariableSetStmt.Name) {
		case "lock_timeout":
			t.s.LockTimeout = true
		case "statement_timeout":
			t.s.StatementTimeout = true
		}
	case *pg_query.Node_AlterTableStmt:
		t.s.Altered[c.Stmt.Target]++
	case *pg_query.Node_AlterEnumStmt:
		if a := n.AlterEnumStmt; a.NewVal != "" && a.OldVal == "" {
			t.s.EnumValues = append(t.s.EnumValues, c.Stmt.Target+"."+a.NewVal)
		}
	}
	for _, e := range c.Facts.Effects {
		if e.Mode == locks.AccessExclusive && t.s.InTransaction && !slices.Contains(t.s.AccessExclusive, e.Relation) {
			t.s.AccessExclusive = append(t.s.AccessExclusive, e.Relation)
		}
	}
	if !t.s.InTransaction {
		// Outside a transaction each statement commits on its own.
		t.endTransaction()
	}
}

// endTransaction releases what a transaction held.
func (t *txTracker) endTransaction() {
	t.s.AccessExclusive = nil
	t.s.EnumValues = nil
}
