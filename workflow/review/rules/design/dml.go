package design

import (
	"slices"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// batchSize is the key range one batch of the safe alternative covers.
const batchSize = 1000

// unboundedDMLInMigration: bulk UPDATE/DELETE does not belong in a schema
// migration, and never as one statement over a whole table.
func unboundedDMLInMigration() rule.Rule {
	return rule.Rule{
		ID:       "unbounded-dml-in-migration",
		Severity: workflow.SeverityError,
		Summary:  "UPDATE or DELETE over a whole table inside a schema migration",
		Why: "An UPDATE or DELETE without a WHERE, or whose WHERE is not a bounded key range (a status or " +
			"age-based cleanup across the whole table), changes every matching row in one transaction: it " +
			"holds their row locks until the end, blocks concurrent writes to them, bloats the table and the " +
			"WAL, lags replicas, and cannot be stopped part way or rolled back once committed. Inside a schema " +
			"migration it also ties the deploy to a data change with its own owner. Run it as its own data " +
			"change, in key-range batches that each commit.",
		Check: func(c *rule.Context) []rule.Violation {
			d, ok := dmlOf(c.Stmt.Node)
			if !ok || c.CreatedHere(d.table.String()) {
				return nil
			}
			keys := keyColumns(c, d.table)
			if d.where != nil && bounded(d.where, keys) {
				return nil
			}
			what := "has no WHERE: it " + d.verb + " every row of " + d.table.String()
			loc := d.relation.GetLocation()
			if d.where != nil {
				what = "is not bounded by a key range: it " + d.verb + " every matching row across the whole of " + d.table.String()
				loc = whereLocation(d.where, loc)
			}
			return []rule.Violation{{
				Message: d.kind + " " + d.table.String() + " " + what + " in one transaction inside the schema migration; " +
					"nothing stops it part way and nothing rolls it back once committed",
				SafeSQL:  batchedSQL(c, d, keys[0]),
				Object:   d.object,
				Location: loc,
			}}
		},
		Cases: []rule.Case{
			{Name: "update without WHERE", Baseline: "CREATE TABLE payments (id bigint PRIMARY KEY, provider_payload jsonb);",
				SQL: "UPDATE payments SET provider_payload = NULL;", Fires: true},
			{Name: "age-based cleanup across the table", Baseline: "CREATE TABLE checkout_sessions (id bigint PRIMARY KEY, status text, created_at timestamptz);",
				SQL: "DELETE FROM checkout_sessions WHERE status = 'abandoned' AND created_at < now() - interval '90 days';", Fires: true},
			{Name: "delete without WHERE, table unknown", SQL: "DELETE FROM sessions;", Fires: true},
			{Name: "key range", Baseline: "CREATE TABLE payments (id bigint PRIMARY KEY, provider_payload jsonb);",
				SQL: "UPDATE payments SET provider_payload = NULL WHERE id >= 1000 AND id < 2000;"},
			{Name: "single row", Baseline: "CREATE TABLE payments (id bigint PRIMARY KEY, provider_payload jsonb);",
				SQL: "UPDATE payments SET provider_payload = NULL WHERE id = 42;"},
			{Name: "limited batch", Baseline: "CREATE TABLE checkout_sessions (id bigint PRIMARY KEY, status text);",
				SQL: "DELETE FROM checkout_sessions WHERE id IN (SELECT id FROM checkout_sessions WHERE status = 'abandoned' ORDER BY id LIMIT 1000);"},
			{Name: "join condition on the key is no bound", Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY, note text);\nCREATE TABLE staging (id bigint, note text);",
				SQL: "UPDATE orders o SET note = s.note FROM staging s WHERE o.id = s.id;", Fires: true},
			{Name: "key list", Baseline: "CREATE TABLE payments (id bigint PRIMARY KEY, provider_payload jsonb);",
				SQL: "UPDATE payments SET provider_payload = NULL WHERE id IN (1, 2, 3);"},
			{Name: "table created in the same change",
				SQL: "CREATE TABLE flags (id bigint PRIMARY KEY, enabled boolean);\nUPDATE flags SET enabled = true;"},
		},
	}
}

