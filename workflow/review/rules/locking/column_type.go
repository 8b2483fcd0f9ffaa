package locking

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// changingColumnType: ALTER COLUMN ... TYPE on an existing table, unless the
// baseline proves the change binary-coercible.
func changingColumnType() rule.Rule {
	return rule.Rule{
		ID:       "changing-column-type",
		Severity: workflow.SeverityError,
		Summary:  "Column type change that rewrites an existing table",
		Why: "ALTER COLUMN ... TYPE rewrites the table and rebuilds its indexes while holding ACCESS EXCLUSIVE, " +
			"blocking reads and writes, unless the old type is binary-coercible to the new one: varchar(n) to " +
			"varchar(m >= n), varchar or text; text to varchar; numeric(p,s) to numeric(p' >= p,s) or numeric; " +
			"a timestamp precision increase; cidr to inet; and, from PostgreSQL 12, timestamp <-> timestamptz " +
			"when the session TimeZone is UTC (correct only if the stored values are UTC). Code deployed before " +
			"the change may also break on the new type. Otherwise add a new column, write both, backfill in " +
			"batches, switch reads, then drop the old column.",
		Check: checkChangingColumnType,
		Cases: []rule.Case{
			{Name: "int to bigint", Baseline: "CREATE TABLE orders (id integer PRIMARY KEY, total numeric(12,2));",
				SQL: "ALTER TABLE orders ALTER COLUMN id TYPE bigint;", Fires: true},
			{Name: "varchar shrinks", Baseline: "CREATE TABLE users (email varchar(255));",
				SQL: "ALTER TABLE users ALTER COLUMN email TYPE varchar(64);", Fires: true},
			{Name: "numeric scale changes", Baseline: "CREATE TABLE orders (total numeric(12,2));",
				SQL: "ALTER TABLE orders ALTER COLUMN total TYPE numeric(14,4);", Fires: true},
			{Name: "using expression", Baseline: "CREATE TABLE users (email text);",
				SQL: "ALTER TABLE users ALTER COLUMN email TYPE text USING lower(email);", Fires: true},
			{Name: "column unknown to the baseline",
				SQL: "ALTER TABLE users ALTER COLUMN email TYPE text;", Fires: true},
			{Name: "timestamp to timestamptz without UTC", Baseline: "CREATE TABLE orders (created_at timestamp);",
				SQL: "ALTER TABLE orders ALTER COLUMN created_at TYPE timestamptz;", Fires: true},
			{Name: "timestamp to timestamptz before PostgreSQL 12", PG: 11, Baseline: "CREATE TABLE orders (created_at timestamp);",
				SQL: "SET TimeZone = 'UTC';\nALTER TABLE orders ALTER COLUMN created_at TYPE timestamptz;", Fires: true},
			{Name: "collation change", Baseline: "CREATE TABLE users (email text);",
				SQL: "ALTER TABLE users ALTER COLUMN email TYPE text COLLATE \"C\";", Fires: true},
			{Name: "in a wrapped migration", Runner: "flyway", Baseline: "CREATE TABLE orders (id integer);",
				SQL: "ALTER TABLE orders ALTER COLUMN id TYPE bigint;", Fires: true},
			{Name: "varchar grows", Baseline: "CREATE TABLE users (email character varying(64));",
				SQL: "ALTER TABLE users ALTER COLUMN email TYPE varchar(255);"},
			{Name: "varchar to text", Baseline: "CREATE TABLE users (email varchar(64));",
				SQL: "ALTER TABLE users ALTER COLUMN email TYPE text;"},
			{Name: "numeric precision grows", Baseline: "CREATE TABLE orders (total numeric(12,2));",
				SQL: "ALTER TABLE orders ALTER COLUMN total TYPE numeric(16,2);"},
			{Name: "cidr to inet", Baseline: "CREATE TABLE hosts (net cidr);",
				SQL: "ALTER TABLE hosts ALTER COLUMN net TYPE inet USING net::inet;"},
			{Name: "timestamp to timestamptz in UTC", Baseline: "CREATE TABLE orders (created_at timestamp);",
				SQL: "SET TIME ZONE 'UTC';\nALTER TABLE orders ALTER COLUMN created_at TYPE timestamptz;"},
			{Name: "table created in the same change",
				SQL: "CREATE TABLE orders (id integer);\nALTER TABLE orders ALTER COLUMN id TYPE bigint;"},
		},
	}
}

