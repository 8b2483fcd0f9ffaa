package design

import (
	"cmp"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// lookupLimit is the page size of the lookup query template.
const lookupLimit = 50

// indexWithoutQueryEvidence: a new index is write cost on every insert and
// update until a query plan shows it pays for itself.
func indexWithoutQueryEvidence() rule.Rule {
	return rule.Rule{
		ID:       "index-without-query-evidence",
		Severity: workflow.SeverityInfo,
		Summary:  "new index with no query plan recorded for it",
		Why: "Every index slows every INSERT and every UPDATE of its columns, takes space and cache, and a " +
			"plausible index is often not the one the planner picks (or picks and still sorts). Its decision " +
			"starts at \"needs evidence\": capture EXPLAIN (ANALYZE, BUFFERS) of the real lookup query on a " +
			"production-sized copy, with and without the index, before adding its weight. Unique indexes (they " +
			"enforce a rule) and indexes on exactly a foreign key's columns (they serve the key's checks) are " +
			"not asked for evidence.",
		Check: func(c *rule.Context) []rule.Violation {
			ix := c.Stmt.Node.GetIndexStmt()
			if ix == nil || ix.Unique || servesForeignKey(c, ix) {
				return nil
			}
			table := rule.RelName(ix.Relation)
			name := "new index " + ix.Idxname + " on " + table.String()
			if ix.Idxname == "" {
				name = "new index on " + table.String()
			}
			return []rule.Violation{{
				Message: name + " (" + strings.Join(indexColumns(c, ix), ", ") + ") has no query evidence: " +
					"it adds write cost to every insert and update of its columns; an EXPLAIN (ANALYZE, BUFFERS) of the real lookup query on a production-sized copy must show it is used and worth it",
				SafeSQL: "-- Evidence first: run the real lookup query (replace the $n parameters with real values) on a\n" +
					"-- production-sized copy, without and then with the index, and keep both plans:\n" +
					lookupExplain(c, ix) + "\n" +
					"-- Add the index once the plan shows it is used and worth its write cost:\n" + rule.CommentOut(c.Stmt.Text+";"),
				Object:   cmp.Or(ix.Idxname, table.String()),
				Location: ix.Relation.GetLocation(),
			}}
		},
		Cases: []rule.Case{
			{Name: "composite lookup index", Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL);",
				SQL: "CREATE INDEX CONCURRENTLY orders_support_lookup_idx ON orders (customer_id, status, created_at DESC);", Fires: true},
			{Name: "index on a new table", SQL: "CREATE TABLE events (id bigint PRIMARY KEY, kind text);\nCREATE INDEX ON events (kind) WHERE kind <> 'noise';", Fires: true},
			{Name: "gin index", Baseline: "CREATE TABLE events (id bigint PRIMARY KEY, payload jsonb);",
				SQL: "CREATE INDEX CONCURRENTLY events_payload_idx ON events USING gin (payload);", Fires: true},
			{Name: "unique index", Baseline: "CREATE TABLE payments (id bigint PRIMARY KEY, provider text, provider_reference text);",
				SQL: "CREATE UNIQUE INDEX CONCURRENTLY payments_provider_reference_key ON payments (provider, provider_reference);"},
			{Name: "index on a foreign key", Baseline: "CREATE TABLE payments (id bigint PRIMARY KEY);\nCREATE TABLE refunds (id bigint PRIMARY KEY, payment_id bigint NOT NULL REFERENCES payments (id));",
				SQL: "CREATE INDEX CONCURRENTLY refunds_payment_id_idx ON refunds (payment_id);"},
		},
	}
}

// servesForeignKey reports whether the index keys are exactly the columns of
// one of the table's foreign keys, so the key's checks justify it.
func servesForeignKey(c *rule.Context, ix *pg_query.IndexStmt) bool {
	t := c.Table(rule.RelName(ix.Relation).String())
	if t == nil || ix.WhereClause != nil {
		return false
	}
	var cols []string
	for _, p := range ix.IndexParams {
		if name := p.GetIndexElem().GetName(); name != "" {
			cols = append(cols, name)
		} else {
			return false
		}
	}
	for _, fk := range t.ForeignKeys {
		if len(fk.Columns) == len(cols) && containsAll(cols, fk.Columns) {
			return true
		}
	}
	return false
}

// indexColumns renders the index keys as written ("created_at DESC", "(lower(email))").
func indexColumns(c *rule.Context, ix *pg_query.IndexStmt) []string {
	var out []string
	for _, p := range ix.IndexParams {
		e := p.GetIndexElem()
		s := rule.QuoteColID(e.GetName())
		if e.GetName() == "" {
			s = "(" + c.Stmt.Expr(e.GetExpr()) + ")"
		}
		if e.GetOrdering() == pg_query.SortByDir_SORTBY_DESC {
			s += " DESC"
		}
		out = append(out, s)
	}
	return out
}

// lookupExplain renders EXPLAIN (ANALYZE, BUFFERS) of the lookup the index
// is shaped for: equality (or the access method's operator) on the leading
// keys, ordered by the last key of a multi-column btree index, plus the
// index predicate.
func lookupExplain(c *rule.Context, ix *pg_query.IndexStmt) string {
	keys := indexColumns(c, ix)
	bare := make([]string, len(keys))
	for i, k := range keys {
		bare[i] = strings.TrimSuffix(k, " DESC")
	}
	method := cmp.Or(ix.AccessMethod, "btree")
	filtered := bare
	order := ""
	if method == "btree" && len(keys) > 1 {
		filtered, order = bare[:len(bare)-1], keys[len(keys)-1]
	}
	var conds []string
	for i, k := range filtered {
		conds = append(conds, lookupCondition(method, k, i+1))
	}
	if ix.WhereClause != nil {
		conds = append(conds, "("+c.Stmt.Expr(ix.WhereClause)+")")
	}
	sql := "EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM " + rule.QuoteQualified(rule.RelName(ix.Relation))
	if len(conds) > 0 {
		sql += " WHERE " + strings.Join(conds, " AND ")
	}
	if order != "" {
		sql += " ORDER BY " + order + " LIMIT " + strconv.Itoa(lookupLimit)
	}
	return sql + ";"
}

// lookupCondition renders the condition an index of the access method serves
// for one key, with parameter $n.
func lookupCondition(method, key string, n int) string {
	p := "$" + strconv.Itoa(n)
	switch method {
	case "gin":
		return key + " @> " + p
	case "gist", "spgist":
		return key + " && " + p
	case "brin":
		return key + " >= " + p
	}
	return key + " = " + p
}
