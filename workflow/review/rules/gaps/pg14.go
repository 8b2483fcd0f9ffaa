package gaps

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// versionGuard is a DO block that stops the migration on PostgreSQL 14.0-14.3.
const versionGuard = `DO $guard$
BEGIN
  IF current_setting('server_version_num')::int BETWEEN 140000 AND 140003 THEN
    RAISE EXCEPTION 'PostgreSQL 14.0-14.3 can corrupt indexes built or rebuilt CONCURRENTLY: upgrade to 14.4 or later first';
  END IF;
END
$guard$;`

// concurrentIndexPG14Bug: PostgreSQL 14.0 to 14.3 can silently corrupt
// indexes built by CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY.
func concurrentIndexPG14Bug() rule.Rule {
	return rule.Rule{
		ID:       "concurrent-index-pg14-bug",
		Severity: workflow.SeverityWarning,
		Summary:  "CREATE/REINDEX ... CONCURRENTLY on PostgreSQL 14 before 14.4",
		Why: "PostgreSQL 14.0 to 14.3 have a bug by which CREATE INDEX CONCURRENTLY and REINDEX CONCURRENTLY " +
			"can miss rows updated during the build: the index silently lacks entries and queries through it " +
			"return wrong results. It is fixed in 14.4; affected indexes must be rebuilt after upgrading.",
		Check: func(c *rule.Context) []rule.Violation {
			if c.PG != 14 || guarded(c) {
				return nil
			}
			what, loc, ok := concurrentBuild(c.Stmt.Node)
			if !ok {
				return nil
			}
			return []rule.Violation{{
				Message: what + " on PostgreSQL 14: releases 14.0 to 14.3 can silently corrupt the index it builds; make sure the server runs 14.4 or later",
				SafeSQL: "-- Stop the migration on 14.0-14.3, where the build can corrupt the index.\n" +
					versionGuard + "\n" + c.Stmt.Text + ";",
				Location: loc,
			}}
		},
		Cases: []rule.Case{
			{Name: "create index concurrently on 14", PG: 14, Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);",
				SQL: "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_idx ON orders (customer_id);", Fires: true},
			{Name: "reindex concurrently on 14", PG: 14,
				SQL: "REINDEX INDEX CONCURRENTLY orders_customer_idx;", Fires: true},
			{Name: "on 16", PG: 16, Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);",
				SQL: "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_idx ON orders (customer_id);"},
			{Name: "guarded by a version check", PG: 14, Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);",
				SQL: versionGuard + "\nCREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_idx ON orders (customer_id);"},
		},
	}
}

// concurrentBuild reports whether a statement builds an index CONCURRENTLY,
// with a label and the location of its target.
func concurrentBuild(n *pg_query.Node) (string, int32, bool) {
	switch s := n.GetNode().(type) {
	case *pg_query.Node_IndexStmt:
		if s.IndexStmt.Concurrent {
			return "CREATE INDEX CONCURRENTLY", s.IndexStmt.Relation.GetLocation(), true
		}
	case *pg_query.Node_ReindexStmt:
		for _, p := range s.ReindexStmt.Params {
			if p.GetDefElem().GetDefname() == "concurrently" {
				return "REINDEX CONCURRENTLY", s.ReindexStmt.Relation.GetLocation(), true
			}
		}
	}
	return "", 0, false
}

// guarded reports whether an earlier DO block of the file checks
// server_version_num, as the version guard does.
func guarded(c *rule.Context) bool {
	for _, st := range c.Earlier() {
		do := st.Node.GetDoStmt()
		if do == nil {
			continue
		}
		for _, a := range do.Args {
			if body := a.GetDefElem().GetArg().GetString_().GetSval(); strings.Contains(body, "server_version_num") {
				return true
			}
		}
	}
	return false
}
