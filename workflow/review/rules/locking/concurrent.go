package locking

import (
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// requireConcurrentIndexDeletion: DROP INDEX without CONCURRENTLY takes
// ACCESS EXCLUSIVE on the index's table.
func requireConcurrentIndexDeletion() rule.Rule {
	return rule.Rule{
		ID:       "require-concurrent-index-deletion",
		Severity: workflow.SeverityWarning,
		Summary:  "DROP INDEX without CONCURRENTLY on an existing table",
		Why: "A plain DROP INDEX takes ACCESS EXCLUSIVE on the index's table. The drop itself is quick, but " +
			"the request queues behind every running query on the table and every read and write queues " +
			"behind it. DROP INDEX CONCURRENTLY waits for those queries without blocking anyone; it runs " +
			"outside a transaction, drops one index at a time, and cannot CASCADE.",
		Check: checkIndexDeletion,
		Cases: []rule.Case{
			{Name: "drop index", Baseline: "CREATE TABLE orders (id bigint, customer_id bigint);\n" +
				"CREATE INDEX orders_customer_idx ON orders (customer_id);",
				SQL: "DROP INDEX orders_customer_idx;", Fires: true},
			{Name: "index unknown to the baseline, several at once",
				SQL: "DROP INDEX IF EXISTS app.orders_customer_idx, app.orders_created_idx CASCADE;", Fires: true},
			{Name: "in a transaction", SQL: "BEGIN;\nDROP INDEX orders_customer_idx;\nCOMMIT;", Fires: true},
			{Name: "concurrently", SQL: "DROP INDEX CONCURRENTLY IF EXISTS orders_customer_idx;"},
			{Name: "index of a table created in the same change",
				SQL: "CREATE TABLE orders (id bigint, customer_id bigint);\n" +
					"CREATE INDEX orders_customer_idx ON orders (customer_id);\nDROP INDEX orders_customer_idx;"},
		},
	}
}

// checkIndexDeletion reports DROP INDEX without CONCURRENTLY, unless every
// index it drops belongs to a table the change created.
func checkIndexDeletion(c *rule.Context) []rule.Violation {
	d := c.Stmt.Node.GetDropStmt()
	if d == nil || d.RemoveType != pg_query.ObjectType_OBJECT_INDEX || d.Concurrent {
		return nil
	}
	var risky []string
	var kept []*pg_query.Node
	for _, obj := range d.Objects {
		name := strings.Join(rule.StringValues(obj.GetList().GetItems()), ".")
		if ix := c.Model.Index(name); ix != nil && c.CreatedHere(ix.Table.String()) {
			kept = append(kept, obj)
			continue
		}
		risky = append(risky, name)
	}
	if len(risky) == 0 {
		return nil
	}
	s := newScript(c)
	if len(kept) > 0 {
		plain := proto.Clone(d).(*pg_query.DropStmt)
		plain.Objects = kept
		s.add(&pg_query.Node{Node: &pg_query.Node_DropStmt{DropStmt: plain}})
	}
	if d.Behavior == pg_query.DropBehavior_DROP_CASCADE {
		s.comment("CONCURRENTLY cannot CASCADE: drop the objects that depend on the index first")
	}
	var drops []*pg_query.Node
	for _, obj := range d.Objects {
		if containsObject(kept, obj) {
			continue
		}
		drops = append(drops, &pg_query.Node{Node: &pg_query.Node_DropStmt{DropStmt: &pg_query.DropStmt{
			Objects: []*pg_query.Node{proto.Clone(obj).(*pg_query.Node)}, RemoveType: pg_query.ObjectType_OBJECT_INDEX,
			Behavior: pg_query.DropBehavior_DROP_RESTRICT, MissingOk: true, Concurrent: true,
		}}})
	}
	s.outsideTx(drops...)
	return []rule.Violation{{
		Message: fmt.Sprintf("DROP INDEX %s without CONCURRENTLY takes ACCESS EXCLUSIVE on its table: it waits "+
			"behind running queries and blocks all reads and writes of the table while it waits", strings.Join(risky, ", ")),
		SafeSQL: s.String(),
		Object:  risky[0],
	}}
}

// containsObject reports whether list holds the very node n.
func containsObject(list []*pg_query.Node, n *pg_query.Node) bool {
	for _, o := range list {
		if o == n {
			return true
		}
	}
	return false
}

// requireConcurrentReindex: REINDEX without CONCURRENTLY on PostgreSQL 12+,
// where the concurrent form exists.
func requireConcurrentReindex() rule.Rule {
	return rule.Rule{
		ID:       "require-concurrent-reindex",
		Severity: workflow.SeverityError,
		Summary:  "REINDEX without CONCURRENTLY (PostgreSQL 12+)",
		Why: "A plain REINDEX blocks writes to the table (SHARE) and takes ACCESS EXCLUSIVE on each index it " +
			"rebuilds, which stops every query whose plan would touch that index, for the whole rebuild. " +
			"REINDEX ... CONCURRENTLY (PostgreSQL 12+) builds a new copy next to the old one under SHARE UPDATE " +
			"EXCLUSIVE and swaps them; it runs outside a transaction. Before 12 there is no concurrent form, " +
			"so the rule stays quiet there.",
		Check: checkReindex,
		Cases: []rule.Case{
			{Name: "reindex table", Baseline: "CREATE TABLE orders (id bigint);", SQL: "REINDEX TABLE orders;", Fires: true},
			{Name: "reindex index", Baseline: "CREATE TABLE orders (id bigint);\nCREATE INDEX orders_id_idx ON orders (id);",
				SQL: "REINDEX (VERBOSE) INDEX orders_id_idx;", Fires: true},
			{Name: "reindex schema", SQL: "REINDEX SCHEMA app;", Fires: true},
			{Name: "concurrently", SQL: "REINDEX TABLE CONCURRENTLY orders;"},
			{Name: "before PostgreSQL 12", PG: 11, SQL: "REINDEX TABLE orders;"},
			{Name: "table created in the same change",
				SQL: "CREATE TABLE orders (id bigint);\nREINDEX TABLE orders;"},
		},
	}
}

// checkReindex reports REINDEX without CONCURRENTLY on PostgreSQL 12+.
func checkReindex(c *rule.Context) []rule.Violation {
	r := c.Stmt.Node.GetReindexStmt()
	if r == nil || c.PG < 12 || hasOption(r.Params, "concurrently") {
		return nil
	}
	var kind, obj string
	switch r.Kind {
	case pg_query.ReindexObjectType_REINDEX_OBJECT_TABLE:
		kind, obj = "TABLE", rule.RangeVarName(r.Relation)
		if c.CreatedHere(obj) {
			return nil
		}
	case pg_query.ReindexObjectType_REINDEX_OBJECT_INDEX:
		kind, obj = "INDEX", rule.RangeVarName(r.Relation)
		if ix := c.Model.Index(obj); ix != nil && c.CreatedHere(ix.Table.String()) {
			return nil
		}
	case pg_query.ReindexObjectType_REINDEX_OBJECT_SCHEMA:
		kind, obj = "SCHEMA", r.Name
	case pg_query.ReindexObjectType_REINDEX_OBJECT_DATABASE:
		kind, obj = "DATABASE", r.Name
	default:
		return nil // REINDEX SYSTEM has no concurrent form
	}
	safe := proto.Clone(r).(*pg_query.ReindexStmt)
	safe.Params = append(withoutOption(safe.Params, "concurrently"), pg_query.MakeSimpleDefElemNode("concurrently", nil, -1))
	s := newScript(c).outsideTx(&pg_query.Node{Node: &pg_query.Node_ReindexStmt{ReindexStmt: safe}})
	return []rule.Violation{{
		Message: fmt.Sprintf("REINDEX %s %s without CONCURRENTLY blocks writes, and every query that would use a "+
			"rebuilt index, until the rebuild ends", kind, obj),
		SafeSQL:  s.String(),
		Object:   obj,
		Location: r.GetRelation().GetLocation(),
	}}
}

// hasOption reports whether a utility option list turns the named option
// on (written bare, or with a true value).
func hasOption(opts []*pg_query.Node, name string) bool {
	for _, o := range opts {
		de := o.GetDefElem()
		if de == nil || de.Defname != name {
			continue
		}
		if de.Arg == nil {
			return true
		}
		switch v := strings.ToLower(optionValue(de.Arg)); v {
		case "false", "off", "0", "no":
			return false
		}
		return true
	}
	return false
}

// optionValue renders a utility option's argument ("true", "off", "1").
func optionValue(n *pg_query.Node) string {
	if s := n.GetString_(); s != nil {
		return s.Sval
	}
	if b := n.GetBoolean(); b != nil {
		return fmt.Sprint(b.Boolval)
	}
	if i := n.GetInteger(); i != nil {
		return fmt.Sprint(i.Ival)
	}
	if a := n.GetAConst(); a != nil {
		switch {
		case a.GetBoolval() != nil:
			return fmt.Sprint(a.GetBoolval().Boolval)
		case a.GetIval() != nil:
			return fmt.Sprint(a.GetIval().Ival)
		case a.GetSval() != nil:
			return a.GetSval().Sval
		}
	}
	return ""
}

// withoutOption drops the named option from a utility option list.
func withoutOption(opts []*pg_query.Node, name string) []*pg_query.Node {
	var out []*pg_query.Node
	for _, o := range opts {
		if o.GetDefElem().GetDefname() != name {
			out = append(out, o)
		}
	}
	return out
}

// requireConcurrentPartitionDetach: DETACH PARTITION without CONCURRENTLY on
// PostgreSQL 14+.
func requireConcurrentPartitionDetach() rule.Rule {
	return rule.Rule{
		ID:       "require-concurrent-partition-detach",
		Severity: workflow.SeverityWarning,
		Summary:  "DETACH PARTITION without CONCURRENTLY (PostgreSQL 14+)",
		Why: "DETACH PARTITION takes ACCESS EXCLUSIVE on the partitioned table: reads and writes of every " +
			"partition wait, and the request itself queues behind running queries. From PostgreSQL 14, " +
			"DETACH PARTITION ... CONCURRENTLY only takes SHARE UPDATE EXCLUSIVE on the parent. It runs " +
			"outside a transaction, alone in its ALTER TABLE, and not when the table has a default partition; " +
			"if interrupted, finish it with DETACH PARTITION ... FINALIZE.",
		Check: checkPartitionDetach,
		Cases: []rule.Case{
			{Name: "detach", SQL: "ALTER TABLE events DETACH PARTITION events_2023;", Fires: true},
			{Name: "in a wrapped migration", Runner: "flyway", SQL: "ALTER TABLE app.events DETACH PARTITION app.events_2023;", Fires: true},
			{Name: "concurrently", SQL: "ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;"},
			{Name: "before PostgreSQL 14", PG: 13, SQL: "ALTER TABLE events DETACH PARTITION events_2023;"},
			{Name: "table created in the same change",
				SQL: "CREATE TABLE events (id bigint, at date) PARTITION BY RANGE (at);\n" +
					"CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');\n" +
					"ALTER TABLE events DETACH PARTITION events_2023;"},
		},
	}
}

// checkPartitionDetach reports DETACH PARTITION without CONCURRENTLY from an
// existing partitioned table on PostgreSQL 14+.
func checkPartitionDetach(c *rule.Context) []rule.Violation {
	if c.PG < 14 {
		return nil
	}
	at, table, ok := existingAlter(c)
	if !ok {
		return nil
	}
	var out []rule.Violation
	var detached []*pg_query.Node
	rest := editAlter(at, func(cmd *pg_query.AlterTableCmd) []*pg_query.AlterTableCmd {
		pc := cmd.GetDef().GetPartitionCmd()
		if cmd.Subtype != pg_query.AlterTableType_AT_DetachPartition || pc == nil || pc.Concurrent {
			return []*pg_query.AlterTableCmd{cmd}
		}
		part := rule.RangeVarName(pc.Name)
		out = append(out, rule.Violation{
			Message: fmt.Sprintf("DETACH PARTITION %s without CONCURRENTLY takes ACCESS EXCLUSIVE on %s, blocking "+
				"reads and writes of every partition while it waits and runs", part, table),
			Object:   table,
			Location: pc.GetName().GetLocation(),
		})
		pc.Concurrent = true
		detached = append(detached, alterNode(at.Relation, cmd))
		return nil
	})
	if len(out) == 0 {
		return nil
	}
	s := newScript(c)
	if rest != nil {
		s.add(rest)
	}
	s.outsideTx(detached...)
	for i := range out {
		out[i].SafeSQL = s.String()
	}
	return out
}

// preferRepack: VACUUM FULL and CLUSTER rewrite a table under ACCESS
// EXCLUSIVE. squawk only fires from PostgreSQL 19, which brings REPACK
// (CONCURRENTLY); this rule fires on every version.
func preferRepack() rule.Rule {
	return rule.Rule{
		ID:       "prefer-repack",
		Severity: workflow.SeverityError,
		Summary:  "VACUUM FULL or CLUSTER rewrites a table under ACCESS EXCLUSIVE",
		Why: "VACUUM FULL and CLUSTER copy the whole table and rebuild its indexes while holding ACCESS " +
			"EXCLUSIVE: no read or write gets through until they finish. Unlike squawk, which only reports " +
			"this from PostgreSQL 19, pgrollout reports it on every version: before 19 use the pg_repack " +
			"extension, which rewrites online and takes ACCESS EXCLUSIVE only briefly at the start and end; " +
			"from 19 use REPACK (CONCURRENTLY). pgrollout's parser (PostgreSQL 17) cannot read REPACK yet, so " +
			"that advice comes as a comment.",
		Check: checkRepack,
		Cases: []rule.Case{
			{Name: "vacuum full", Baseline: "CREATE TABLE orders (id bigint);", SQL: "VACUUM FULL orders;", Fires: true},
			{Name: "vacuum (full, analyze)", SQL: "VACUUM (FULL, ANALYZE) app.orders;", Fires: true},
			{Name: "cluster using an index", SQL: "CLUSTER orders USING orders_created_idx;", Fires: true},
			{Name: "whole database", SQL: "VACUUM FULL;", Fires: true},
			{Name: "PostgreSQL 19", PG: 19, SQL: "VACUUM FULL orders;", Fires: true},
			{Name: "plain vacuum", SQL: "VACUUM (ANALYZE) orders;"},
			{Name: "full turned off", SQL: "VACUUM (FULL false) orders;"},
			{Name: "table created in the same change", SQL: "CREATE TABLE orders (id bigint);\nVACUUM FULL orders;"},
		},
	}
}

// checkRepack reports VACUUM FULL and CLUSTER of tables the change did not
// create (or of the whole database).
func checkRepack(c *rule.Context) []rule.Violation {
	var tables []string
	var what, clusterIndex string
	var loc int32
	switch n := c.Stmt.Node.GetNode().(type) {
	case *pg_query.Node_VacuumStmt:
		v := n.VacuumStmt
		if !v.IsVacuumcmd || !hasOption(v.Options, "full") {
			return nil
		}
		what = "VACUUM FULL"
		for _, r := range v.Rels {
			rel := r.GetVacuumRelation().GetRelation()
			tables = append(tables, rule.RangeVarName(rel))
			if loc == 0 {
				loc = rel.GetLocation()
			}
		}
	case *pg_query.Node_ClusterStmt:
		what, clusterIndex = "CLUSTER", n.ClusterStmt.Indexname
		if rel := n.ClusterStmt.Relation; rel != nil {
			tables, loc = []string{rule.RangeVarName(rel)}, rel.Location
		}
	default:
		return nil
	}
	var risky []string
	for _, t := range tables {
		if c.Existing(t) {
			risky = append(risky, t)
		}
	}
	if len(tables) > 0 && len(risky) == 0 {
		return nil
	}
	target := strings.Join(risky, ", ")
	if target == "" {
		target = "of the whole database"
		if what == "CLUSTER" {
			target = "of every table clustered before"
		}
	}
	return []rule.Violation{{
		Message: fmt.Sprintf("%s %s rewrites each table and its indexes under ACCESS EXCLUSIVE, blocking reads "+
			"and writes until it finishes", what, target),
		SafeSQL:  repackSQL(c, risky, clusterIndex),
		Object:   strings.Join(risky, ", "),
		Location: loc,
	}}
}

// repackSQL writes the online alternative: REPACK (CONCURRENTLY) from
// PostgreSQL 19 (as a comment: the PostgreSQL 17 parser cannot read it), the
// pg_repack extension and command line before.
func repackSQL(c *rule.Context, tables []string, clusterIndex string) string {
	s := newScript(c)
	if c.PG >= 19 {
		s.comment("PostgreSQL 19 rewrites online (pgrollout's parser cannot read REPACK yet, so it is a comment):")
		if len(tables) == 0 {
			s.comment("REPACK (CONCURRENTLY);")
		}
		for _, t := range tables {
			s.comment("REPACK (CONCURRENTLY) " + identPath(c, t) + ";")
		}
		return s.String()
	}
	s.raw("CREATE EXTENSION IF NOT EXISTS pg_repack;")
	order := "--no-order "
	if clusterIndex != "" {
		order = ""
		for _, t := range tables {
			rel := rangeVarOf(t)
			s.add(alterNode(rel, cmd(pg_query.AlterTableType_AT_ClusterOn, clusterIndex, nil)))
		}
	}
	s.comment("then rewrite online from a shell, outside the migration:")
	if len(tables) == 0 {
		s.comment("pg_repack " + order + "--dbname=DBNAME")
	}
	for _, t := range tables {
		s.comment("pg_repack " + order + "--table=" + t + " --dbname=DBNAME")
	}
	return s.String()
}

// rangeVarOf builds a relation reference from a possibly qualified name.
func rangeVarOf(name string) *pg_query.RangeVar {
	q := schema.ParseQualifiedName(name)
	return &pg_query.RangeVar{Schemaname: q.Schema, Relname: q.Name, Inh: true, Relpersistence: "p"}
}
