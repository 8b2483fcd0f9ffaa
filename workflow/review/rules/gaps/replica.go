package gaps

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// replicaIdentityChange: REPLICA IDENTITY decides what logical replication
// and CDC see of updated and deleted rows.
func replicaIdentityChange() rule.Rule {
	return rule.Rule{
		ID:       "replica-identity-change",
		Severity: workflow.SeverityWarning,
		Summary:  "ALTER TABLE ... REPLICA IDENTITY on an existing table",
		Why: "The replica identity decides which old-row values logical replication and change-data-capture " +
			"consumers receive for UPDATE and DELETE. FULL logs the whole old row (more WAL); NOTHING makes " +
			"UPDATE and DELETE fail on a table that is published; USING INDEX needs a unique, non-partial index " +
			"on NOT NULL columns. Subscribers and CDC pipelines must be ready before it changes.",
		Check: func(c *rule.Context) []rule.Violation {
			at, cmds := tableCmds(c)
			var out []rule.Violation
			for _, cmd := range cmds {
				ri := cmd.GetDef().GetReplicaIdentityStmt()
				if cmd.Subtype != pg_query.AlterTableType_AT_ReplicaIdentity || ri == nil {
					continue
				}
				table := rule.RangeVarName(at.Relation)
				name := rule.RelName(at.Relation)
				schemaName := name.Schema
				if schemaName == "" {
					schemaName = "public"
				}
				out = append(out, rule.Violation{
					Message: "REPLICA IDENTITY " + identityLabel(ri) + " on " + table + " changes what logical replication and CDC consumers receive for its updates and deletes" + identityRisk(ri),
					SafeSQL: "-- Check which publications carry the table and agree the change with their subscribers first.\n" +
						"SELECT pubname FROM pg_publication_tables WHERE schemaname = " + rule.QuoteLiteral(schemaName) +
						" AND tablename = " + rule.QuoteLiteral(name.Name) + ";\n" +
						"-- Then, in its own migration:\n" + rule.CommentOut(c.Stmt.Text+";"),
					Object: table, Location: at.Relation.GetLocation(),
				})
			}
			return out
		},
		Cases: []rule.Case{
			{Name: "full", Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY);",
				SQL: "ALTER TABLE orders REPLICA IDENTITY FULL;", Fires: true},
			{Name: "nothing", Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY);",
				SQL: "ALTER TABLE orders REPLICA IDENTITY NOTHING;", Fires: true},
			{Name: "table created in the same change",
				SQL: "CREATE TABLE orders (id bigint PRIMARY KEY);\nALTER TABLE orders REPLICA IDENTITY FULL;"},
		},
	}
}

// identityLabel renders the new replica identity as written.
func identityLabel(ri *pg_query.ReplicaIdentityStmt) string {
	switch ri.IdentityType {
	case "f":
		return "FULL"
	case "n":
		return "NOTHING"
	case "i":
		return "USING INDEX " + ri.Name
	}
	return "DEFAULT"
}

// identityRisk names what goes wrong with the new identity.
func identityRisk(ri *pg_query.ReplicaIdentityStmt) string {
	switch ri.IdentityType {
	case "f":
		return ": every update and delete logs the whole old row, so WAL volume and replication lag grow"
	case "n":
		return ": updates and deletes fail once the table is in a publication that replicates them"
	case "i":
		return ": the index must stay unique, non-partial and on NOT NULL columns, or replication breaks"
	}
	return ": consumers go back to receiving only the primary key of old rows"
}
