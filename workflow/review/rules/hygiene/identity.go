package hygiene

import (
	"slices"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// preferIdentity: serial columns where an identity column does the job.
func preferIdentity() rule.Rule {
	tc := typeCheck{
		match: func(ct columnType) bool { return ct.added && rule.SerialBase(baseType(ct.def.TypeName)) != "" },
		fix: func(ct columnType) {
			t := ct.def.TypeName
			t.Names = catalogType(rule.SerialBase(baseType(t)))
			ct.def.Constraints = slices.Insert(ct.def.Constraints, 0, &pg_query.Node{Node: &pg_query.Node_Constraint{Constraint: &pg_query.Constraint{
				Contype: pg_query.ConstrType_CONSTR_IDENTITY, GeneratedWhen: "d", Location: -1,
			}}})
		},
		message: func(ct columnType) string {
			return "column " + ct.table + "." + ct.column + " is " + written(ct) + ": a sequence that lives beside the column instead of an identity column"
		},
	}
	return rule.Rule{
		ID:       "prefer-identity",
		Severity: workflow.SeverityInfo,
		Summary:  "serial or bigserial column instead of GENERATED ... AS IDENTITY",
		Why: "serial creates a separate sequence with its own owner and grants: roles that insert need " +
			"USAGE on it, copying the table's definition (CREATE TABLE ... LIKE) shares the sequence, and " +
			"dump/restore and ownership changes must keep the two in step. An identity column keeps the " +
			"sequence part of the column. BY DEFAULT still accepts explicit ids, as serial did.",
		Check: tc.run,
		Cases: []rule.Case{
			{Name: "serial id", SQL: "CREATE TABLE orders (id bigserial PRIMARY KEY, n serial);", Fires: true},
			{Name: "added column", Baseline: "CREATE TABLE orders (ref text);", SQL: "ALTER TABLE orders ADD COLUMN id smallserial;", Fires: true},
			{Name: "identity", SQL: "CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);"},
		},
	}
}
