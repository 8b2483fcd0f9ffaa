package locking

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// addingForeignKeyConstraint: a foreign key added to an existing table
// (ADD FOREIGN KEY, or ADD COLUMN ... REFERENCES) without NOT VALID.
func addingForeignKeyConstraint() rule.Rule {
	return rule.Rule{
		ID:       "adding-foreign-key-constraint",
		Severity: workflow.SeverityWarning,
		Summary:  "Foreign key added to an existing table without NOT VALID",
		Why: "Adding a foreign key takes SHARE ROW EXCLUSIVE on both the table and the table it references " +
			"and keeps them while it reads every row to check the reference: writes to both tables wait for " +
			"the whole scan. Add it NOT VALID (brief lock, new rows are checked), then VALIDATE CONSTRAINT in " +
			"a separate transaction, which takes SHARE UPDATE EXCLUSIVE and lets writes go on.",
		Check: checkAddingForeignKey,
		Cases: []rule.Case{
			{Name: "add foreign key",
				Baseline: "CREATE TABLE customers (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint, customer_id bigint);",
				SQL:      "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);",
				Fires:    true},
			{Name: "add column references",
				Baseline: "CREATE TABLE customers (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint);",
				SQL:      "ALTER TABLE orders ADD COLUMN customer_id bigint REFERENCES customers (id) ON DELETE CASCADE;",
				Fires:    true},
			{Name: "in a transaction", Baseline: "CREATE TABLE customers (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint, customer_id bigint);",
				SQL:   "BEGIN;\nALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers;\nCOMMIT;",
				Fires: true},
			{Name: "not valid",
				Baseline: "CREATE TABLE customers (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint, customer_id bigint);",
				SQL: "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\n" +
					"ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;"},
			{Name: "table created in the same change", Baseline: "CREATE TABLE customers (id bigint PRIMARY KEY);",
				SQL: "CREATE TABLE orders (id bigint, customer_id bigint);\n" +
					"ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers (id);"},
			{Name: "create table with references", Baseline: "CREATE TABLE customers (id bigint PRIMARY KEY);",
				SQL: "CREATE TABLE orders (id bigint, customer_id bigint REFERENCES customers (id));"},
		},
	}
}

// checkAddingForeignKey reports each foreign key an ALTER TABLE adds to an
// existing table without NOT VALID.
func checkAddingForeignKey(c *rule.Context) []rule.Violation {
	at, table, ok := existingAlter(c)
	if !ok {
		return nil
	}
	var out []rule.Violation
	report := func(con *pg_query.Constraint, label string) {
		out = append(out, rule.Violation{
			Message: fmt.Sprintf("%s on %s without NOT VALID reads all of %s while holding SHARE ROW EXCLUSIVE "+
				"on %s and %s, blocking writes to both", label, table, table, table, rule.RangeVarName(con.Pktable)),
			Object:   table,
			Location: con.Location,
		})
	}
	for _, cmd := range rule.AlterTableCmds(at) {
		if con := addedConstraint(cmd); isValidatedFK(con) {
			report(con, "ADD "+constraintLabel(c, con))
		}
		if cd := addedColumn(cmd); cd != nil {
			for _, con := range columnConstraints(cd) {
				if isValidatedFK(con) {
					report(con, "ADD COLUMN "+cd.Colname+" REFERENCES "+rule.RangeVarName(con.Pktable))
				}
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	safe := safeNotValid(c, at, table, isValidatedFK)
	for i := range out {
		out[i].SafeSQL = safe
	}
	return out
}

// isValidatedFK reports whether a constraint is a foreign key PostgreSQL
// validates as it adds it.
func isValidatedFK(con *pg_query.Constraint) bool {
	return con != nil && con.Contype == pg_query.ConstrType_CONSTR_FOREIGN && !con.SkipValidation
}
