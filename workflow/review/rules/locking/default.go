package locking

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// addingFieldWithDefault: ADD COLUMN that rewrites the table because every
// existing row needs its own value, or because the server predates fast
// defaults.
func addingFieldWithDefault() rule.Rule {
	return rule.Rule{
		ID:       "adding-field-with-default",
		Severity: workflow.SeverityError,
		Summary:  "ADD COLUMN whose default or generation rewrites an existing table",
		Why: "Adding a column with a volatile default (gen_random_uuid(), random(), clock_timestamp(), " +
			"nextval), a serial or identity column, or a GENERATED ... STORED column computes a value " +
			"for every existing row: PostgreSQL rewrites the table and all its indexes while holding " +
			"ACCESS EXCLUSIVE, blocking reads and writes. Before PostgreSQL 11 any default does this. " +
			"now(), current_timestamp and literals are not volatile and are stored once in the catalog (11+). " +
			"Add the column without a default, set the default for new rows, backfill in batches.",
		Check: checkAddingFieldWithDefault,
		Cases: []rule.Case{
			{Name: "volatile uuid default", Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY);",
				SQL: "ALTER TABLE orders ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();", Fires: true},
			{Name: "clock_timestamp default", Baseline: "CREATE TABLE orders (id bigint);",
				SQL: "ALTER TABLE orders ADD COLUMN seen_at timestamptz DEFAULT clock_timestamp();", Fires: true},
			{Name: "generated stored column", Baseline: "CREATE TABLE orders (id bigint, net numeric, tax numeric);",
				SQL: "ALTER TABLE orders ADD COLUMN gross numeric GENERATED ALWAYS AS (net + tax) STORED;", Fires: true},
			{Name: "bigserial column", Baseline: "CREATE TABLE orders (id bigint);",
				SQL: "ALTER TABLE orders ADD COLUMN seq bigserial;", Fires: true},
			{Name: "unknown function is assumed volatile", Baseline: "CREATE TABLE orders (id bigint);",
				SQL: "ALTER TABLE orders ADD COLUMN code text DEFAULT app.next_code();", Fires: true},
			{Name: "any default before PostgreSQL 11", PG: 10, Baseline: "CREATE TABLE orders (id bigint);",
				SQL: "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'pending';", Fires: true},
			{Name: "in a wrapped migration", Runner: "flyway", Baseline: "CREATE TABLE orders (id bigint);",
				SQL: "ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();", Fires: true},
			{Name: "constant default on PostgreSQL 11+", Baseline: "CREATE TABLE orders (id bigint);",
				SQL: "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'pending';"},
			{Name: "now() is not volatile", Baseline: "CREATE TABLE orders (id bigint);",
				SQL: "ALTER TABLE orders ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();"},
			{Name: "current_timestamp is not volatile", Baseline: "CREATE TABLE orders (id bigint);",
				SQL: "ALTER TABLE orders ADD COLUMN created_at timestamptz DEFAULT current_timestamp;"},
			{Name: "table created in the same change",
				SQL: "CREATE TABLE orders (id bigint);\nALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();"},
		},
	}
}

// checkAddingFieldWithDefault reports every ADD COLUMN of an existing table
// that makes PostgreSQL compute a value per row.
func checkAddingFieldWithDefault(c *rule.Context) []rule.Violation {
	at, table, ok := existingAlter(c)
	if !ok {
		return nil
	}
	var out []rule.Violation
	for _, cmd := range rule.AlterTableCmds(at) {
		cd := addedColumn(cmd)
		if cd == nil {
			continue
		}
		why := defaultRewrite(c, cd)
		if why == "" {
			continue
		}
		loc := cd.Location
		if d := hasConstraint(cd, pg_query.ConstrType_CONSTR_DEFAULT); d != nil {
			loc = d.Location
		}
		out = append(out, rule.Violation{
			Message: fmt.Sprintf("ADD COLUMN %s to %s %s: PostgreSQL rewrites the whole table and its indexes "+
				"under ACCESS EXCLUSIVE, blocking reads and writes until it finishes", cd.Colname, table, why),
			Object:   table + "." + cd.Colname,
			Location: loc,
		})
	}
	if len(out) == 0 {
		return nil
	}
	safe := safeAddColumns(c, at, table)
	for i := range out {
		out[i].SafeSQL = safe
	}
	return out
}

