package locking

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// requireConcurrentIndexCreation: CREATE INDEX without CONCURRENTLY on a
// table that already exists holds SHARE for the whole build.
func requireConcurrentIndexCreation() rule.Rule {
	return rule.Rule{
		ID:       "require-concurrent-index-creation",
		Severity: workflow.SeverityWarning,
		Summary:  "CREATE INDEX without CONCURRENTLY on an existing table",
		Why: "A plain CREATE INDEX holds a SHARE lock for the whole build: every INSERT, UPDATE " +
			"and DELETE on the table waits until the index is built.",
		Check: func(c *rule.Context) []rule.Violation {
			n, ok := c.Stmt.Node.GetNode().(*pg_query.Node_IndexStmt)
			if !ok || n.IndexStmt.Concurrent {
				return nil
			}
			ix := n.IndexStmt
			table := rule.RangeVarName(ix.Relation)
			if !c.Existing(table) {
				return nil
			}
			safe := proto.Clone(ix).(*pg_query.IndexStmt)
			safe.Concurrent = true
			safe.IfNotExists = safe.Idxname != ""
			sql, _ := c.Stmt.Deparse(&pg_query.Node{Node: &pg_query.Node_IndexStmt{IndexStmt: safe}})
			return []rule.Violation{{
				Message:  "CREATE INDEX on " + table + " without CONCURRENTLY blocks writes to it while the index builds",
				SafeSQL:  sql,
				Object:   table,
				Location: ix.Relation.GetLocation(),
			}}
		},
		Cases: []rule.Case{
			{Name: "existing table", Baseline: "CREATE TABLE orders (id bigint, customer_id bigint);",
				SQL: "CREATE INDEX orders_customer_idx ON orders (customer_id);", Fires: true},
			{Name: "table not in the baseline is treated as existing",
				SQL: "CREATE INDEX ON orders (customer_id);", Fires: true},
			{Name: "concurrently", Baseline: "CREATE TABLE orders (id bigint, customer_id bigint);",
				SQL: "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_idx ON orders (customer_id);"},
			{Name: "table created in the same change",
				SQL: "CREATE TABLE orders (id bigint, customer_id bigint);\nCREATE INDEX orders_customer_idx ON orders (customer_id);"},
		},
	}
}
