package audit

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/pgrollout/pgrollout/internal/pgtest"
)

// partitionsSQL builds what the index checks got wrong on partitioned
// tables, foreign keys, deferrable and exclusion constraints.
const partitionsSQL = `
CREATE SCHEMA app;
SET search_path = app;
CREATE TABLE ev (id bigint, kind text, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE ev_2024 PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE ev_2025 PARTITION OF ev FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO ev SELECT g, 'k' || (g % 50), date '2024-01-01' + (g % 730) FROM generate_series(1, 20000) g;
CREATE INDEX ev_kind_a ON ev (kind);
CREATE INDEX ev_kind_b ON ev (kind);
CREATE INDEX ev_at ON ev (at);
CREATE INDEX ev_at_kind ON ev (at, kind);
CREATE TABLE pbig (id bigint, tag text) PARTITION BY HASH (id);
CREATE TABLE pbig_1 PARTITION OF pbig FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE pbig_2 PARTITION OF pbig FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO pbig SELECT g, md5(g::text) FROM generate_series(1, 60000) g;
CREATE INDEX pbig_tag ON pbig (tag);
CREATE TABLE ref (id int NOT NULL);
CREATE UNIQUE INDEX z_ref_id ON ref (id);
CREATE UNIQUE INDEX a_ref_id ON ref (id);
CREATE TABLE rc (id int PRIMARY KEY, ref_id int REFERENCES ref (id));
CREATE TABLE ref2 (id int NOT NULL, CONSTRAINT ref2_z UNIQUE (id));
CREATE TABLE rc2 (id int PRIMARY KEY, ref_id int REFERENCES ref2 (id));
ALTER TABLE ref2 ADD CONSTRAINT ref2_a UNIQUE (id);
CREATE TABLE ri2 (id int NOT NULL, CONSTRAINT ri2_def UNIQUE (id) DEFERRABLE);
CREATE UNIQUE INDEX ri2_id ON ri2 (id);
ALTER TABLE ri2 REPLICA IDENTITY USING INDEX ri2_id;
CREATE TABLE excl (id int NOT NULL);
ALTER TABLE excl ADD CONSTRAINT excl_id EXCLUDE USING btree (id WITH =);
CREATE UNIQUE INDEX excl_uniq ON excl (id);
ALTER TABLE excl REPLICA IDENTITY USING INDEX excl_uniq;
CREATE TABLE events (id bigint, payload text, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_a PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_b PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO events SELECT g, 'p' || g, date '2024-01-01' + (g % 730) FROM generate_series(1, 20000) g;
CREATE INDEX events_only_parent ON ONLY events (payload);
ANALYZE;
`