// defaultRewrite says why adding the column rewrites the table, or "" when
// it does not.
func defaultRewrite(c *rule.Context, cd *pg_query.ColumnDef) string {
	switch {
	case hasConstraint(cd, pg_query.ConstrType_CONSTR_GENERATED) != nil:
		return "as a GENERATED ... STORED column computes it for every existing row"
	case hasConstraint(cd, pg_query.ConstrType_CONSTR_IDENTITY) != nil:
		return "as an identity column gives every existing row a sequence value"
	case rule.SerialBase(schema.TypeString(cd.TypeName)) != "":
		return "as " + schema.TypeString(cd.TypeName) + " gives every existing row a value from nextval()"
	}
	expr := defaultExpr(cd)
	if expr == nil || isNullConst(expr) {
		return ""
	}
	switch v, fn := exprVolatility(expr); {
	case v == volatile:
		return "with the volatile default " + c.Stmt.Expr(expr) + " (" + fn + "() is evaluated once per row)"
	case v == unknown:
		return "with the default " + c.Stmt.Expr(expr) + ", which calls " + fn + "(), not known to be STABLE " +
			"or IMMUTABLE (PostgreSQL creates functions VOLATILE unless told otherwise)"
	case c.PG < 11:
		return fmt.Sprintf("with a default on PostgreSQL %d (fast defaults, stored in the catalog, arrived in 11)", c.PG)
	}
	return ""
}

// safeAddColumns rewrites the statement so that each offending column is
// added plain, with its default set for new rows only, and spells out the
// backfill and the later steps.
func safeAddColumns(c *rule.Context, at *pg_query.AlterTableStmt, table string) string {
	s := newScript(c)
	var follow []func()
	alter := editAlter(at, func(cmd *pg_query.AlterTableCmd) []*pg_query.AlterTableCmd {
		cd := addedColumn(cmd)
		if cd == nil || defaultRewrite(c, cd) == "" {
			return []*pg_query.AlterTableCmd{cmd}
		}
		orig := proto.Clone(cd).(*pg_query.ColumnDef)
		plainColumn(cd)
		follow = append(follow, func() { addColumnSteps(c, s, at.Relation, table, orig) })
		return []*pg_query.AlterTableCmd{cmd}
	})
	s.add(alter)
	for _, f := range follow {
		f()
	}
	return s.String()
}

// plainColumn strips what makes an added column compute values for existing
// rows: the default, NOT NULL, identity and generation; a serial type becomes
// its integer type. Other inline constraints stay.
func plainColumn(cd *pg_query.ColumnDef) {
	if base := rule.SerialBase(schema.TypeString(cd.TypeName)); base != "" {
		cd.TypeName = &pg_query.TypeName{Names: stringNodes("pg_catalog", base), Typemod: -1, Location: cd.TypeName.GetLocation()}
	}
	cd.RawDefault = nil
	cd.IsNotNull = false
	withoutConstraints(cd, pg_query.ConstrType_CONSTR_DEFAULT, pg_query.ConstrType_CONSTR_NOTNULL,
		pg_query.ConstrType_CONSTR_IDENTITY, pg_query.ConstrType_CONSTR_GENERATED)
}

