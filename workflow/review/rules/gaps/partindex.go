package gaps

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// indexOnPartitionedTable: an index on a partitioned parent is built on every
// partition in one statement, which cannot be CONCURRENTLY.
func indexOnPartitionedTable() rule.Rule {
	return rule.Rule{
		ID:       "index-on-partitioned-table",
		Severity: workflow.SeverityWarning,
		Summary:  "CREATE INDEX on a partitioned table",
		Why: "CREATE INDEX on a partitioned table builds the index on every partition while holding SHARE on " +
			"each, blocking writes to all of them until the last build ends, and PostgreSQL refuses " +
			"CONCURRENTLY on a partitioned table. Create the parent index ON ONLY the parent (instant, " +
			"invalid until complete), build each partition's index CONCURRENTLY, and attach them with " +
			"ALTER INDEX ... ATTACH PARTITION: the parent index becomes valid when the last one is attached. " +
			"The schema model does not track partitioning, so only partitioning the reviewed file shows " +
			"(PARTITION BY, PARTITION OF, ATTACH PARTITION) is recognised.",
		Check: func(c *rule.Context) []rule.Violation {
			ix := c.Stmt.Node.GetIndexStmt()
			if ix == nil || !ix.Relation.GetInh() {
				return nil
			}
			parent := rule.RelName(ix.Relation)
			p := partitionsOf(c.EarlierOn(parent.String()), parent)
			if !p.known {
				return nil
			}
			msg := "CONCURRENTLY is not supported on partitioned table " + parent.String() + ": the statement fails"
			if !ix.Concurrent {
				if !holdsData(c, parent, p.partitions) {
					return nil
				}
				msg = "CREATE INDEX on partitioned table " + parent.String() + " builds the index on every partition under SHARE, blocking writes to all of them until the last build ends"
			}
			return []rule.Violation{{
				Message: msg, SafeSQL: partitionedIndexSQL(c, ix, p.partitions),
				Object: parent.String(), Location: ix.Relation.GetLocation(),
			}}
		},
		Cases: []rule.Case{
			{Name: "existing parent with a partition added in the file",
				Baseline: "CREATE TABLE events (id bigint, at date NOT NULL, kind text);",
				SQL: "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\n" +
					"CREATE INDEX events_kind_idx ON events (kind);", Fires: true},
			{Name: "new parent with an existing table attached",
				Baseline: "CREATE TABLE events_2024 (id bigint, at date NOT NULL, kind text);",
				SQL: "CREATE TABLE events (id bigint, at date NOT NULL, kind text) PARTITION BY RANGE (at);\n" +
					"ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n" +
					"CREATE INDEX ON events (kind);", Fires: true},
			{Name: "concurrently on a partitioned parent",
				SQL: "CREATE TABLE events (id bigint, at date NOT NULL, kind text) PARTITION BY RANGE (at);\n" +
					"CREATE INDEX CONCURRENTLY events_kind_idx ON events (kind);", Fires: true},
			{Name: "new parent with new partitions",
				SQL: "CREATE TABLE events (id bigint, at date NOT NULL, kind text) PARTITION BY RANGE (at);\n" +
					"CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\n" +
					"CREATE INDEX events_kind_idx ON events (kind);"},
			{Name: "ON ONLY the parent",
				Baseline: "CREATE TABLE events (id bigint, at date NOT NULL, kind text);",
				SQL: "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\n" +
					"CREATE INDEX events_kind_idx ON ONLY events (kind);"},
		},
	}
}

// holdsData reports whether the parent or one of its partitions existed
// before the change (and so may hold rows).
func holdsData(c *rule.Context, parent schema.QualifiedName, parts []schema.QualifiedName) bool {
	if c.Existing(parent.String()) {
		return true
	}
	for _, p := range parts {
		if c.Existing(p.String()) {
			return true
		}
	}
	return false
}

// partitionedIndexSQL renders the parent index ON ONLY the parent, a
// concurrent build per known partition and the attachments.
func partitionedIndexSQL(c *rule.Context, ix *pg_query.IndexStmt, parts []schema.QualifiedName) string {
	parent := rule.RelName(ix.Relation)
	suffix := indexSuffix(ix)
	name := sibling(parent, ix.Idxname)
	if ix.Idxname == "" {
		name = sibling(parent, parent.Name+"_"+suffix)
	}
	only := proto.Clone(ix).(*pg_query.IndexStmt)
	only.Relation.Inh, only.Concurrent, only.Idxname, only.IfNotExists = false, false, name.Name, true
	var b strings.Builder
	b.WriteString("-- The parent index, ON ONLY the parent: instant, invalid until every partition's index is attached.\n")
	b.WriteString(c.Deparse(&pg_query.Node{Node: &pg_query.Node_IndexStmt{IndexStmt: only}}) + "\n")
	if len(parts) == 0 {
		b.WriteString("-- For each partition: CREATE INDEX CONCURRENTLY IF NOT EXISTS <partition>_" + suffix + " ON <partition> (...);\n")
		b.WriteString("-- then ALTER INDEX " + rule.QuoteQualified(name) + " ATTACH PARTITION <partition>_" + suffix + ";")
		return b.String()
	}
	b.WriteString("-- Each partition's index without blocking writes, then attached to the parent index.\n")
	for _, p := range parts {
		pname := sibling(p, p.Name+"_"+suffix)
		one := proto.Clone(ix).(*pg_query.IndexStmt)
		one.Relation = &pg_query.RangeVar{Schemaname: p.Schema, Relname: p.Name, Inh: true, Relpersistence: "p"}
		one.Concurrent, one.Idxname, one.IfNotExists = true, pname.Name, true
		b.WriteString(c.Deparse(&pg_query.Node{Node: &pg_query.Node_IndexStmt{IndexStmt: one}}) + "\n")
		b.WriteString("ALTER INDEX " + rule.QuoteQualified(name) + " ATTACH PARTITION " + rule.QuoteQualified(pname) + ";\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// indexSuffix names an index after its columns, as PostgreSQL does ("kind_idx").
func indexSuffix(ix *pg_query.IndexStmt) string {
	var cols []string
	for _, p := range ix.IndexParams {
		name := p.GetIndexElem().GetName()
		if name == "" {
			name = "expr"
		}
		cols = append(cols, name)
	}
	return strings.Join(cols, "_") + "_idx"
}
