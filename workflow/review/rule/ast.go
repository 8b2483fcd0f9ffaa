package rule

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow/schema"
)

// AlterTable returns the statement's ALTER TABLE node, if it is one.
func (c *Context) AlterTable() (*pg_query.AlterTableStmt, bool) {
	n, ok := c.Stmt.Node.GetNode().(*pg_query.Node_AlterTableStmt)
	if !ok {
		return nil, false
	}
	return n.AlterTableStmt, true
}

// AlterCmds returns the subcommands of an ALTER TABLE statement.
func (c *Context) AlterCmds() []*pg_query.AlterTableCmd {
	at, ok := c.AlterTable()
	if !ok {
		return nil
	}
	return AlterTableCmds(at)
}

// AlterTableCmds returns the subcommands of an ALTER TABLE node (none for a
// nil node).
func AlterTableCmds(at *pg_query.AlterTableStmt) []*pg_query.AlterTableCmd {
	var out []*pg_query.AlterTableCmd
	for _, n := range at.GetCmds() {
		if cmd := n.GetAlterTableCmd(); cmd != nil {
			out = append(out, cmd)
		}
	}
	return out
}

// RangeVarName renders a relation reference as written ("app.orders").
func RangeVarName(rv *pg_query.RangeVar) string {
	if rv == nil {
		return ""
	}
	if rv.Schemaname != "" {
		return rv.Schemaname + "." + rv.Relname
	}
	return rv.Relname
}

// Table returns the model's table for a name, or nil when the model does not
// know it (the baseline did not create it).
func (c *Context) Table(name string) *schema.Table { return c.Model.Table(name) }
