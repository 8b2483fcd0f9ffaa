package schema

import (
	"slices"
	"strings"
	"testing"
)

const partSchema = `
CREATE TABLE events (
  id bigint NOT NULL,
  at date NOT NULL,
  kind text DEFAULT 'click'
) PARTITION BY RANGE (at);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE INDEX events_kind_idx ON events (kind);
`

// eventsTable is the dump of a table with the columns of events.
func eventsTable(name string, extra ...string) string {
	return lines(append(append([]string{"table " + name}, extra...),
		"  id bigint not null", "  at date not null", "  kind text default 'click'")...)
}

func TestApplyPartitions(t *testing.T) { checkApply(t, partSchema, partitionCases()) }

// partitionCases replay partitioning statements onto partSchema (unless
// they bring their own setup).
func partitionCases() []applyCase {
	parent := eventsTable("events", "  partition by RANGE (at)")
	p2025 := eventsTable("events_2025", "  partition of events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')")
	index := "index events_kind_idx on events btree (kind)\n"
	base := parent + p2025 + index
	sub := partSchema + "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01') PARTITION BY LIST (kind);\n" +
		"CREATE TABLE events_2026_click PARTITION OF events_2026 FOR VALUES IN ('click', NULL);\n"
	plain := partSchema + "CREATE TABLE events_2024 (id bigint NOT NULL, at date NOT NULL, kind text DEFAULT 'click');\n"
	inherit := "CREATE TABLE base (id bigint NOT NULL, note text); CREATE TABLE child (extra int) INHERITS (base);"
	baseTable := lines("table base", "  id bigint not null", "  note text")
	return []applyCase{
		// CREATE TABLE ... PARTITION BY
		{
			name:  "partition by list on an expression with a collation",
			setup: " ",
			stmt:  `CREATE TABLE orders (id bigint, region text) PARTITION BY LIST (lower(region) COLLATE "C")`,
			want:  lines("table orders", `  partition by LIST ((lower(region)) COLLATE "C")`, "  id bigint", "  region text"),
		},
		{
			name:  "partition by hash on two columns, a hash partition",
			setup: " ",
			stmt: "CREATE TABLE accounts (id bigint, org int) PARTITION BY HASH (id, org int4_ops);" +
				"CREATE TABLE accounts_1 PARTITION OF accounts FOR VALUES WITH (MODULUS 4, REMAINDER 1)",
			want: lines("table accounts", "  partition by HASH (id, org int4_ops)", "  id bigint", "  org integer",
				"table accounts_1", "  partition of accounts FOR VALUES WITH (MODULUS 4, REMAINDER 1)", "  id bigint", "  org integer"),
		},
		{
			name:  "partition key: unknown column",
			setup: " ",
			stmt:  "CREATE TABLE t (a int) PARTITION BY RANGE (b)",
			err:   `column "b" named in partition key does not exist`,
		},
		{
			name:  "list partitioning on two columns",
			setup: " ",
			stmt:  "CREATE TABLE t (a int, b int) PARTITION BY LIST (a, b)",
			err:   `cannot use "list" partition strategy with more than one column`,
		},
		// CREATE TABLE ... PARTITION OF
		{
			name: "partition of takes the parent's columns",
			stmt: "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM (DATE '2026-01-01') TO (MAXVALUE)",
			want: parent + p2025 + eventsTable("events_2026", "  partition of events FOR VALUES FROM ('2026-01-01'::date) TO (MAXVALUE)") + index,
		},
		{
			name: "partition of with column options, a constraint and its own partitioning",
			stmt: "CREATE TABLE events_2026 PARTITION OF events (kind NOT NULL DEFAULT 'view', CONSTRAINT kind_known CHECK (kind <> ''))" +
				" FOR VALUES FROM ('2026-01-01') TO ('2027-01-01') PARTITION BY LIST (kind)",
			want: parent + p2025 + lines("table events_2026",
				"  partition of events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
				"  partition by LIST (kind)",
				"  id bigint not null", "  at date not null", "  kind text not null default 'view'",
				"  check kind_known: kind <> ''") + index,
		},
		{
			name: "default partition",
			stmt: "CREATE TABLE events_other PARTITION OF events DEFAULT",
			want: parent + p2025 + eventsTable("events_other", "  partition of events DEFAULT") + index,
		},
		{
			name:  "a second default partition",
			setup: partSchema + "CREATE TABLE events_other PARTITION OF events DEFAULT;",
			stmt:  "CREATE TABLE events_rest PARTITION OF events DEFAULT",
			err:   `partition "events_rest" conflicts with existing default partition "events_other"`,
		},
		{
			name: "partition of an unknown table",
			stmt: "CREATE TABLE e PARTITION OF nope FOR VALUES IN (1)",
			err:  `relation "nope" does not exist`,
		},
		{
			name:  "partition of a table that is not partitioned",
			setup: baseSchema,
			stmt:  "CREATE TABLE orders_1 PARTITION OF orders FOR VALUES IN (1)",
			err:   `"orders" is not partitioned`,
		},
		{
			name: "list bound for a range partition",
			stmt: "CREATE TABLE e PARTITION OF events FOR VALUES IN ('2027-01-01')",
			err:  "invalid bound specification for a range partition",
		},
		{
			name: "range bound with too many values",
			stmt: "CREATE TABLE e PARTITION OF events FOR VALUES FROM ('2027-01-01', 1) TO ('2028-01-01', 2)",
			err:  "FROM must specify exactly one value per partitioning column",
		},
		{
			name: "options for a column the parent lacks",
			stmt: "CREATE TABLE e PARTITION OF events (nope NOT NULL) FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')",
			err:  `column "nope" does not exist`,
		},
		// ATTACH / DETACH PARTITION
		{
			name:  "attach partition, as pg_dump writes it",
			setup: plain,
			stmt:  "ALTER TABLE ONLY events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
			want:  parent + p2025 + eventsTable("events_2024", "  partition of events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')") + index,
		},
		{
			name: "attach a partition twice",
			stmt: "ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
			err:  `"events_2025" is already a partition`,
		},
		{
			name:  "attach to a table that is not partitioned",
			setup: plain,
			stmt:  "ALTER TABLE events_2024 ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
			err:   `table "events_2024" is not partitioned`,
		},
		{
			name:  "attach a parent under its own partition",
			setup: sub,
			stmt:  "ALTER TABLE events_2026 ATTACH PARTITION events FOR VALUES IN ('view')",
			err:   "circular inheritance not allowed",
		},
		{
			name:  "attach an unknown table",
			setup: plain,
			stmt:  "ALTER TABLE events ATTACH PARTITION nope DEFAULT",
			err:   `relation "nope" does not exist`,
		},
		{
			name: "detach partition keeps the table and its columns",
			stmt: "ALTER TABLE events DETACH PARTITION events_2025",
			want: parent + eventsTable("events_2025") + index,
		},
		{
			name: "detach concurrently, then finalize",
			stmt: "ALTER TABLE events DETACH PARTITION events_2025 CONCURRENTLY; ALTER TABLE events DETACH PARTITION events_2025 FINALIZE",
			want: parent + eventsTable("events_2025") + index,
		},
		{
			name:  "detach a table that is not a partition",
			setup: plain,
			stmt:  "ALTER TABLE events DETACH PARTITION events_2024",
			err:   `relation "events_2024" is not a partition of relation "events"`,
		},
		// DROP
		{
			name:  "drop a parent drops its partitions and theirs",
			setup: sub + "CREATE TABLE notes (id int);",
			stmt:  "DROP TABLE events",
			want:  lines("table notes", "  id integer"),
		},
		{
			name: "drop a parent and its partition together",
			stmt: "DROP TABLE events, events_2025",
			want: "",
		},
		{
			name: "drop a partition",
			stmt: "DROP TABLE events_2025",
			want: parent + index,
		},
		{
			name:  "drop schema cascade takes partitions in other schemas",
			setup: "CREATE SCHEMA app; CREATE TABLE app.e (a int) PARTITION BY LIST (a); CREATE TABLE e_1 PARTITION OF app.e FOR VALUES IN (1);",
			stmt:  "DROP SCHEMA app CASCADE",
			want:  "",
		},
		{
			name:  "drop schema cascade leaves the parent of a partition in it",
			setup: "CREATE TABLE e (a int) PARTITION BY LIST (a); CREATE SCHEMA app; CREATE TABLE app.e_1 PARTITION OF e FOR VALUES IN (1);",
			stmt:  "DROP SCHEMA app CASCADE",
			want:  lines("table e", "  partition by LIST (a)", "  a integer"),
		},
		// RENAME
		{
			name: "rename a parent: its partitions follow",
			stmt: "ALTER TABLE events RENAME TO activity",
			want: strings.NewReplacer("table events\n", "table activity\n", "partition of events ", "partition of activity ", "on events ", "on activity ").Replace(base),
		},
		{
			name: "rename a partition key column",
			stmt: "ALTER TABLE events RENAME COLUMN at TO happened_at",
			want: strings.NewReplacer("RANGE (at)", "RANGE (happened_at)", "  at date", "  happened_at date").Replace(base),
		},
		{
			name: "rename a column of a partition",
			stmt: "ALTER TABLE events_2025 RENAME COLUMN kind TO sort",
			err:  `cannot rename inherited column "kind"`,
		},
		// Column actions reach the partitions.
		{
			name: "add a column to a parent",
			stmt: "ALTER TABLE events ADD COLUMN body jsonb NOT NULL DEFAULT '{}'",
			want: strings.ReplaceAll(base, "  kind text default 'click'\n", "  kind text default 'click'\n  body jsonb not null default '{}'\n"),
		},
		{
			name: "add a column to a partition",
			stmt: "ALTER TABLE events_2025 ADD COLUMN body jsonb",
			err:  "cannot add column to a partition",
		},
		{
			name: "add a column to only the parent",
			stmt: "ALTER TABLE ONLY events ADD COLUMN body jsonb",
			err:  "column must be added to child tables too",
		},
		{
			name: "drop a column of a parent",
			stmt: "ALTER TABLE events DROP COLUMN kind",
			want: strings.ReplaceAll(strings.ReplaceAll(base, "  kind text default 'click'\n", ""), index, ""),
		},
		{
			name: "drop a partition key column",
			stmt: "ALTER TABLE events DROP COLUMN at",
			err:  `cannot drop column "at" because it is part of the partition key of relation "events"`,
		},
		{
			name: "drop a column of a partition",
			stmt: "ALTER TABLE events_2025 DROP COLUMN kind",
			err:  `cannot drop inherited column "kind"`,
		},
		{
			name: "set not null and a type on a parent",
			stmt: "ALTER TABLE events ALTER COLUMN kind SET NOT NULL, ALTER COLUMN kind TYPE varchar(32)",
			want: strings.ReplaceAll(base, "  kind text default", "  kind varchar(32) not null default"),
		},
		{
			name: "change the type of a partition key column",
			stmt: "ALTER TABLE events ALTER COLUMN at TYPE timestamptz",
			err:  `cannot alter column "at" because it is part of the partition key of relation "events"`,
		},
		// Indexes
		{
			name: "index on a partitioned table concurrently",
			stmt: "CREATE INDEX CONCURRENTLY events_at_idx ON ONLY events (at)",
			err:  `cannot create index on partitioned table "events" concurrently`,
		},
		{
			name: "index ON ONLY a partitioned table",
			stmt: "CREATE INDEX events_at_idx ON ONLY events (at)",
			want: base + "index events_at_idx on events btree (at)\n",
		},
		// INHERITS
		{
			name:  "inherits: parent columns first, merged with the table's own",
			setup: "CREATE TABLE base (id bigint NOT NULL, note text)",
			stmt:  "CREATE TABLE child (extra int, note text NOT NULL) INHERITS (base)",
			want: baseTable + lines("table child", "  inherits base", "  id bigint not null",
				"  note text not null", "  extra integer"),
		},
		{
			name: "inherit from a partitioned table",
			stmt: "CREATE TABLE child (extra int) INHERITS (events)",
			err:  `cannot inherit from partitioned table "events"`,
		},
		{
			name:  "drop an inherited-from table without cascade",
			setup: inherit,
			stmt:  "DROP TABLE base",
			err:   "cannot drop table base because other objects depend on it",
		},
		{
			name:  "drop an inherited-from table with cascade",
			setup: inherit,
			stmt:  "DROP TABLE base CASCADE",
			want:  "",
		},
		{
			name:  "no inherit, inherit",
			setup: inherit + "CREATE TABLE other (id bigint);",
			stmt:  "ALTER TABLE child NO INHERIT base, INHERIT other",
			want: baseTable + lines("table child", "  inherits other", "  id bigint not null", "  note text", "  extra integer",
				"table other", "  id bigint"),
		},
		{
			name:  "inherit twice",
			setup: inherit,
			stmt:  "ALTER TABLE child INHERIT base",
			err:   `relation "base" would be inherited from more than once`,
		},
		{
			name:  "renaming a column of a parent renames the inherited one",
			setup: inherit,
			stmt:  "ALTER TABLE base RENAME COLUMN note TO remark",
			want: lines("table base", "  id bigint not null", "  remark text",
				"table child", "  inherits base", "  id bigint not null", "  remark text", "  extra integer"),
		},
	}
}