// TestPartitionsAndConstraintsLive collects partitioned tables and
// indexes, the foreign keys that depend on an index, deferrable and exclusion
// constraints; the index checks report on what can be dropped, with
// remediations and undos that run (executed here on the scratch database).
func TestPartitionsAndConstraintsLive(t *testing.T) {
	db := pgtest.NewDB(t)
	admin := db.Connect(t)
	ctx := context.Background()
	if _, err := admin.Exec(ctx, partitionsSQL); err != nil {
		t.Fatalf("seed: %v", err)
	}
	s, _ := collectAs(t, db.DSN)

	t.Run("collected", func(t *testing.T) {
		if ev, part := liveTable(t, s, "ev"), liveTable(t, s, "ev_2024"); !ev.Partitioned || ev.PartitionOf != "" ||
			part.Partitioned || part.PartitionOf != "app.ev" {
			t.Errorf("ev %+v, ev_2024 %+v", ev, part)
		}
		parent := liveIndex(t, s, "pbig_tag")
		var sum int64
		for _, x := range s.Indexes {
			if x.ParentIndex == "app.pbig_tag" {
				sum += x.SizeBytes
			}
		}
		if !parent.Partitioned || parent.ParentIndex != "" || sum < 1<<20 || parent.SizeBytes != sum {
			t.Errorf("pbig_tag %+v: size %d, want the sum of its partitions' %d", parent, parent.SizeBytes, sum)
		}
		if x := liveIndex(t, s, "z_ref_id"); !slices.Equal(x.ReferencedBy, []string{"app.rc.rc_ref_id_fkey"}) {
			t.Errorf("z_ref_id referenced by %q", x.ReferencedBy)
		}
		if x := liveIndex(t, s, "a_ref_id"); len(x.ReferencedBy) != 0 {
			t.Errorf("a_ref_id referenced by %q", x.ReferencedBy)
		}
		if x := liveIndex(t, s, "ri2_def"); !x.Deferrable || x.ConstraintType != "unique" {
			t.Errorf("ri2_def %+v", x)
		}
		if x := liveIndex(t, s, "ri2_id"); x.Deferrable || x.ConstraintType != "" {
			t.Errorf("ri2_id %+v", x)
		}
		if x := liveIndex(t, s, "excl_id"); x.ConstraintType != "exclusion" {
			t.Errorf("excl_id %+v", x)
		}
	})

	// ref2's foreign key uses whichever unique constraint PostgreSQL chose:
	// the other one is the duplicate.
	fkUses, other := "ref2_z", "ref2_a"
	if len(liveIndex(t, s, "ref2_a").ReferencedBy) > 0 {
		fkUses, other = other, fkUses
	}
	r := Analyze(s)
	want := map[string][]string{
		CheckDuplicateIndex: {"warning app.a_ref_id", "warning app.ev_kind_b", "info app." + other, "info app.ri2_def"},
		CheckRedundantIndex: {"warning app.ev_at"},
		CheckInvalidIndex:   {"warning app.events_only_parent"},
	}
	for check, objects := range want {
		_, got := result(r, check)
		slices.Sort(got)
		slices.Sort(objects)
		if !slices.Equal(got, objects) {
			t.Errorf("%s: %q, want %q", check, got, objects)
		}
	}
	_, unused := result(r, CheckUnusedIndex)
	if !slices.Contains(unused, "info app.pbig_tag") || slices.ContainsFunc(unused, func(o string) bool {
		return strings.Contains(o, "_idx") || strings.Contains(o, fkUses)
	}) {
		t.Errorf("unused-index: %q, want app.pbig_tag and no partition's index", unused)
	}

	// Each remediation runs, and so does its undo; a remediation left as a
	// comment is run uncommented.
	runs := []struct {
		check, object string
		after, undone string // the index's state after each: "valid", "invalid" or "gone"
		index         string
	}{
		{CheckDuplicateIndex, "app.ev_kind_b", "gone", "valid", "app.ev_kind_b"},
		{CheckDuplicateIndex, "app.a_ref_id", "gone", "valid", "app.a_ref_id"},
		{CheckDuplicateIndex, "app." + other, "gone", "", "app." + other},
		{CheckDuplicateIndex, "app.ri2_def", "gone", "", "app.ri2_def"},
		{CheckRedundantIndex, "app.ev_at", "gone", "valid", "app.ev_at"},
		{CheckUnusedIndex, "app.pbig_tag", "gone", "valid", "app.pbig_tag"},
		{CheckInvalidIndex, "app.events_only_parent", "valid", "invalid", "app.events_only_parent"},
	}
	for _, run := range runs {
		t.Run(run.check+" "+run.object, func(t *testing.T) {
			f := findingOf(t, r, run.check, run.object)
			execScript(t, admin, uncomment(f.Remediation, "ALTER TABLE"))
			if got := indexState(t, admin, run.index); got != run.after {
				t.Fatalf("after the remediation %s is %s, want %s:\n%s", run.index, got, run.after, f.Remediation)
			}
			if run.undone == "" {
				return
			}
			execScript(t, admin, f.Undo)
			if got := indexState(t, admin, run.index); got != run.undone {
				t.Errorf("after the undo %s is %s, want %s:\n%s", run.index, got, run.undone, f.Undo)
			}
		})
	}
}

// uncomment turns the commented-out statements starting with prefix into
// statements.
func uncomment(sql, prefix string) string {
	lines := strings.Split(sql, "\n")
	for i, l := range lines {
		if rest, ok := strings.CutPrefix(l, "-- "); ok && strings.HasPrefix(rest, prefix) {
			lines[i] = rest
		}
	}
	return strings.Join(lines, "\n")
}

// execScript runs the statements of sql one at a time (CREATE INDEX
// CONCURRENTLY cannot run in the implicit transaction of a multi-statement
// query), skipping comment lines.
func execScript(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	var stmt strings.Builder
	for _, l := range strings.Split(sql, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "--") {
			continue
		}
		stmt.WriteString(l + "\n")
		if strings.HasSuffix(strings.TrimSpace(l), ";") {
			if _, err := conn.Exec(context.Background(), stmt.String()); err != nil {
				t.Fatalf("%s: %v", stmt.String(), err)
			}
			stmt.Reset()
		}
	}
	if strings.TrimSpace(stmt.String()) != "" {
		t.Fatalf("statement without a semicolon: %s", stmt.String())
	}
}

