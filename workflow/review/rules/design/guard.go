package design

import (
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// missingUniquenessGuard: external references, idempotency keys and natural
// keys are looked up as if unique; without a unique constraint or index
// duplicates creep in.
//
// Where it fires, once per column:
//   - at the CREATE TABLE or ADD COLUMN that introduces such a column, unless
//     that statement or a later one of the same file adds a unique guard (the
//     change ships as a whole, and the new column holds no duplicates yet);
//   - for a column of a baseline table the change works on (ALTER TABLE,
//     CREATE INDEX): at the statement that adds its guard, as a request for
//     the duplicate check the build depends on ("lacking a guard until
//     here"), or at the first statement on the table when the change adds
//     none.
func missingUniquenessGuard() rule.Rule {
	return rule.Rule{
		ID:       "missing-uniqueness-guard",
		Severity: workflow.SeverityWarning,
		Summary:  "external reference, idempotency key or natural key without a unique guard",
		Why: "Columns that carry another system's identifier (provider and external references), an " +
			"idempotency key or a natural key (an account's email, a slug, a code) are looked up as if they were " +
			"unique. Without a unique constraint or unique index, client retries, replayed provider callbacks and " +
			"races store the same value twice, and lookups silently pick one of the rows: double orders, double " +
			"charges, support disputes. On a table that already holds data the guard can only be built once the " +
			"duplicates are gone, so it needs a duplicate check first.",
		Check: func(c *rule.Context) []rule.Violation {
			return slices.Concat(newTableGuards(c), newColumnGuards(c), baselineGuards(c))
		},
		Cases: []rule.Case{
			{Name: "new table, idempotency key without a guard",
				SQL: "CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, idempotency_key text NOT NULL);", Fires: true},
			{Name: "new table, provider reference guarded only together with the primary key",
				SQL: "CREATE TABLE payments (id bigint PRIMARY KEY, provider text NOT NULL, provider_reference text NOT NULL, UNIQUE (id, provider_reference));", Fires: true},
			{Name: "new column on an existing table",
				Baseline: "CREATE TABLE payments (id bigint PRIMARY KEY, provider text NOT NULL);",
				SQL:      "ALTER TABLE payments ADD COLUMN external_id text;", Fires: true},
			{Name: "baseline column without a guard, change works on the table",
				Baseline: "CREATE TABLE payments (id bigint PRIMARY KEY, provider text NOT NULL, provider_reference text NOT NULL);",
				SQL:      "ALTER TABLE payments ADD COLUMN note text;", Fires: true},
			{Name: "baseline column lacking a guard until the change adds it",
				Baseline: "CREATE TABLE payments (id bigint PRIMARY KEY, provider text NOT NULL, provider_reference text NOT NULL);",
				SQL: "CREATE UNIQUE INDEX CONCURRENTLY payments_provider_reference_key ON payments (provider, provider_reference);\n" +
					"ALTER TABLE payments ADD CONSTRAINT payments_provider_reference_key UNIQUE USING INDEX payments_provider_reference_key;", Fires: true},
			{Name: "email on a customers table",
				SQL: "CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL);", Fires: true},
			{Name: "guarded in CREATE TABLE",
				SQL: "CREATE TABLE orders (id bigint PRIMARY KEY, idempotency_key text NOT NULL UNIQUE);"},
			{Name: "scoped guard",
				SQL: "CREATE TABLE payment_events (id bigint PRIMARY KEY, provider text NOT NULL, provider_event_id text NOT NULL, UNIQUE (provider, provider_event_id));"},
			{Name: "guard added later in the file",
				SQL: "CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL);\nCREATE UNIQUE INDEX customers_email_key ON customers (lower(email));"},
			{Name: "baseline already guarded",
				Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY, idempotency_key text NOT NULL UNIQUE);",
				SQL:      "ALTER TABLE orders ADD COLUMN note text;"},
			{Name: "baseline table the change does not work on",
				Baseline: "CREATE TABLE payments (id bigint PRIMARY KEY, provider_reference text);\nCREATE TABLE notes (id bigint PRIMARY KEY);",
				SQL:      "ALTER TABLE notes ADD COLUMN body text;"},
			{Name: "foreign key column named like a reference",
				Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY);",
				SQL:      "CREATE TABLE notes (id bigint PRIMARY KEY, order_ref bigint REFERENCES orders (id));"},
			{Name: "email outside an accounts table",
				SQL: "CREATE TABLE invoices (id bigint PRIMARY KEY, email text);"},
		},
	}
}