func TestPartitionLookups(t *testing.T) {
	m := mustBuild(t, partSchema+
		"CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01') PARTITION BY LIST (kind);\n"+
		"CREATE TABLE events_2026_click PARTITION OF events_2026 FOR VALUES IN ('click');\n"+
		"ALTER TABLE events_2025 RENAME TO events_y2025;\n"+
		"CREATE TABLE base (id int); CREATE TABLE child () INHERITS (base);")
	names := func(ts []*Table) []string {
		var out []string
		for _, x := range ts {
			out = append(out, x.String())
		}
		return out
	}
	events := m.Table("events")
	if got, want := names(m.PartitionsOf(events)), []string{"events_y2025", "events_2026"}; !slices.Equal(got, want) {
		t.Errorf("PartitionsOf(events) = %v, want %v", got, want)
	}
	if got := names(m.PartitionsOf(m.Table("events_2026"))); !slices.Equal(got, []string{"events_2026_click"}) {
		t.Errorf("PartitionsOf(events_2026) = %v", got)
	}
	if !events.Partitioned() || events.IsPartition() || m.ParentOf(events) != nil {
		t.Error("events should be a partitioned table that is not a partition")
	}
	if p := m.Table("events_y2025"); p.Partitioned() || !p.IsPartition() || m.ParentOf(p) != events {
		t.Error("events_y2025 should be a partition of events")
	}
	if got := events.PartitionBy.Columns(); !slices.Equal(got, []string{"at"}) {
		t.Errorf("partition key columns = %v", got)
	}
	if got := names(m.InheritorsOf(m.Table("base"))); !slices.Equal(got, []string{"child"}) {
		t.Errorf("InheritorsOf(base) = %v", got)
	}
}

func TestClonePartitioning(t *testing.T) {
	m := mustBuild(t, partSchema+"CREATE TABLE base (id int); CREATE TABLE child () INHERITS (base);")
	c := m.clone()
	c.Table("events").PartitionBy.Keys[0].Column = "changed"
	c.Table("child").Inherits[0].Name = "changed"
	if dump(m) != dump(mustBuild(t, partSchema+"CREATE TABLE base (id int); CREATE TABLE child () INHERITS (base);")) {
		t.Error("changing a clone's partitioning changed the model")
	}
}