// typeVerdict is what one ALTER COLUMN ... TYPE does to the stored rows and why.
type typeVerdict struct {
	change typeChange
	why    string
}

// checkChangingColumnType reports the type changes of an existing table's
// columns that are not proven free of a rewrite.
func checkChangingColumnType(c *rule.Context) []rule.Violation {
	at, table, ok := existingAlter(c)
	if !ok {
		return nil
	}
	var out []rule.Violation
	for _, cmd := range rule.AlterTableCmds(at) {
		v, ok := typeChangeVerdict(c, table, cmd)
		if !ok || v.change == coercible || (v.change == coercibleInUTC && sessionInUTC(c)) {
			continue
		}
		out = append(out, rule.Violation{
			Message:  fmt.Sprintf("ALTER COLUMN %s TYPE %s on %s %s", cmd.Name, newType(cmd), table, v.why),
			Object:   table + "." + cmd.Name,
			Location: cmd.GetDef().GetColumnDef().GetTypeName().GetLocation(),
		})
	}
	if len(out) == 0 {
		return nil
	}
	safe := safeTypeChange(c, at, table)
	for i := range out {
		out[i].SafeSQL = safe
	}
	return out
}

// newType renders the type an ALTER COLUMN ... TYPE command sets.
func newType(cmd *pg_query.AlterTableCmd) string {
	return schema.TypeString(cmd.GetDef().GetColumnDef().GetTypeName())
}

// typeChangeVerdict judges one command; ok is false for commands that are
// not a type change.
func typeChangeVerdict(c *rule.Context, table string, cmd *pg_query.AlterTableCmd) (typeVerdict, bool) {
	if cmd.Subtype != pg_query.AlterTableType_AT_AlterColumnType {
		return typeVerdict{}, false
	}
	const rewrite = "rewrites the table and rebuilds its indexes under ACCESS EXCLUSIVE, blocking reads and writes"
	cd := cmd.GetDef().GetColumnDef()
	if cd.GetCollClause() != nil {
		return typeVerdict{rewrites, "changes the collation, which rebuilds the column's indexes under ACCESS " +
			"EXCLUSIVE, blocking reads and writes"}, true
	}
	if u := cd.GetRawDefault(); u != nil && !trivialUsing(u, cmd.Name) {
		return typeVerdict{rewrites, "computes every value with USING " + c.Stmt.Expr(u) + ", which " + rewrite}, true
	}
	var col *schema.Column
	if t := c.Table(table); t != nil {
		col = t.Column(cmd.Name)
	}
	if col == nil {
		return typeVerdict{rewrites, "may rewrite the table and rebuild its indexes under ACCESS EXCLUSIVE: the " +
			"baseline does not show the column's current type, so the change cannot be proven binary-coercible"}, true
	}
	to := newType(cmd)
	switch classifyTypeChange(col.Type, to, c.PG) {
	case coercible:
		return typeVerdict{coercible, ""}, true
	case coercibleInUTC:
		return typeVerdict{coercibleInUTC, fmt.Sprintf("from %s %s unless the session TimeZone is UTC (PostgreSQL "+
			"12+ then skips the rewrite; correct only if the stored values are UTC)", col.Type, rewrite)}, true
	}
	why := fmt.Sprintf("from %s %s", col.Type, rewrite)
	if c.PG < 12 && classifyTypeChange(col.Type, to, 12) == coercibleInUTC {
		why += fmt.Sprintf(" (PostgreSQL %d always rewrites timestamp <-> timestamptz; 12+ skips it in UTC)", c.PG)
	}
	return typeVerdict{rewrites, why}, true
}