// newTableGuards judges the guard-named columns of a new table.
func newTableGuards(c *rule.Context) []rule.Violation {
	cs := newTable(c)
	if cs == nil {
		return nil
	}
	table := rule.RelName(cs.Relation)
	var cols columnSet
	for _, cd := range columnDefs(cs) {
		cols = append(cols, cd.Colname)
	}
	var candidates, missing []*pg_query.ColumnDef
	for _, cd := range columnDefs(cs) {
		if guardedName(table.Name, cd.Colname) && !foreignKeyColumns(c.Stmt.Node).has(cd.Colname) {
			candidates = append(candidates, cd)
		}
	}
	if len(candidates) == 0 {
		return nil
	}
	keys := keysFromHere(c, table)
	for _, cd := range candidates {
		if _, ok := guards(keys, cd.Colname); !ok {
			missing = append(missing, cd)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	fixed := proto.Clone(cs).(*pg_query.CreateStmt)
	for _, cd := range missing {
		fixed.TableElts = append(fixed.TableElts, &pg_query.Node{Node: &pg_query.Node_Constraint{Constraint: &pg_query.Constraint{
			Contype: pg_query.ConstrType_CONSTR_UNIQUE, Keys: strNodes(guardColumns(cols, cd.Colname)),
		}}})
	}
	safe := c.Deparse(&pg_query.Node{Node: &pg_query.Node_CreateStmt{CreateStmt: fixed}})
	out := make([]rule.Violation, 0, len(missing))
	for _, cd := range missing {
		out = append(out, rule.Violation{
			Message: table.String() + "." + cd.Colname + " looks like " + keyKind(cd.Colname) +
				" but no unique constraint or index covers it: retries and replays can store the same value twice",
			SafeSQL: safe, Object: table.String() + "." + cd.Colname, Location: cd.Location,
		})
	}
	return out
}

// newColumnGuards judges guard-named columns added with ALTER TABLE ... ADD COLUMN.
func newColumnGuards(c *rule.Context) []rule.Violation {
	at := c.Stmt.Node.GetAlterTableStmt()
	if at == nil || !addsGuardedColumn(at) {
		return nil
	}
	table := rule.RelName(at.Relation)
	t := c.Table(table.String())
	var cols columnSet
	if t != nil {
		for _, col := range t.Columns {
			cols = append(cols, col.Name)
		}
	}
	keys := slices.Concat(modelKeys(c.Model, t), keysFromHere(c, table))
	fks := foreignKeyColumns(c.Stmt.Node)
	var missing []*pg_query.ColumnDef
	for _, cmd := range alterCmdsOn(c.Stmt.Node, table) {
		cd := cmd.GetDef().GetColumnDef()
		if cmd.Subtype != pg_query.AlterTableType_AT_AddColumn || cd == nil {
			continue
		}
		cols = append(cols, cd.Colname)
		if _, ok := guards(keys, cd.Colname); guardedName(table.Name, cd.Colname) && !fks.has(cd.Colname) && !ok {
			missing = append(missing, cd)
		}
	}
	var guard []string
	for _, cd := range missing {
		guard = append(guard, guardSQL(c, table, guardColumns(cols, cd.Colname)))
	}
	out := make([]rule.Violation, 0, len(missing))
	for _, cd := range missing {
		out = append(out, rule.Violation{
			Message: table.String() + "." + cd.Colname + " looks like " + keyKind(cd.Colname) +
				" but no unique constraint or index covers it, here or later in the change: retries and replays can store the same value twice",
			SafeSQL: c.Stmt.Text + ";\n" + strings.Join(guard, "\n"),
			Object:  table.String() + "." + cd.Colname, Location: cd.Location,
		})
	}
	return out
}

// addsGuardedColumn reports whether an ALTER TABLE adds a column named like
// a reference or key, before anything costlier is looked at.
func addsGuardedColumn(at *pg_query.AlterTableStmt) bool {
	for _, n := range at.Cmds {
		cmd := n.GetAlterTableCmd()
		if cmd.GetSubtype() == pg_query.AlterTableType_AT_AddColumn && guardedName(at.Relation.GetRelname(), cmd.GetDef().GetColumnDef().GetColname()) {
			return true
		}
	}
	return false
}

// guardSQL renders the unique guard for columns of a table: a plain UNIQUE
// constraint on a table the change creates, else the staged form (unique
// index built CONCURRENTLY, then attached as a constraint).
func guardSQL(c *rule.Context, table schema.QualifiedName, cols []string) string {
	name := rule.QuoteColID(rule.Clip(table.Name + "_" + strings.Join(cols, "_") + "_key"))
	if c.CreatedHere(table.String()) {
		return "ALTER TABLE " + rule.QuoteQualified(table) + " ADD CONSTRAINT " + name + " UNIQUE (" + rule.JoinColIDs(cols) + ");"
	}
	return "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS " + name + " ON " + rule.QuoteQualified(table) + " (" + rule.JoinColIDs(cols) + ");\n" +
		"ALTER TABLE " + rule.QuoteQualified(table) + " ADD CONSTRAINT " + name + " UNIQUE USING INDEX " + name + ";"
}

// keyKind names what a guard-named column holds, for messages.
func keyKind(column string) string {
	col := strings.ToLower(column)
	switch {
	case strings.Contains(col, "idempotency"):
		return "an idempotency key"
	case strings.HasPrefix(col, "provider_"):
		return "a payment provider's reference"
	case strings.Contains(col, "external") || strings.HasSuffix(col, "_reference") || strings.HasSuffix(col, "_ref"):
		return "an external reference"
	case col == "email":
		return "an account's login email"
	}
	return "a natural key"
}

// foreignKeyColumns returns the columns a statement makes foreign keys:
// their values repeat by design.
func foreignKeyColumns(n *pg_query.Node) columnSet {
	var out columnSet
	add := func(con *pg_query.Constraint, column string) {
		if con.GetContype() == pg_query.ConstrType_CONSTR_FOREIGN {
			out = append(out, constraintColumns(con, column)...)
		}
	}
	if cs := n.GetCreateStmt(); cs != nil {
		rule.EachConstraint(cs, add)
	}
	if at := n.GetAlterTableStmt(); at != nil {
		for _, cmd := range at.Cmds {
			rule.EachAddedConstraint(cmd.GetAlterTableCmd(), add)
		}
	}
	return out
}

// strNodes makes String nodes of names (a column list).
func strNodes(names []string) []*pg_query.Node {
	out := make([]*pg_query.Node, len(names))
	for i, n := range names {
		out[i] = pg_query.MakeStrNode(n)
	}
	return out
}