// dml is an UPDATE or DELETE under review.
type dml struct {
	kind, verb string
	table      schema.QualifiedName
	relation   *pg_query.RangeVar
	where      *pg_query.Node
	// object names what it changes: the table, or its updated columns.
	object string
}

// dmlOf reads an UPDATE or DELETE statement.
func dmlOf(n *pg_query.Node) (dml, bool) {
	switch s := n.GetNode().(type) {
	case *pg_query.Node_UpdateStmt:
		u := s.UpdateStmt
		t := rule.RelName(u.Relation)
		var cols []string
		for _, r := range u.TargetList {
			cols = append(cols, t.String()+"."+r.GetResTarget().GetName())
		}
		return dml{kind: "UPDATE", verb: "rewrites", table: t, relation: u.Relation, where: u.WhereClause, object: strings.Join(slices.Compact(cols), ", ")}, true
	case *pg_query.Node_DeleteStmt:
		d := s.DeleteStmt
		t := rule.RelName(d.Relation)
		return dml{kind: "DELETE FROM", verb: "deletes", table: t, relation: d.Relation, where: d.WhereClause, object: t.String()}, true
	}
	return dml{}, false
}

// keyColumns returns the columns that identify a row of the table: its
// single-column primary key and unique keys, or "id" when the model does
// not know the table.
func keyColumns(c *rule.Context, table schema.QualifiedName) []string {
	t := c.Table(table.String())
	var keys []string
	for _, k := range modelKeys(c.Model, t) {
		if len(k.columns) == 1 && len(k.exprs) == 0 {
			keys = append(keys, k.columns[0])
		}
	}
	if len(keys) == 0 {
		return []string{"id"}
	}
	return keys
}

// whereLocation returns the location of a WHERE clause's top node, or def.
func whereLocation(n *pg_query.Node, def int32) int32 {
	switch e := n.GetNode().(type) {
	case *pg_query.Node_BoolExpr:
		if len(e.BoolExpr.Args) > 0 {
			return whereLocation(e.BoolExpr.Args[0], def)
		}
	case *pg_query.Node_AExpr:
		return e.AExpr.Location
	case *pg_query.Node_SubLink:
		return e.SubLink.Location
	}
	return def
}

// batchedSQL renders the change as a DO block that walks the table's key in
// ranges, committing each batch.
func batchedSQL(c *rule.Context, d dml, key string) string {
	rangeWhere := rule.ParseStmt("SELECT WHERE " + rule.QuoteColID(key) + " >= next_id AND " + rule.QuoteColID(key) + " < next_id + batch_size").GetSelectStmt().GetWhereClause()
	where := rangeWhere
	if d.where != nil {
		where = pg_query.MakeBoolExprNode(pg_query.BoolExprType_AND_EXPR, []*pg_query.Node{rangeWhere, d.where}, -1)
	}
	batch := proto.Clone(c.Stmt.Node).(*pg_query.Node)
	if u := batch.GetUpdateStmt(); u != nil {
		u.WhereClause = where
	} else {
		batch.GetDeleteStmt().WhereClause = where
	}
	commit := "    COMMIT; -- each batch commits on its own (PostgreSQL 11+, DO run outside a transaction block)\n"
	if c.PG > 0 && c.PG < 11 {
		commit = "    -- before PostgreSQL 11 a DO block cannot commit: run each batch as its own statement instead\n"
	}
	return "-- Not in the schema migration: run it as its own data change, with an owner, in key-range batches.\n" +
		"DO $batch$\nDECLARE\n  batch_size constant bigint := " + strconv.Itoa(batchSize) + ";\n  next_id bigint;\n  last_id bigint;\nBEGIN\n" +
		"  SELECT min(" + rule.QuoteColID(key) + "), max(" + rule.QuoteColID(key) + ") INTO next_id, last_id FROM " + rule.QuoteQualified(d.table) + ";\n" +
		"  WHILE next_id <= last_id LOOP\n" +
		"    " + c.Deparse(batch) + "\n" +
		"    next_id := next_id + batch_size;\n" + commit +
		"  END LOOP;\nEND\n$batch$;"
}
