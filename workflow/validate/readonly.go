package validate

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	pgparser "github.com/pganalyze/pg_query_go/v6/parser"
)

// checkQuery checks a staging check's SQL with the PostgreSQL parser: it must
// parse, and it must only read, since it is meant to be run as it stands
// against a staging database holding production-sized data. An explain
// check's query must be one EXPLAIN statement.
func checkQuery(kind, query string) error {
	if strings.TrimSpace(query) == "" {
		return errors.New("no query: record the exact SQL of the check")
	}
	res, err := pg.Parse(query)
	if err != nil {
		var pe *pgparser.Error
		if errors.As(err, &pe) && pe.Cursorpos > 0 {
			return fmt.Errorf("query does not parse: %s (at character %d of the query)", pe.Message, pe.Cursorpos)
		}
		return fmt.Errorf("query does not parse: %w", err)
	}
	stmts := res.GetStmts()
	if len(stmts) == 0 {
		return errors.New("query holds no SQL statement")
	}
	for _, s := range stmts {
		if err := readOnly(s.GetStmt()); err != nil {
			return fmt.Errorf("query is not read-only: %w", err)
		}
	}
	if kind == KindExplain && (len(stmts) != 1 || stmts[0].GetStmt().GetExplainStmt() == nil) {
		return errors.New("an explain check's query must be a single EXPLAIN statement")
	}
	return nil
}

// readOnly accepts statements that change neither data nor schema: SELECT
// (without INTO, row locks or data-modifying WITH), EXPLAIN (with ANALYZE
// only of such a statement, since ANALYZE runs it), SHOW, SET and
// transaction control.
func readOnly(n *pg.Node) error {
	switch {
	case n.GetSelectStmt() != nil:
		return readOnlySelect(n.GetSelectStmt())
	case n.GetExplainStmt() != nil:
		e := n.GetExplainStmt()
		if analyzes(e.GetOptions()) {
			if err := readOnly(e.GetQuery()); err != nil {
				return fmt.Errorf("EXPLAIN ANALYZE executes it: %w", err)
			}
		}
		return nil
	case n.GetVariableShowStmt() != nil, n.GetVariableSetStmt() != nil, n.GetTransactionStmt() != nil:
		return nil
	}
	return fmt.Errorf("%s writes to the database", statementName(n))
}

// readOnlySelect checks a SELECT and the parts it is built from.
func readOnlySelect(s *pg.SelectStmt) error {
	if s == nil {
		return nil
	}
	if s.GetIntoClause() != nil {
		return errors.New("SELECT INTO creates a table")
	}
	if len(s.GetLockingClause()) > 0 {
		return errors.New("SELECT ... FOR UPDATE/SHARE locks rows")
	}
	for _, c := range s.GetWithClause().GetCtes() {
		if cte := c.GetCommonTableExpr(); cte != nil {
			if err := readOnly(cte.GetCtequery()); err != nil {
				return fmt.Errorf("WITH %s: %w", cte.GetCtename(), err)
			}
		}
	}
	if err := readOnlySelect(s.GetLarg()); err != nil {
		return err
	}
	return readOnlySelect(s.GetRarg())
}

// analyzes reports whether EXPLAIN options ask for ANALYZE.
func analyzes(options []*pg.Node) bool {
	for _, o := range options {
		d := o.GetDefElem()
		if d == nil || !strings.EqualFold(d.GetDefname(), "analyze") {
			continue
		}
		arg := d.GetArg()
		switch {
		case arg == nil:
			return true
		case arg.GetBoolean() != nil:
			return arg.GetBoolean().GetBoolval()
		case arg.GetInteger() != nil:
			return arg.GetInteger().GetIval() != 0
		case arg.GetString_() != nil:
			switch strings.ToLower(arg.GetString_().GetSval()) {
			case "false", "off", "no", "0":
				return false
			}
		}
		return true
	}
	return false
}

// statementName names a statement for people: "DELETE", "CREATE INDEX".
func statementName(n *pg.Node) string {
	if n.GetNode() == nil {
		return "an empty statement"
	}
	t := reflect.TypeOf(n.GetNode())
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	name := strings.TrimPrefix(t.Name(), "Node_")
	switch name {
	case "InsertStmt":
		return "INSERT"
	case "UpdateStmt":
		return "UPDATE"
	case "DeleteStmt":
		return "DELETE"
	case "MergeStmt":
		return "MERGE"
	case "TruncateStmt":
		return "TRUNCATE"
	case "CopyStmt":
		return "COPY"
	case "CreateStmt", "CreateTableAsStmt":
		return "CREATE TABLE"
	case "IndexStmt":
		return "CREATE INDEX"
	case "AlterTableStmt":
		return "ALTER TABLE"
	case "DropStmt":
		return "DROP"
	case "VacuumStmt":
		return "VACUUM/ANALYZE"
	case "CallStmt":
		return "CALL"
	case "DoStmt":
		return "DO"
	}
	return "a " + name + " statement"
}
