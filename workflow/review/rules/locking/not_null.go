package locking

import (
	"fmt"
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// addingNotNullableField: SET NOT NULL on a column of an existing table scans
// the table under ACCESS EXCLUSIVE, unless PostgreSQL 12+ can rely on a
// validated CHECK (col IS NOT NULL).
func addingNotNullableField() rule.Rule {
	return rule.Rule{
		ID:       "adding-not-nullable-field",
		Severity: workflow.SeverityError,
		Summary:  "SET NOT NULL on an existing table without a validated CHECK (col IS NOT NULL)",
		Why: "ALTER COLUMN ... SET NOT NULL holds ACCESS EXCLUSIVE while it reads every row to prove none " +
			"is NULL, blocking reads and writes for the whole scan (and fails if a NULL is found). From " +
			"PostgreSQL 12 the scan is skipped when a validated CHECK (col IS NOT NULL) already proves it: " +
			"add the CHECK NOT VALID (brief lock), VALIDATE it in its own transaction (SHARE UPDATE EXCLUSIVE, " +
			"reads and writes go on), then SET NOT NULL and drop the CHECK. PostgreSQL 18 can also add the " +
			"NOT NULL constraint itself NOT VALID and validate it later. Before 12, keep the CHECK instead.",
		Check: checkAddingNotNullableField,
		Cases: []rule.Case{
			{Name: "set not null", Baseline: "CREATE TABLE orders (id bigint, status text);",
				SQL: "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;", Fires: true},
			{Name: "check not validated yet", Baseline: "CREATE TABLE orders (id bigint, status text);",
				SQL: "ALTER TABLE orders ADD CONSTRAINT orders_status_nn CHECK (status IS NOT NULL) NOT VALID;\n" +
					"ALTER TABLE orders ALTER COLUMN status SET NOT NULL;", Fires: true},
			{Name: "validated check on another column", Baseline: "CREATE TABLE orders (id bigint, status text, note text);\n" +
				"ALTER TABLE orders ADD CONSTRAINT orders_note_nn CHECK (note IS NOT NULL);",
				SQL: "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;", Fires: true},
			{Name: "validated check before PostgreSQL 12", PG: 11,
				Baseline: "CREATE TABLE orders (id bigint, status text);\n" +
					"ALTER TABLE orders ADD CONSTRAINT orders_status_nn CHECK (status IS NOT NULL);",
				SQL: "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;", Fires: true},
			{Name: "inside a transaction", Baseline: "CREATE TABLE orders (id bigint, status text);",
				SQL: "BEGIN;\nALTER TABLE orders ALTER COLUMN status SET NOT NULL;\nCOMMIT;", Fires: true},
			{Name: "PostgreSQL 18", PG: 18, Baseline: "CREATE TABLE orders (id bigint, status text);",
				SQL: "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;", Fires: true},
			{Name: "validated check in the baseline", Baseline: "CREATE TABLE orders (id bigint, status text);\n" +
				"ALTER TABLE orders ADD CONSTRAINT orders_status_nn CHECK (status IS NOT NULL) NOT VALID;\n" +
				"ALTER TABLE orders VALIDATE CONSTRAINT orders_status_nn;",
				SQL: "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;"},
			{Name: "check added and validated earlier in the file",
				SQL: "ALTER TABLE orders ADD CONSTRAINT orders_status_nn CHECK (status IS NOT NULL) NOT VALID;\n" +
					"ALTER TABLE orders VALIDATE CONSTRAINT orders_status_nn;\n" +
					"ALTER TABLE orders ALTER COLUMN status SET NOT NULL;\n" +
					"ALTER TABLE orders DROP CONSTRAINT orders_status_nn;"},
			{Name: "check added in an earlier migration (validate and drop here)",
				SQL: "ALTER TABLE orders VALIDATE CONSTRAINT orders_status_not_null;\n" +
					"ALTER TABLE orders ALTER COLUMN status SET NOT NULL;\n" +
					"ALTER TABLE orders DROP CONSTRAINT orders_status_not_null;"},
			{Name: "table created in the same change",
				SQL: "CREATE TABLE orders (id bigint, status text);\nALTER TABLE orders ALTER COLUMN status SET NOT NULL;"},
		},
	}
}

// checkAddingNotNullableField reports the SET NOT NULL commands on an
// existing table that are not proven by a validated check.
func checkAddingNotNullableField(c *rule.Context) []rule.Violation {
	at, table, ok := existingAlter(c)
	if !ok {
		return nil
	}
	var cols []string
	var out []rule.Violation
	for _, cmd := range rule.AlterTableCmds(at) {
		if cmd.Subtype != pg_query.AlterTableType_AT_SetNotNull || notNullProven(c, table, cmd.Name) {
			continue
		}
		cols = append(cols, cmd.Name)
		msg := fmt.Sprintf("SET NOT NULL on %s.%s reads the whole table under ACCESS EXCLUSIVE, blocking reads "+
			"and writes, to prove no row is NULL", table, cmd.Name)
		if c.PG >= 12 {
			msg += fmt.Sprintf(", and no validated CHECK (%s IS NOT NULL) exists that would let PostgreSQL skip the scan", cmd.Name)
		} else {
			msg += fmt.Sprintf("; PostgreSQL %d scans even with a validated CHECK (the shortcut arrived in 12)", c.PG)
		}
		out = append(out, rule.Violation{
			Message:  msg,
			Object:   table + "." + cmd.Name,
			Location: locate(c.Stmt, identPattern(cmd.Name)+`\s+SET\s+NOT\s+NULL`),
		})
	}
	if len(out) == 0 {
		return nil
	}
	safe := safeNotNull(c, at, table, cols)
	for i := range out {
		out[i].SafeSQL = safe
	}
	return out
}

// safeNotNull keeps the statement's other commands and replaces the SET NOT
// NULL of cols by the online recipe: CHECK NOT VALID, VALIDATE in its own
// transaction, SET NOT NULL, drop the CHECK. Before PostgreSQL 12 the CHECK
// stays in place of SET NOT NULL.
func safeNotNull(c *rule.Context, at *pg_query.AlterTableStmt, table string, cols []string) string {
	s := newScript(c)
	rest := editAlter(at, func(cmd *pg_query.AlterTableCmd) []*pg_query.AlterTableCmd {
		if cmd.Subtype == pg_query.AlterTableType_AT_SetNotNull && slices.Contains(cols, cmd.Name) {
			return nil
		}
		return []*pg_query.AlterTableCmd{cmd}
	})
	if rest != nil {
		s.add(rest)
	}
	var adds, validates, sets, drops []*pg_query.Node
	for _, col := range cols {
		add, validate, set, drop := notNullSteps(at.Relation, table, col)
		adds, validates = append(adds, add), append(validates, validate)
		sets, drops = append(sets, set), append(drops, drop)
	}
	s.add(adds...)
	if c.PG < 12 {
		s.separately(validates...)
		s.comment(fmt.Sprintf("keep the CHECK instead of SET NOT NULL: PostgreSQL %d would still scan the table", c.PG))
		return s.String()
	}
	s.separately(validates...)
	s.separately(sets...)
	s.separately(drops...)
	if c.PG >= 18 {
		s.comment("PostgreSQL 18 can skip the CHECK: ALTER TABLE ... ADD CONSTRAINT name NOT NULL col NOT VALID,")
		s.comment("then ALTER TABLE ... VALIDATE CONSTRAINT name in its own transaction.")
	}
	return s.String()
}

// notNullSteps builds the four statements of the online NOT NULL recipe for
// one column.
func notNullSteps(rel *pg_query.RangeVar, table, col string) (add, validate, set, drop *pg_query.Node) {
	name := objectName(table, []string{col}, "not_null_check") // PostgreSQL 18 names the NOT NULL itself <table>_<col>_not_null
	return alterNode(rel, addConstraintCmd(notNullCheck(name, col))),
		alterNode(rel, validateCmd(name)),
		alterNode(rel, cmd(pg_query.AlterTableType_AT_SetNotNull, col, nil)),
		alterNode(rel, dropConstraintCmd(name))
}

// notNullProven reports whether PostgreSQL 12+ can skip the SET NOT NULL
// scan: the model holds a validated CHECK proving the column non-null, the
// file added and validated one earlier, or the file validates and drops a
// helper constraint that an earlier migration added (squawk's cross-migration
// pattern, recognised by a name ending in "_not_null" or "_not_null_check"
// that fits the column, or by a name the model does not know).
func notNullProven(c *rule.Context, table, col string) bool {
	if c.PG < 12 {
		return false
	}
	t := c.Table(table)
	if t != nil {
		for _, ch := range t.Checks {
			if !ch.NotValid && checkTextProvesNotNull(ch.Expr, col) {
				return true
			}
		}
	}
	added := map[string]bool{} // constraint name -> proves col not null
	for _, i := range c.ByTable.ByTable(table) {
		if i >= c.Index {
			break
		}
		at, tbl, ok := alterOn(c.Statements[i])
		if !ok || !sameTable(tbl, table) {
			continue
		}
		for _, cmd := range rule.AlterTableCmds(at) {
			if con := addedConstraint(cmd); con != nil {
				proves := con.Contype == pg_query.ConstrType_CONSTR_CHECK && provesNotNull(con.RawExpr, col)
				if proves && !con.SkipValidation {
					return true
				}
				added[con.Conname] = proves
				continue
			}
			if cmd.Subtype != pg_query.AlterTableType_AT_ValidateConstraint {
				continue
			}
			if proves, ok := added[cmd.Name]; ok {
				if proves {
					return true
				}
				continue
			}
			if !knownConstraint(t, cmd.Name) && helperFor(table, cmd.Name, col) && droppedLater(c, table, cmd.Name) {
				return true
			}
		}
	}
	return false
}

// helperFor reports whether a NOT NULL helper constraint's name fits col:
// "<col>_not_null" or "<table>_<col>_not_null" (or _not_null_check, the
// name safeNotNull gives); names that follow neither
// form are taken to fit any column.
func helperFor(table, name, col string) bool {
	stem, ok := strings.CutSuffix(name, "_not_null_check")
	if !ok {
		stem, ok = strings.CutSuffix(name, "_not_null")
	}
	if !ok || stem == "" {
		return true
	}
	tbl := schema.ParseQualifiedName(table).Name
	if c, ok := strings.CutPrefix(stem, tbl+"_"); ok && c != "" {
		return c == col
	}
	return stem == col || stem == tbl
}

// droppedLater reports whether the file drops the named constraint of the
// table after the statement under review.
func droppedLater(c *rule.Context, table, name string) bool {
	for _, i := range c.ByTable.ByTable(table) {
		if i <= c.Index {
			continue
		}
		at, tbl, ok := alterOn(c.Statements[i])
		if !ok || !sameTable(tbl, table) {
			continue
		}
		for _, cmd := range rule.AlterTableCmds(at) {
			if cmd.Subtype == pg_query.AlterTableType_AT_DropConstraint && cmd.Name == name {
				return true
			}
		}
	}
	return false
}

// knownConstraint reports whether the model knows a constraint of the table
// by that name.
func knownConstraint(t *schema.Table, name string) bool {
	if t == nil {
		return false
	}
	if t.PrimaryKey != nil && t.PrimaryKey.Name == name {
		return true
	}
	for _, ch := range t.Checks {
		if ch.Name == name {
			return true
		}
	}
	for _, fk := range t.ForeignKeys {
		if fk.Name == name {
			return true
		}
	}
	for _, u := range t.Uniques {
		if u.Name == name {
			return true
		}
	}
	return false
}

// checkTextProvesNotNull parses a deparsed CHECK condition and tells whether
// it proves the column non-null.
func checkTextProvesNotNull(expr, col string) bool {
	tree, err := pg_query.Parse("SELECT " + expr)
	if err != nil || len(tree.Stmts) != 1 {
		return false
	}
	targets := tree.Stmts[0].GetStmt().GetSelectStmt().GetTargetList()
	if len(targets) != 1 {
		return false
	}
	return provesNotNull(targets[0].GetResTarget().GetVal(), col)
}

// provesNotNull reports whether a condition implies col IS NOT NULL: it is
// that test, or an AND with that test among its terms.
func provesNotNull(n *pg_query.Node, col string) bool {
	if nt := n.GetNullTest(); nt != nil {
		fields := rule.StringValues(nt.GetArg().GetColumnRef().GetFields())
		return nt.Nulltesttype == pg_query.NullTestType_IS_NOT_NULL && len(fields) > 0 && fields[len(fields)-1] == col
	}
	if be := n.GetBoolExpr(); be != nil && be.Boolop == pg_query.BoolExprType_AND_EXPR {
		for _, a := range be.Args {
			if provesNotNull(a, col) {
				return true
			}
		}
	}
	return false
}
