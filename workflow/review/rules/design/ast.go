package design

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// newTable returns the CREATE TABLE of a statement when it creates a regular
// table the design rules judge: not a partition (it inherits its shape from
// its parent), not a temporary table, not a typed table.
func newTable(c *rule.Context) *pg_query.CreateStmt {
	cs := c.Stmt.Node.GetCreateStmt()
	if cs == nil || cs.Partbound != nil || cs.OfTypename != nil || cs.Relation.GetRelpersistence() == "t" {
		return nil
	}
	return cs
}

// columnDefs returns the column definitions of a CREATE TABLE.
func columnDefs(cs *pg_query.CreateStmt) []*pg_query.ColumnDef {
	var out []*pg_query.ColumnDef
	for _, elt := range cs.TableElts {
		if cd := elt.GetColumnDef(); cd != nil {
			out = append(out, cd)
		}
	}
	return out
}

// constraintColumns returns the columns a constraint covers: its own column
// when written on one, else its key list (FkAttrs for a foreign key).
func constraintColumns(con *pg_query.Constraint, column string) []string {
	if column != "" {
		return []string{column}
	}
	if con.GetContype() == pg_query.ConstrType_CONSTR_FOREIGN {
		return rule.StringValues(con.FkAttrs)
	}
	return rule.StringValues(con.Keys)
}

// alterCmdsOn returns the subcommands of an ALTER TABLE on the table.
func alterCmdsOn(n *pg_query.Node, table schema.QualifiedName) []*pg_query.AlterTableCmd {
	at := n.GetAlterTableStmt()
	if at == nil || at.Objtype != pg_query.ObjectType_OBJECT_TABLE || !rule.SameRelation(at.Relation, table) {
		return nil
	}
	return rule.AlterTableCmds(at)
}

// notNullLater returns the columns of the table that later statements of
// the file make NOT NULL.
func notNullLater(c *rule.Context, table schema.QualifiedName) columnSet {
	var out columnSet
	for _, st := range c.LaterOn(table.String()) {
		if !rule.Targets(st, table) {
			continue
		}
		for _, cmd := range alterCmdsOn(st.Node, table) {
			if cmd.Subtype == pg_query.AlterTableType_AT_SetNotNull {
				out = append(out, cmd.Name)
			}
		}
	}
	return out
}

// notNullDef reports whether a column definition is NOT NULL by itself: a NOT
// NULL or PRIMARY KEY constraint, an identity, or a serial type.
func notNullDef(cd *pg_query.ColumnDef) bool {
	if cd.IsNotNull {
		return true
	}
	switch schema.TypeString(cd.TypeName) {
	case "smallserial", "serial", "bigserial", "serial2", "serial4", "serial8":
		return true
	}
	for _, n := range cd.Constraints {
		switch n.GetConstraint().GetContype() {
		case pg_query.ConstrType_CONSTR_NOTNULL, pg_query.ConstrType_CONSTR_PRIMARY, pg_query.ConstrType_CONSTR_IDENTITY:
			return true
		}
	}
	return false
}
