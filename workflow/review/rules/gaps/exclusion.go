package gaps

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// exclusionConstraintOnExistingTable: an exclusion constraint has no NOT
// VALID and no USING INDEX form, so adding one builds and checks its index
// under ACCESS EXCLUSIVE.
func exclusionConstraintOnExistingTable() rule.Rule {
	return rule.Rule{
		ID:       "exclusion-constraint-on-existing-table",
		Severity: workflow.SeverityWarning,
		Summary:  "ADD CONSTRAINT ... EXCLUDE on an existing table",
		Why: "An exclusion constraint cannot be added NOT VALID nor attached USING INDEX: PostgreSQL builds its " +
			"index and checks every row while holding ACCESS EXCLUSIVE, so reads and writes wait for the whole " +
			"build. Add it when the table is created, or build a copy of the table with it and swap.",
		Check: func(c *rule.Context) []rule.Violation {
			at, cmds := tableCmds(c)
			var out []rule.Violation
			for _, cmd := range cmds {
				con := cmd.GetDef().GetConstraint()
				if cmd.Subtype != pg_query.AlterTableType_AT_AddConstraint || con.GetContype() != pg_query.ConstrType_CONSTR_EXCLUSION {
					continue
				}
				table := rule.RangeVarName(at.Relation)
				extra := proto.Clone(con).(*pg_query.Constraint)
				out = append(out, rule.Violation{
					Message: "exclusion constraint " + con.Conname + " on " + table + " builds its index and checks every row under ACCESS EXCLUSIVE, blocking reads and writes; it has no NOT VALID or USING INDEX form",
					SafeSQL: rebuild{table: rule.RelName(at.Relation), extra: []*pg_query.Node{{Node: &pg_query.Node_Constraint{Constraint: extra}}}}.sql(c),
					Object:  table, Location: con.Location,
				})
			}
			return out
		},
		Cases: []rule.Case{
			{Name: "existing table", Baseline: "CREATE TABLE bookings (id bigint PRIMARY KEY, room int, during tstzrange);",
				SQL: "ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);", Fires: true},
			{Name: "in CREATE TABLE",
				SQL: "CREATE TABLE bookings (id bigint PRIMARY KEY, room int, during tstzrange, EXCLUDE USING gist (room WITH =, during WITH &&));"},
			{Name: "table created in the same change",
				SQL: "CREATE TABLE bookings (id bigint PRIMARY KEY, room int, during tstzrange);\nALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);"},
		},
	}
}