// addColumnSteps appends what follows a plainly added column: the default
// for new rows, a batched backfill, and NOT NULL or identity once the rows
// are filled.
func addColumnSteps(c *rule.Context, s *script, rel *pg_query.RangeVar, table string, cd *pg_query.ColumnDef) {
	col := cd.Colname
	fill := defaultExpr(cd)
	switch {
	case rule.SerialBase(schema.TypeString(cd.TypeName)) != "":
		seqName := objectName(table, []string{col}, "seq")
		seq := &pg_query.RangeVar{Schemaname: rel.Schemaname, Relname: seqName, Inh: true, Relpersistence: "p"}
		owner := append(qualifiedNodes(rel), pg_query.MakeStrNode(col))
		s.add(&pg_query.Node{Node: &pg_query.Node_CreateSeqStmt{CreateSeqStmt: &pg_query.CreateSeqStmt{
			Sequence: seq, IfNotExists: true,
			Options: []*pg_query.Node{pg_query.MakeSimpleDefElemNode("owned_by", pg_query.MakeListNode(owner), -1)},
		}}})
		fill = pg_query.MakeFuncCallNode(stringNodes("nextval"),
			[]*pg_query.Node{pg_query.MakeAConstStrNode(rule.RangeVarName(seq), -1)}, -1)
		s.add(alterNode(rel, cmd(pg_query.AlterTableType_AT_ColumnDefault, col, fill)))
	case hasConstraint(cd, pg_query.ConstrType_CONSTR_GENERATED) != nil:
		fill = hasConstraint(cd, pg_query.ConstrType_CONSTR_GENERATED).RawExpr
		s.comment("keep " + col + " = " + c.Stmt.Expr(fill) + " with a BEFORE INSERT OR UPDATE trigger on " + table + ",")
	case hasConstraint(cd, pg_query.ConstrType_CONSTR_IDENTITY) != nil:
		s.comment("give new rows values from a sequence (CREATE SEQUENCE ... OWNED BY, SET DEFAULT nextval(...)),")
	case fill != nil:
		s.add(alterNode(rel, cmd(pg_query.AlterTableType_AT_ColumnDefault, col, proto.Clone(fill).(*pg_query.Node))))
	}
	if fill != nil {
		s.comment("then backfill the existing rows in small batches, each in its own transaction:")
		s.comment(backfillSQL(c, table, col, fill))
	}
	if hasConstraint(cd, pg_query.ConstrType_CONSTR_NOTNULL) != nil || cd.IsNotNull ||
		hasConstraint(cd, pg_query.ConstrType_CONSTR_IDENTITY) != nil {
		add, validate, set, drop := notNullSteps(rel, table, col)
		s.comment("once no row is NULL, make it NOT NULL without a long lock:")
		s.commented(add, validate, set, drop)
	}
}

// qualifiedNodes returns a relation's name as a list of String nodes.
func qualifiedNodes(rel *pg_query.RangeVar) []*pg_query.Node {
	if rel.Schemaname != "" {
		return stringNodes(rel.Schemaname, rel.Relname)
	}
	return stringNodes(rel.Relname)
}

// backfillSQL renders one batch of a backfill: the rows still NULL, a
// thousand at a time, picked by the primary key when the model knows a
// single-column one and by ctid otherwise.
func backfillSQL(c *rule.Context, table, col string, value *pg_query.Node) string {
	key := "ctid"
	if t := c.Table(table); t != nil && t.PrimaryKey != nil && len(t.PrimaryKey.Columns) == 1 {
		key = ident(c, t.PrimaryKey.Columns[0])
	}
	tbl := identPath(c, table)
	column := ident(c, col)
	return fmt.Sprintf("UPDATE %s SET %s = %s WHERE %s IN (SELECT %s FROM %s WHERE %s IS NULL LIMIT 1000);",
		tbl, column, c.Stmt.Expr(value), key, key, tbl, column)
}

// ident renders an identifier as SQL, quoted when it needs to be.
func ident(c *rule.Context, name string) string {
	return c.Stmt.Expr(&pg_query.Node{Node: &pg_query.Node_ColumnRef{ColumnRef: &pg_query.ColumnRef{Fields: stringNodes(name)}}})
}

// identPath renders a possibly schema-qualified name as SQL.
func identPath(c *rule.Context, name string) string {
	q := schema.ParseQualifiedName(name)
	parts := []string{q.Name}
	if q.Schema != "" {
		parts = []string{q.Schema, q.Name}
	}
	return c.Stmt.Expr(&pg_query.Node{Node: &pg_query.Node_ColumnRef{ColumnRef: &pg_query.ColumnRef{Fields: stringNodes(parts...)}}})
}
