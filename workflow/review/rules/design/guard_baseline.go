package design

import (
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// baselineGuards judges the guard-named columns of a baseline table the
// statement works on: at the statement that adds a column's guard it asks
// for the duplicate check; at the first statement on the table it reports
// columns the change leaves without one.
func baselineGuards(c *rule.Context) []rule.Violation {
	table, loc, ok := touchedTable(c.Stmt.Node)
	if !ok || c.CreatedHere(table.String()) {
		return nil
	}
	t := c.Table(table.String())
	if t == nil {
		return nil
	}
	before := modelKeys(c.Model, t)
	here := slices.Concat(before, statementKeys(c.Stmt.Node, table))
	var cols columnSet
	for _, col := range t.Columns {
		cols = append(cols, col.Name)
	}
	var out []rule.Violation
	for _, col := range t.Columns {
		if !guardedName(t.Name, col.Name) || isForeignKey(t, col.Name) || addsColumn(c.EarlierOn(table.String()), table, col.Name) {
			continue
		}
		if _, ok := guards(before, col.Name); ok {
			continue
		}
		if k, ok := guards(here, col.Name); ok {
			out = append(out, untilGuard(table, col.Name, k, loc))
			continue
		}
		if touchedEarlier(c, table) {
			continue // reported at the first statement on the table, if at all
		}
		if _, ok := guards(slices.Concat(before, keysFromHere(c, table)), col.Name); ok {
			continue // reported where a later statement adds the guard
		}
		out = append(out, noGuard(table, col.Name, guardColumns(cols, col.Name), loc))
	}
	return out
}

// untilGuard reports a baseline column that lacked a guard until this statement.
func untilGuard(table schema.QualifiedName, column string, k uniqueKey, loc int32) rule.Violation {
	cols := k.columns
	if len(k.exprs) > 0 || len(cols) == 0 {
		cols = []string{column}
	}
	what := "this statement"
	if k.name != "" {
		what = k.name
	}
	return rule.Violation{
		Message: table.String() + "." + column + " had no unique constraint or index before this change: the same value could be stored twice until " +
			what + " (" + strings.Join(cols, ", ") + ") makes it unique. Building it fails if duplicates already exist " +
			"(CONCURRENTLY leaves an INVALID index behind): check for duplicates on a production-sized copy first",
		SafeSQL: "-- Evidence for the guard: on a production-sized copy this must return no rows before the unique index is built.\n" +
			duplicateCheck(table, cols),
		Object: table.String() + "." + column, Location: loc,
	}
}

// noGuard reports a baseline column the change works around without guarding it.
func noGuard(table schema.QualifiedName, column string, cols []string, loc int32) rule.Violation {
	name := rule.QuoteColID(rule.Clip(table.Name + "_" + strings.Join(cols, "_") + "_key"))
	staged := "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS " + name + " ON " + rule.QuoteQualified(table) + " (" + rule.JoinColIDs(cols) + ");\n" +
		"ALTER TABLE " + rule.QuoteQualified(table) + " ADD CONSTRAINT " + name + " UNIQUE USING INDEX " + name + ";"
	return rule.Violation{
		Message: table.String() + "." + column + " looks like " + keyKind(column) + " but no unique constraint or index covers it, " +
			"and this change works on " + table.String() + " without adding one: the same value can be stored on two rows",
		SafeSQL: "-- First remove duplicates: on a production-sized copy this must return no rows.\n" +
			duplicateCheck(table, cols) + "\n" +
			"-- Then stage the guard in its own migration, outside a transaction block:\n" + rule.CommentOut(staged),
		Object: table.String() + "." + column, Location: loc,
	}
}

// duplicateCheck renders the query that lists values a unique guard on the
// columns would reject (NULLs never collide, so they are left out).
func duplicateCheck(table schema.QualifiedName, cols []string) string {
	list := rule.JoinColIDs(cols)
	notNull := make([]string, len(cols))
	for i, col := range cols {
		notNull[i] = rule.QuoteColID(col) + " IS NOT NULL"
	}
	return "SELECT " + list + ", count(*) AS copies FROM " + rule.QuoteQualified(table) +
		" WHERE " + strings.Join(notNull, " AND ") +
		" GROUP BY " + list + " HAVING count(*) > 1 ORDER BY count(*) DESC LIMIT 20;"
}

// touchedTable returns the table an ALTER TABLE or CREATE INDEX works on,
// with the location of its name.
func touchedTable(n *pg_query.Node) (schema.QualifiedName, int32, bool) {
	switch s := n.GetNode().(type) {
	case *pg_query.Node_AlterTableStmt:
		if s.AlterTableStmt.Objtype == pg_query.ObjectType_OBJECT_TABLE {
			return rule.RelName(s.AlterTableStmt.Relation), s.AlterTableStmt.Relation.GetLocation(), true
		}
	case *pg_query.Node_IndexStmt:
		return rule.RelName(s.IndexStmt.Relation), s.IndexStmt.Relation.GetLocation(), true
	}
	return schema.QualifiedName{}, 0, false
}

// touchedEarlier reports whether an earlier statement of the file works on the table.
func touchedEarlier(c *rule.Context, table schema.QualifiedName) bool {
	for _, st := range c.EarlierOn(table.String()) {
		if !rule.Targets(st, table) {
			continue
		}
		if t, _, ok := touchedTable(st.Node); ok && t.Is(table) {
			return true
		}
	}
	return false
}

// addsColumn reports whether one of the statements adds the column to the
// table (callers pass the earlier or the later statements on the table).
func addsColumn(stmts []schema.Statement, table schema.QualifiedName, column string) bool {
	for _, st := range stmts {
		if !rule.Targets(st, table) {
			continue
		}
		for _, cmd := range alterCmdsOn(st.Node, table) {
			if cmd.Subtype == pg_query.AlterTableType_AT_AddColumn && cmd.GetDef().GetColumnDef().GetColname() == column {
				return true
			}
		}
	}
	return false
}

// isForeignKey reports whether the column belongs to one of the table's
// foreign keys.
func isForeignKey(t *schema.Table, column string) bool {
	for _, fk := range t.ForeignKeys {
		if slices.Contains(fk.Columns, column) {
			return true
		}
	}
	return false
}
