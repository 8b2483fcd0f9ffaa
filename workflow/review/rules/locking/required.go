package locking

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// addingRequiredField: ADD COLUMN ... NOT NULL without a default on an
// existing table fails as soon as the table has a row.
func addingRequiredField() rule.Rule {
	return rule.Rule{
		ID:       "adding-required-field",
		Severity: workflow.SeverityError,
		Summary:  "ADD COLUMN NOT NULL without a default on an existing table",
		Why: "The existing rows would get NULL in a NOT NULL column, so the ALTER fails on any table that " +
			"has rows; and code deployed before the migration cannot insert once it succeeds, because it does " +
			"not fill the column. Add the column nullable (or with a non-volatile DEFAULT on PostgreSQL 11+), " +
			"backfill, then make it NOT NULL through a validated CHECK.",
		Check: checkAddingRequiredField,
		Cases: []rule.Case{
			{Name: "not null without default", Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY);",
				SQL: "ALTER TABLE orders ADD COLUMN status text NOT NULL;", Fires: true},
			{Name: "inline primary key implies not null", Baseline: "CREATE TABLE orders (ref text);",
				SQL: "ALTER TABLE orders ADD COLUMN id bigint PRIMARY KEY;", Fires: true},
			{Name: "table not in the baseline is treated as existing",
				SQL: "ALTER TABLE orders ADD COLUMN status text NOT NULL, ADD COLUMN note text;", Fires: true},
			{Name: "with a default", Baseline: "CREATE TABLE orders (id bigint);",
				SQL: "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'pending';"},
			{Name: "nullable", Baseline: "CREATE TABLE orders (id bigint);",
				SQL: "ALTER TABLE orders ADD COLUMN status text;"},
			{Name: "identity and generated columns fill themselves", Baseline: "CREATE TABLE orders (id bigint, net numeric);",
				SQL: "ALTER TABLE orders ADD COLUMN seq bigint NOT NULL GENERATED ALWAYS AS IDENTITY, " +
					"ADD COLUMN gross numeric NOT NULL GENERATED ALWAYS AS (net * 2) STORED, ADD COLUMN n bigserial;"},
			{Name: "table created in the same change",
				SQL: "CREATE TABLE orders (id bigint);\nALTER TABLE orders ADD COLUMN status text NOT NULL;"},
		},
	}
}

// checkAddingRequiredField reports NOT NULL columns added to an existing
// table with nothing to fill the existing rows.
func checkAddingRequiredField(c *rule.Context) []rule.Violation {
	at, table, ok := existingAlter(c)
	if !ok {
		return nil
	}
	var out []rule.Violation
	for _, cmd := range rule.AlterTableCmds(at) {
		if cd := addedColumn(cmd); cd != nil && requiredWithoutValue(cd) {
			out = append(out, rule.Violation{
				Message: fmt.Sprintf("ADD COLUMN %s to %s is NOT NULL without a default: it fails as soon as %s has "+
					"a row, and code that does not set %s can no longer insert", cd.Colname, table, table, cd.Colname),
				Object:   table + "." + cd.Colname,
				Location: cd.Location,
			})
		}
	}
	if len(out) == 0 {
		return nil
	}
	s := newScript(c)
	var cols []string
	var keys []keyAdd
	s.add(editAlter(at, func(cmd *pg_query.AlterTableCmd) []*pg_query.AlterTableCmd {
		if cd := addedColumn(cmd); cd != nil && requiredWithoutValue(cd) {
			keys = append(keys, keyAdds(cmd, pg_query.ConstrType_CONSTR_PRIMARY)...)
			cd.IsNotNull = false
			withoutConstraints(cd, pg_query.ConstrType_CONSTR_NOTNULL, pg_query.ConstrType_CONSTR_PRIMARY)
			cols = append(cols, cd.Colname)
		}
		return []*pg_query.AlterTableCmd{cmd}
	}))
	for _, col := range cols {
		add, validate, set, drop := notNullSteps(at.Relation, table, col)
		s.comment("deploy code that writes " + col + ", backfill the existing rows in batches, then:")
		s.commented(add, validate, set, drop)
	}
	for _, k := range keys {
		index, attach := stagedKey(at.Relation, table, k)
		s.comment("then the primary key, its index built outside a transaction:")
		s.commented(index, attach)
	}
	safe := s.String()
	for i := range out {
		out[i].SafeSQL = safe
	}
	return out
}

// requiredWithoutValue reports whether an added column must be non-null
// (NOT NULL, or an inline PRIMARY KEY) while nothing gives the existing rows
// a value: no default, not identity, not generated, not serial.
func requiredWithoutValue(cd *pg_query.ColumnDef) bool {
	notNull := cd.IsNotNull || hasConstraint(cd, pg_query.ConstrType_CONSTR_NOTNULL) != nil ||
		hasConstraint(cd, pg_query.ConstrType_CONSTR_PRIMARY) != nil
	if !notNull {
		return false
	}
	if d := defaultExpr(cd); d != nil && !isNullConst(d) {
		return false
	}
	return hasConstraint(cd, pg_query.ConstrType_CONSTR_IDENTITY) == nil &&
		hasConstraint(cd, pg_query.ConstrType_CONSTR_GENERATED) == nil &&
		rule.SerialBase(schema.TypeString(cd.TypeName)) == ""
}
