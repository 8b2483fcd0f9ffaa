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
			"invalid until complete), build each partition's index CONCURRENTLY (ON ONLY again for a partition " +
			"that is itself partitioned, with its own partitions' indexes attached to it), and attach them with " +
			"ALTER INDEX ... ATTACH PARTITION: the parent index becomes valid when the last one is attached.",
		Check: func(c *rule.Context) []rule.Violation {
			ix := c.Stmt.Node.GetIndexStmt()
			if ix == nil || !ix.Relation.GetInh() {
				return nil
			}
			parent := rule.RelName(ix.Relation)
			p := partitioningOf(c, parent)
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
			{Name: "parent and partitions in the baseline", Baseline: partitionedEvents,
				SQL: "CREATE INDEX events_kind_idx ON events (kind);", Fires: true},
			{Name: "partitions attached in the baseline, as pg_dump writes them",
				Baseline: "CREATE TABLE events (id bigint, at date NOT NULL, kind text) PARTITION BY RANGE (at);\n" +
					"CREATE TABLE events_2024 (id bigint, at date NOT NULL, kind text);\n" +
					"ALTER TABLE ONLY events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
				SQL: "CREATE INDEX events_kind_idx ON public.events USING btree (kind);", Fires: true},
			{Name: "sub-partitioned partition in the baseline", Baseline: subPartitionedEvents,
				SQL: "CREATE INDEX ON events (kind, at);", Fires: true},
			{Name: "on a partition from the baseline that is itself partitioned", Baseline: subPartitionedEvents,
				SQL: "CREATE INDEX events_2026_kind_idx ON events_2026 (kind);", Fires: true},
			{Name: "parent from the baseline renamed in the file", Baseline: partitionedEvents,
				SQL: "ALTER TABLE events RENAME TO activity;\nCREATE INDEX activity_kind_idx ON activity (kind);", Fires: true},
			{Name: "ON ONLY a parent from the baseline", Baseline: partitionedEvents,
				SQL: "CREATE INDEX events_kind_idx ON ONLY events (kind);"},
			{Name: "concurrently on a partition from the baseline", Baseline: subPartitionedEvents,
				SQL: "CREATE INDEX CONCURRENTLY events_2025_kind_idx ON events_2025 (kind);"},
			{Name: "parent from the baseline dropped and created again unpartitioned", Baseline: partitionedEvents,
				SQL: "DROP TABLE events;\nCREATE TABLE events (id bigint, at date NOT NULL, kind text);\n" +
					"CREATE INDEX events_kind_idx ON events (kind);"},
		},
	}
}

// partitionedEvents is a baseline with a partitioned table and a partition.
const partitionedEvents = "CREATE TABLE events (id bigint, at date NOT NULL, kind text) PARTITION BY RANGE (at);\n" +
	"CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');"

// subPartitionedEvents adds a partition that is itself partitioned.
const subPartitionedEvents = partitionedEvents + "\n" +
	"CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01') PARTITION BY LIST (kind);\n" +
	"CREATE TABLE events_2026_click PARTITION OF events_2026 FOR VALUES IN ('click');\n" +
	"CREATE TABLE events_2026_other PARTITION OF events_2026 DEFAULT;"

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

// partitionedIndexSQL renders the parent index ON ONLY the parent, an
// index per known partition and the attachments.
func partitionedIndexSQL(c *rule.Context, ix *pg_query.IndexStmt, parts []schema.QualifiedName) string {
	parent := rule.RelName(ix.Relation)
	suffix := indexSuffix(ix)
	name := sibling(parent, ix.Idxname)
	if ix.Idxname == "" {
		name = sibling(parent, parent.Name+"_"+suffix)
	}
	var b strings.Builder
	b.WriteString("-- The parent index, ON ONLY the parent: instant, invalid until every partition's index is attached.\n")
	b.WriteString(indexOn(c, ix, parent, name, false) + "\n")
	if len(parts) == 0 {
		b.WriteString("-- For each partition: CREATE INDEX CONCURRENTLY IF NOT EXISTS <partition>_" + suffix + " ON <partition> (...);\n")
		b.WriteString("-- then ALTER INDEX " + rule.QuoteQualified(name) + " ATTACH PARTITION <partition>_" + suffix + ";")
		return b.String()
	}
	b.WriteString("-- Each partition's index without blocking writes, then attached to the parent index.\n")
	partitionIndexSQL(c, &b, ix, name, parts, map[string]bool{rule.TableKey(parent.String()): true})
	return strings.TrimSuffix(b.String(), "\n")
}

// partitionIndexSQL writes, for each partition, its index and its
// attachment to the parent's index (named parentIndex). A partition that is
// itself partitioned cannot build its index CONCURRENTLY: it gets one ON
// ONLY it, with its own partitions' indexes attached in turn. seen guards
// against a partition listed twice.
func partitionIndexSQL(c *rule.Context, b *strings.Builder, ix *pg_query.IndexStmt, parentIndex schema.QualifiedName,
	parts []schema.QualifiedName, seen map[string]bool) {
	for _, p := range parts {
		key := rule.TableKey(p.String())
		if seen[key] {
			continue
		}
		seen[key] = true
		name := sibling(p, p.Name+"_"+indexSuffix(ix))
		if sub := partitioningOf(c, p); sub.known {
			b.WriteString(indexOn(c, ix, p, name, false) + "\n")
			partitionIndexSQL(c, b, ix, name, sub.partitions, seen)
		} else {
			b.WriteString(indexOn(c, ix, p, name, true) + "\n")
		}
		b.WriteString("ALTER INDEX " + rule.QuoteQualified(parentIndex) + " ATTACH PARTITION " + rule.QuoteQualified(name) + ";\n")
	}
}

// indexOn renders the reviewed index as CREATE INDEX IF NOT EXISTS name on
// table: CONCURRENTLY when concurrent is set, else ON ONLY the table.
func indexOn(c *rule.Context, ix *pg_query.IndexStmt, table, name schema.QualifiedName, concurrent bool) string {
	one := proto.Clone(ix).(*pg_query.IndexStmt)
	one.Relation = &pg_query.RangeVar{Schemaname: table.Schema, Relname: table.Name, Inh: concurrent, Relpersistence: "p"}
	one.Concurrent, one.Idxname, one.IfNotExists = concurrent, name.Name, true
	return c.Deparse(&pg_query.Node{Node: &pg_query.Node_IndexStmt{IndexStmt: one}})
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