// trivialUsing reports whether a USING expression just reads the column,
// possibly cast, so it does not change the values.
func trivialUsing(n *pg_query.Node, col string) bool {
	if tc := n.GetTypeCast(); tc != nil {
		n = tc.Arg
	}
	f := rule.StringValues(n.GetColumnRef().GetFields())
	return len(f) > 0 && f[len(f)-1] == col
}

// sessionInUTC reports whether the file set the session TimeZone to UTC
// before the statement under review (and did not reset it since).
func sessionInUTC(c *rule.Context) bool {
	for i := c.Index - 1; i >= 0; i-- {
		vs := c.Statements[i].Node.GetVariableSetStmt()
		if vs == nil {
			continue
		}
		if vs.Kind == pg_query.VariableSetKind_VAR_RESET_ALL {
			return false
		}
		if vs.Name != "timezone" {
			continue
		}
		if vs.Kind != pg_query.VariableSetKind_VAR_SET_VALUE || len(vs.Args) != 1 {
			return false
		}
		a := vs.Args[0].GetAConst()
		if iv := a.GetIval(); iv != nil {
			return iv.Ival == 0 && a.GetSval() == nil
		}
		return utcZone(a.GetSval().GetSval())
	}
	return false
}

// safeTypeChange keeps the commands that need no rewrite, sets the session
// to UTC for timestamp <-> timestamptz, and replaces every other type change
// by a new column to fill, with the rest of the expand/contract steps.
func safeTypeChange(c *rule.Context, at *pg_query.AlterTableStmt, table string) string {
	s := newScript(c)
	utc := false
	type expand struct {
		col, tmp string
		value    *pg_query.Node
	}
	var steps []expand
	alter := editAlter(at, func(cmd *pg_query.AlterTableCmd) []*pg_query.AlterTableCmd {
		v, ok := typeChangeVerdict(c, table, cmd)
		switch {
		case !ok || v.change == coercible:
			return []*pg_query.AlterTableCmd{cmd}
		case v.change == coercibleInUTC:
			utc = true
			return []*pg_query.AlterTableCmd{cmd}
		}
		cd := cmd.GetDef().GetColumnDef()
		tmp := cmd.Name + "_new"
		value := cd.GetRawDefault()
		if value == nil {
			value = &pg_query.Node{Node: &pg_query.Node_TypeCast{TypeCast: &pg_query.TypeCast{
				Arg:      &pg_query.Node{Node: &pg_query.Node_ColumnRef{ColumnRef: &pg_query.ColumnRef{Fields: stringNodes(cmd.Name)}}},
				TypeName: proto.Clone(cd.TypeName).(*pg_query.TypeName),
			}}}
		}
		steps = append(steps, expand{col: cmd.Name, tmp: tmp, value: value})
		return []*pg_query.AlterTableCmd{addColumnCmd(&pg_query.ColumnDef{
			Colname: tmp, TypeName: cd.TypeName, IsLocal: true, CollClause: cd.CollClause,
		})}
	})
	if utc {
		s.comment("only if the stored timestamps are UTC: the conversion reads them in the session TimeZone")
		s.raw("SET TimeZone = 'UTC';")
	}
	s.add(alter)
	for _, e := range steps {
		s.comment(fmt.Sprintf("keep %s in step with %s (trigger or application dual write), backfill in batches:", e.tmp, e.col))
		s.comment(backfillSQL(c, table, e.tmp, e.value))
		s.comment(fmt.Sprintf("then switch reads and writes to %s, drop %s and rename %s to %s", e.tmp, e.col, e.tmp, e.col))
	}
	return s.String()
}