// indexState says whether the index exists, and then whether it is valid.
func indexState(t *testing.T, conn *pgx.Conn, name string) string {
	t.Helper()
	var valid *bool
	err := conn.QueryRow(context.Background(),
		"SELECT x.indisvalid FROM pg_index x WHERE x.indexrelid = to_regclass($1)", name).Scan(&valid)
	switch {
	case err == pgx.ErrNoRows:
		return "gone"
	case err != nil:
		t.Fatal(err)
	case *valid:
		return "valid"
	}
	return "invalid"
}

// TestInvalidPartitionedIndexLive: the remediation of a partitioned index
// left not valid by CREATE INDEX ... ON ONLY completes the whole partition
// tree in one pass, attaching a partition's own index with the same
// definition rather than building a second one; a second audit finds
// nothing left, and the undo brings the indexes (definition, validity,
// parent) back to what they were.
func TestInvalidPartitionedIndexLive(t *testing.T) {
	const multiLevel = `
CREATE SCHEMA app;
SET search_path = app;
CREATE TABLE ml (k int, p int, q int) PARTITION BY LIST (p);
CREATE TABLE ml_a PARTITION OF ml FOR VALUES IN (1) PARTITION BY LIST (q);
CREATE TABLE ml_a1 PARTITION OF ml_a FOR VALUES IN (1);
CREATE TABLE ml_a2 PARTITION OF ml_a FOR VALUES IN (2);
CREATE TABLE ml_b PARTITION OF ml FOR VALUES IN (2);
INSERT INTO ml SELECT g, 1 + g % 2, 1 + g % 4 / 2 FROM generate_series(1, 1000) g;
CREATE INDEX ml_k ON ONLY ml (k);
`
	tests := []struct {
		name string
		seed string
		root string
		keep []string // the user's own indexes, there after the remediation
	}{{
		name: "multi-level, nothing built yet",
		seed: multiLevel,
		root: "app.ml_k",
	}, {
		name: "a partition's own index with the same definition",
		seed: `
CREATE SCHEMA app;
SET search_path = app;
CREATE TABLE m (k int, p int) PARTITION BY LIST (p);
CREATE TABLE m1 PARTITION OF m FOR VALUES IN (1);
CREATE TABLE m2 PARTITION OF m FOR VALUES IN (2);
INSERT INTO m SELECT g, 1 + g % 2 FROM generate_series(1, 1000) g;
CREATE INDEX m1_k_own ON m1 (k);
CREATE INDEX m2_k_desc ON m2 (k DESC);
CREATE INDEX m_k ON ONLY m (k);
`,
		root: "app.m_k",
		keep: []string{"app.m1_k_own", "app.m2_k_desc"},
	}, {
		name: "a sub-partitioned partition's index attached, not valid",
		seed: multiLevel + `
CREATE INDEX ml_a_k_idx ON ONLY ml_a (k);
ALTER INDEX ml_k ATTACH PARTITION ml_a_k_idx;
CREATE INDEX ml_a1_k ON ml_a1 (k);
ALTER INDEX ml_a_k_idx ATTACH PARTITION ml_a1_k;
`,
		root: "app.ml_k",
		keep: []string{"app.ml_a_k_idx", "app.ml_a1_k"},
	}, {
		name: "a sub-partitioned partition's index attached and valid",
		seed: multiLevel + `
CREATE INDEX ml_a_k_idx ON ONLY ml_a (k);
CREATE INDEX ml_a1_k ON ml_a1 (k);
ALTER INDEX ml_a_k_idx ATTACH PARTITION ml_a1_k;
CREATE INDEX ml_a2_k ON ml_a2 (k);
ALTER INDEX ml_a_k_idx ATTACH PARTITION ml_a2_k;
ALTER INDEX ml_k ATTACH PARTITION ml_a_k_idx;
`,
		root: "app.ml_k",
		keep: []string{"app.ml_a_k_idx", "app.ml_a1_k", "app.ml_a2_k"},
	}, {
		name: "own indexes at every level, not attached",
		seed: multiLevel + `
CREATE INDEX ml_a_own ON ONLY ml_a (k);
CREATE INDEX ml_a2_own ON ml_a2 (k);
ALTER INDEX ml_a_own ATTACH PARTITION ml_a2_own;
CREATE INDEX ml_a1_other ON ml_a1 (k) WHERE k > 0;
CREATE INDEX ml_b_own ON ml_b (k);
`,
		root: "app.ml_k",
		keep: []string{"app.ml_a_own", "app.ml_a2_own", "app.ml_a1_other", "app.ml_b_own"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, conn, s := seededSnapshot(t, tt.seed)
			f := findingOf(t, Analyze(s), CheckInvalidIndex, tt.root)
			before := indexCatalog(t, conn)

			execScript(t, conn, f.Remediation)
			if got := indexState(t, conn, tt.root); got != "valid" {
				t.Fatalf("after the remediation %s is %s:\n%s", tt.root, got, f.Remediation)
			}
			for _, x := range tt.keep {
				if got := indexState(t, conn, x); got != "valid" {
					t.Errorf("after the remediation %s is %s:\n%s", x, got, f.Remediation)
				}
			}
			if twins := duplicateIndexes(t, conn); len(twins) > 0 {
				t.Errorf("after the remediation tables have two indexes with one definition: %q:\n%s", twins, f.Remediation)
			}
			again, _ := collectAs(t, db.DSN)
			if _, fs := result(Analyze(again), CheckInvalidIndex); len(fs) > 0 {
				t.Errorf("a second audit still finds %q after:\n%s", fs, f.Remediation)
			}

			execScript(t, conn, f.Undo)
			if after := indexCatalog(t, conn); !slices.Equal(after, before) {
				t.Errorf("after the undo the indexes differ:\n%s\nundo:\n%s", pgtest.Diff(before, after), f.Undo)
			}
		})
	}
}

