package gaps

import (
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// foreignKeyWithoutIndex: deletes and key updates on the referenced table
// look up referencing rows; without an index on the referencing columns each
// of them scans the referencing table.
func foreignKeyWithoutIndex() rule.Rule {
	return rule.Rule{
		ID:       "foreign-key-without-index",
		Severity: workflow.SeverityWarning,
		Summary:  "foreign key whose referencing columns lead no index",
		Why: "Every DELETE and key UPDATE on the referenced table looks for referencing rows, and ON DELETE " +
			"CASCADE/SET NULL act on them: without an index whose leading columns are the foreign key columns, " +
			"each of those is a sequential scan of the referencing table, holding row locks meanwhile. Joins " +
			"along the key are slow for the same reason.",
		Check: func(c *rule.Context) []rule.Violation {
			table, fks := addedForeignKeys(c.Stmt.Node)
			if len(fks) == 0 {
				return nil
			}
			keys := tableKeys(c, table)
			var out []rule.Violation
			for _, fk := range fks {
				if slices.ContainsFunc(keys, func(k []string) bool { return leads(k, fk.columns) }) {
					continue
				}
				name := sibling(table, table.Name+"_"+strings.Join(fk.columns, "_")+"_idx")
				create := "CREATE INDEX CONCURRENTLY IF NOT EXISTS "
				if c.CreatedHere(table.String()) || c.Stmt.Node.GetCreateStmt() != nil {
					create = "CREATE INDEX IF NOT EXISTS "
				}
				out = append(out, rule.Violation{
					Message: "foreign key (" + strings.Join(fk.columns, ", ") + ") of " + table.String() + " references " + fk.ref +
						" but no index on " + table.String() + " starts with those columns: deletes and key updates on " + fk.ref + " scan " + table.String(),
					SafeSQL:  c.Stmt.Text + ";\n" + create + rule.QuoteColID(name.Name) + " ON " + rule.QuoteQualified(table) + " (" + rule.JoinColIDs(fk.columns) + ");",
					Object:   table.String() + "." + strings.Join(fk.columns, ","),
					Location: fk.location,
				})
			}
			return out
		},
		Cases: []rule.Case{
			{Name: "new table without an index on its foreign key",
				Baseline: "CREATE TABLE customers (id bigint PRIMARY KEY);",
				SQL:      "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id));", Fires: true},
			{Name: "foreign key added to an existing table",
				Baseline: "CREATE TABLE customers (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);",
				SQL:      "ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;", Fires: true},
			{Name: "index only on a later column",
				Baseline: "CREATE TABLE customers (id bigint PRIMARY KEY);",
				SQL:      "CREATE TABLE orders (id bigint PRIMARY KEY, created_at timestamptz, customer_id bigint REFERENCES customers);\nCREATE INDEX ON orders (created_at, customer_id);", Fires: true},
			{Name: "index created later in the file",
				Baseline: "CREATE TABLE customers (id bigint PRIMARY KEY);",
				SQL:      "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id));\nCREATE INDEX orders_customer_id_idx ON orders (customer_id, id);"},
			{Name: "index in the baseline",
				Baseline: "CREATE TABLE customers (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);\nCREATE INDEX ON orders (customer_id);",
				SQL:      "ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;"},
			{Name: "covered by the primary key",
				Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY);",
				SQL:      "CREATE TABLE order_details (order_id bigint PRIMARY KEY REFERENCES orders (id), note text);"},
		},
	}
}

// foreignKey is a foreign key a statement adds.
type foreignKey struct {
	columns  []string
	ref      string
	location int32
}

// addedForeignKeys returns the table a CREATE TABLE or ALTER TABLE works on
// and the foreign keys it adds.
func addedForeignKeys(n *pg_query.Node) (schema.QualifiedName, []foreignKey) {
	var fks []foreignKey
	add := func(con *pg_query.Constraint, column string) {
		if con.GetContype() != pg_query.ConstrType_CONSTR_FOREIGN {
			return
		}
		cols := rule.StringValues(con.FkAttrs)
		if column != "" {
			cols = []string{column}
		}
		fks = append(fks, foreignKey{columns: cols, ref: rule.RangeVarName(con.Pktable), location: con.Location})
	}
	switch s := n.GetNode().(type) {
	case *pg_query.Node_CreateStmt:
		rule.EachConstraint(s.CreateStmt, add)
		return rule.RelName(s.CreateStmt.Relation), fks
	case *pg_query.Node_AlterTableStmt:
		for _, cmd := range s.AlterTableStmt.Cmds {
			rule.EachAddedConstraint(cmd.GetAlterTableCmd(), add)
		}
		return rule.RelName(s.AlterTableStmt.Relation), fks
	}
	return schema.QualifiedName{}, nil
}

// tableKeys returns the leading-column lists of the table's indexes by the
// end of the file: primary key, unique constraints and non-partial indexes
// of the model, and those this statement and later ones add. An expression
// key is an empty name.
func tableKeys(c *rule.Context, table schema.QualifiedName) [][]string {
	var keys [][]string
	if t := c.Table(table.String()); t != nil {
		if t.PrimaryKey != nil {
			keys = append(keys, t.PrimaryKey.Columns)
		}
		for _, u := range t.Uniques {
			keys = append(keys, u.Columns)
		}
		for _, ix := range c.Model.IndexesOf(t) {
			if ix.Where == "" {
				keys = append(keys, indexKeyNames(ix.Keys))
			}
		}
	}
	for _, st := range c.FromHereOn(table.String()) {
		if rule.Targets(st, table) {
			keys = append(keys, statementKeys(st.Node, table)...)
		}
	}
	return keys
}

// indexKeyNames lists an index's key columns, "" for expressions.
func indexKeyNames(keys []schema.IndexKey) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.Column
	}
	return out
}

// statementKeys returns the key column lists a statement gives the table:
// primary keys and unique constraints it adds, and indexes it creates
// without a WHERE clause.
func statementKeys(n *pg_query.Node, table schema.QualifiedName) [][]string {
	var keys [][]string
	add := func(con *pg_query.Constraint, column string) {
		switch con.GetContype() {
		case pg_query.ConstrType_CONSTR_PRIMARY, pg_query.ConstrType_CONSTR_UNIQUE:
			if column != "" {
				keys = append(keys, []string{column})
			} else if len(con.Keys) > 0 {
				keys = append(keys, rule.StringValues(con.Keys))
			}
		}
	}
	switch s := n.GetNode().(type) {
	case *pg_query.Node_CreateStmt:
		if rule.SameRelation(s.CreateStmt.Relation, table) {
			rule.EachConstraint(s.CreateStmt, add)
		}
	case *pg_query.Node_AlterTableStmt:
		if rule.SameRelation(s.AlterTableStmt.Relation, table) {
			for _, cmd := range s.AlterTableStmt.Cmds {
				rule.EachAddedConstraint(cmd.GetAlterTableCmd(), add)
			}
		}
	case *pg_query.Node_IndexStmt:
		ix := s.IndexStmt
		if rule.SameRelation(ix.Relation, table) && ix.WhereClause == nil {
			var cols []string
			for _, p := range ix.IndexParams {
				cols = append(cols, p.GetIndexElem().GetName())
			}
			keys = append(keys, cols)
		}
	}
	return keys
}

// leads reports whether the columns are the leading keys of an index, in
// any order.
func leads(keys, columns []string) bool {
	if len(keys) < len(columns) || len(columns) == 0 {
		return false
	}
	for _, col := range keys[:len(columns)] {
		if col == "" || !slices.Contains(columns, col) {
			return false
		}
	}
	return true
}