// indexCatalog lists the indexes of schema app with their definition,
// validity and the index they are attached to.
func indexCatalog(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), `
SELECT format('%s valid=%s parent=%s', pg_get_indexdef(x.indexrelid), x.indisvalid, coalesce(p.relname, ''))
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace
LEFT JOIN pg_inherits h ON h.inhrelid = x.indexrelid LEFT JOIN pg_class p ON p.oid = h.inhparent
WHERE n.nspname = 'app' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

// duplicateIndexes lists the tables of schema app with two indexes of the
// same definition but for the name.
func duplicateIndexes(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), `
SELECT x.indrelid::regclass::text
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace
WHERE n.nspname = 'app'
GROUP BY x.indrelid, regexp_replace(pg_get_indexdef(x.indexrelid), '^CREATE (UNIQUE )?INDEX \S+ ', '')
HAVING count(*) > 1 ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return tables
}

// TestInvalidPartitionFixesLive: the completion of a partitioned index that
// backs a constraint adds the partitions' constraints (ATTACH refuses an
// index without one), and an attached index that is not valid is rebuilt
// and attached again, never dropped. After the remediation the root is
// valid (for a re-attach, from PostgreSQL 14: before, ATTACH of an index
// already attached does not validate the parent) and a second audit finds
// nothing; the undo brings the indexes back to what they were.
func TestInvalidPartitionFixesLive(t *testing.T) {
	const pk = `
CREATE SCHEMA app;
SET search_path = app;
CREATE TABLE p (id int NOT NULL, k int) PARTITION BY RANGE (id);
CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10);
CREATE TABLE p2 PARTITION OF p FOR VALUES FROM (10) TO (20) PARTITION BY RANGE (id);
CREATE TABLE p21 PARTITION OF p2 FOR VALUES FROM (10) TO (15);
CREATE TABLE p22 PARTITION OF p2 FOR VALUES FROM (15) TO (20);
INSERT INTO p SELECT g, g FROM generate_series(0, 19) g;
`
	const attached = `
CREATE SCHEMA app;
SET search_path = app;
CREATE TABLE q (id int, v int) PARTITION BY LIST (id);
CREATE TABLE q1 PARTITION OF q FOR VALUES IN (1);
CREATE TABLE q2 PARTITION OF q FOR VALUES IN (2);
CREATE INDEX q_v ON ONLY q (v);
CREATE INDEX q2_v ON q2 (v);
ALTER INDEX q_v ATTACH PARTITION q2_v;
CREATE INDEX q1_v ON q1 (v);
CREATE INDEX q1_v_twin ON q1 (v);
UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'q1_v'::regclass;
ALTER INDEX q_v ATTACH PARTITION q1_v;
`
	tests := []struct {
		name    string
		seed    string
		object  string // the finding run
		root    string // valid after it
		reindex bool   // the fix is a re-attach (validates from PostgreSQL 14)
		has     []string
		hasNot  []string
	}{{
		name:   "primary key, plain and sub-partitioned partitions",
		seed:   pk + "ALTER TABLE ONLY p ADD PRIMARY KEY (id);\n",
		object: "app.p_pkey", root: "app.p_pkey",
		has: []string{"ALTER TABLE app.p1 ADD CONSTRAINT p1_pkey PRIMARY KEY USING INDEX p1_pkey;",
			"ALTER TABLE ONLY app.p2 ADD CONSTRAINT p2_pkey PRIMARY KEY (id);", "ALTER TABLE ONLY app.p DROP CONSTRAINT p_pkey;"},
	}, {
		name:   "unique constraint with INCLUDE, a name taken",
		seed:   pk + "CREATE TABLE p1_id_key (x int);\nALTER TABLE ONLY p ADD CONSTRAINT p_u UNIQUE (id) INCLUDE (k);\n",
		object: "app.p_u", root: "app.p_u",
		has: []string{"ADD CONSTRAINT p1_id_key1 UNIQUE USING INDEX p1_id_key1;", "ALTER TABLE ONLY app.p2 ADD CONSTRAINT p2_id_key UNIQUE (id) INCLUDE (k);"},
	}, {
		name:   "an attached index not valid, with a valid twin",
		seed:   attached,
		object: "app.q1_v", root: "app.q_v", reindex: true,
		has:    []string{"REINDEX INDEX CONCURRENTLY app.q1_v;\nALTER INDEX app.q_v ATTACH PARTITION app.q1_v;"},
		hasNot: []string{"DROP INDEX"},
	}, {
		name:   "the parent of an attached index not valid",
		seed:   attached,
		object: "app.q_v", root: "app.q_v", reindex: true,
		has: []string{"REINDEX INDEX CONCURRENTLY app.q1_v;\nALTER INDEX app.q_v ATTACH PARTITION app.q1_v;"},
	}, {
		name:   "every attached index valid, the parent not",
		seed:   attached + "REINDEX INDEX q1_v;\n",
		object: "app.q_v", root: "app.q_v", reindex: true,
		has:    []string{"ALTER INDEX app.q_v ATTACH PARTITION app.q"},
		hasNot: []string{"REINDEX"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, conn, s := seededSnapshot(t, tt.seed)
			f := findingOf(t, Analyze(s), CheckInvalidIndex, tt.object)
			for _, want := range tt.has {
				if !strings.Contains(f.Remediation+"\n"+f.Undo, want) {
					t.Errorf("lacks %q:\n%s\nundo:\n%s", want, f.Remediation, f.Undo)
				}
			}
			for _, not := range tt.hasNot {
				if strings.Contains(f.Remediation, not) {
					t.Errorf("has %q:\n%s", not, f.Remediation)
				}
			}
			before := indexCatalog(t, conn)

			execScript(t, conn, f.Remediation)
			if tt.reindex && (&analysis{s: s}).major() < 14 {
				return
			}
			if got := indexState(t, conn, tt.root); got != "valid" {
				t.Fatalf("after the remediation %s is %s:\n%s", tt.root, got, f.Remediation)
			}
			again, _ := collectAs(t, db.DSN)
			if _, fs := result(Analyze(again), CheckInvalidIndex); len(fs) > 0 {
				t.Errorf("a second audit still finds %q after:\n%s", fs, f.Remediation)
			}
			if tt.reindex {
				return // nothing to undo
			}
			execScript(t, conn, f.Undo)
			if after := indexCatalog(t, conn); !slices.Equal(after, before) {
				t.Errorf("after the undo the indexes differ:\n%s\nundo:\n%s", pgtest.Diff(before, after), f.Undo)
			}
		})
	}
}

// seededSnapshot runs seed (then ANALYZE) in a new scratch database and
// collects it as the superuser.
func seededSnapshot(t *testing.T, seed string) (pgtest.DB, *pgx.Conn, *Snapshot) {
	t.Helper()
	db := pgtest.NewDB(t)
	conn := db.Connect(t)
	if _, err := conn.Exec(context.Background(), seed+"ANALYZE;"); err != nil {
		t.Fatalf("seed: %v", err)
	}
	s, _ := collectAs(t, db.DSN)
	return db, conn, s
}
