package audit

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
)

// btreeIndex is a valid btree index of app.table on cols, with its
// definition; parent, when not "", is the partitioned index it is attached
// to.
func btreeIndex(table, name string, size int64, parent string, cols ...string) IndexStats {
	return IndexStats{Schema: "app", Table: table, Name: name, SizeBytes: size, Valid: true, Ready: true, Method: "btree",
		Columns: cols, ParentIndex: parent,
		Definition: "CREATE INDEX " + name + " ON app." + table + " USING btree (" + strings.Join(cols, ", ") + ")"}
}

// partitionedIndex is a valid index of partitioned table app.table, defined
// as pg_get_indexdef writes it (ON ONLY).
func partitionedIndex(table, name string, size int64, cols ...string) IndexStats {
	x := btreeIndex(table, name, size, "", cols...)
	x.Partitioned = true
	x.Definition = "CREATE INDEX " + name + " ON ONLY app." + table + " USING btree (" + strings.Join(cols, ", ") + ")"
	return x
}

// withPartitions is healthy with partitioned table app.ev (partitions ev_1
// and ev_2) and the given indexes.
func withPartitions(xs ...IndexStats) *Snapshot {
	s := healthy()
	s.Tables = append(s.Tables,
		TableStats{Schema: "app", Name: "ev", Partitioned: true},
		TableStats{Schema: "app", Name: "ev_1", PartitionOf: "app.ev", NLiveTup: 200_000, TotalBytes: 40 << 20},
		TableStats{Schema: "app", Name: "ev_2", PartitionOf: "app.ev", NLiveTup: 200_000, TotalBytes: 40 << 20})
	s.Indexes = append(s.Indexes, xs...)
	return s
}

// subPartitioned makes partition app.ev_1 of s partitioned in turn, with
// partitions ev_1a and ev_1b.
func subPartitioned(s *Snapshot) *Snapshot {
	i := slices.IndexFunc(s.Tables, func(t TableStats) bool { return t.Name == "ev_1" })
	s.Tables[i].Partitioned, s.Tables[i].NLiveTup, s.Tables[i].TotalBytes = true, 0, 0
	s.Tables = append(s.Tables,
		TableStats{Schema: "app", Name: "ev_1a", PartitionOf: "app.ev_1", NLiveTup: 100_000, TotalBytes: 20 << 20},
		TableStats{Schema: "app", Name: "ev_1b", PartitionOf: "app.ev_1", NLiveTup: 100_000, TotalBytes: 20 << 20})
	return s
}

// inPartitionedIndex is an index on payload of partitioned partition
// app.table, attached to parent unless it is "".
func inPartitionedIndex(table, name, parent string, valid bool) IndexStats {
	x := partitionedIndex(table, name, 0, "payload")
	x.ParentIndex, x.Valid = parent, valid
	return x
}

// uniqueIndex is a valid unique btree index of app.table on id.
func uniqueIndex(table, name string, edit func(*IndexStats)) IndexStats {
	x := btreeIndex(table, name, 2<<20, "", "id")
	x.Unique, x.IdxScan = true, 1000
	x.Definition = "CREATE UNIQUE INDEX " + name + " ON app." + table + " USING btree (id)"
	if edit != nil {
		edit(&x)
	}
	return x
}

// TestIndexChecksOnPartitions: a partitioned index is reported with a
// plain DROP INDEX and a CREATE INDEX without ONLY (neither can run
// CONCURRENTLY on one), its attached partitions' indexes never on their own,
// and unused-index judges it by its partitions' sums.
func TestIndexChecksOnPartitions(t *testing.T) {
	const mb = 1 << 20
	tests := []struct {
		name     string
		s        *Snapshot
		check    string
		findings []string
		object   string // whose remediation and undo are checked
		drop     string
		undo     string
	}{{
		name: "duplicate partitioned indexes: the parent, with a plain drop",
		s: withPartitions(
			partitionedIndex("ev", "ev_kind_a", 24*mb, "kind"), partitionedIndex("ev", "ev_kind_b", 24*mb, "kind"),
			btreeIndex("ev_1", "ev_1_kind_idx", 12*mb, "app.ev_kind_a", "kind"), btreeIndex("ev_1", "ev_1_kind_idx1", 12*mb, "app.ev_kind_b", "kind"),
			btreeIndex("ev_2", "ev_2_kind_idx", 12*mb, "app.ev_kind_a", "kind"), btreeIndex("ev_2", "ev_2_kind_idx1", 12*mb, "app.ev_kind_b", "kind")),
		check:    CheckDuplicateIndex,
		findings: []string{"warning app.ev_kind_b"},
		object:   "app.ev_kind_b",
		drop:     "DROP INDEX app.ev_kind_b;",
		undo:     "CREATE INDEX ev_kind_b ON app.ev USING btree (kind);",
	}, {
		name: "a partition's own index duplicating an attached one is dropped concurrently",
		s: withPartitions(partitionedIndex("ev", "ev_kind_a", 24*mb, "kind"),
			btreeIndex("ev_1", "ev_1_kind_idx", 12*mb, "app.ev_kind_a", "kind"), btreeIndex("ev_1", "ev_1_kind_own", 12*mb, "", "kind"),
			btreeIndex("ev_2", "ev_2_kind_idx", 12*mb, "app.ev_kind_a", "kind")),
		check:    CheckDuplicateIndex,
		findings: []string{"warning app.ev_1_kind_own"},
		object:   "app.ev_1_kind_own",
		drop:     "DROP INDEX CONCURRENTLY app.ev_1_kind_own;",
		undo:     "CREATE INDEX CONCURRENTLY ev_1_kind_own ON app.ev_1 USING btree (kind);",
	}, {
		name: "redundant partitioned index: the parent",
		s: withPartitions(
			partitionedIndex("ev", "ev_at", 24*mb, "at"), partitionedIndex("ev", "ev_at_kind", 30*mb, "at", "kind"),
			btreeIndex("ev_1", "ev_1_at_idx", 12*mb, "app.ev_at", "at"), btreeIndex("ev_1", "ev_1_at_kind_idx", 15*mb, "app.ev_at_kind", "at", "kind"),
			btreeIndex("ev_2", "ev_2_at_idx", 12*mb, "app.ev_at", "at"), btreeIndex("ev_2", "ev_2_at_kind_idx", 15*mb, "app.ev_at_kind", "at", "kind")),
		check:    CheckRedundantIndex,
		findings: []string{"warning app.ev_at"},
		object:   "app.ev_at",
		drop:     "DROP INDEX app.ev_at;",
		undo:     "CREATE INDEX ev_at ON app.ev USING btree (at);",
	}, {
		name: "unused partitioned index: the parent by its sums, not the partitions' indexes",
		s: withPartitions(partitionedIndex("ev", "ev_tag", 23*mb, "tag"),
			btreeIndex("ev_1", "ev_1_tag_idx", 11*mb+mb/2, "app.ev_tag", "tag"),
			btreeIndex("ev_2", "ev_2_tag_idx", 11*mb+mb/2, "app.ev_tag", "tag")),
		check:    CheckUnusedIndex,
		findings: []string{"warning app.ev_tag"},
		object:   "app.ev_tag",
		drop:     "DROP INDEX app.ev_tag;",
		undo:     "CREATE INDEX ev_tag ON app.ev USING btree (tag);",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Analyze(tt.s)
			if _, fs := result(r, tt.check); !slices.Equal(fs, tt.findings) {
				t.Fatalf("findings %q, want %q", fs, tt.findings)
			}
			f := findingOf(t, r, tt.check, tt.object)
			if f.Remediation != tt.drop || f.Undo != tt.undo {
				t.Errorf("remediation %q, undo %q; want %q, %q", f.Remediation, f.Undo, tt.drop, tt.undo)
			}
			exclusive := slices.ContainsFunc(f.Caveats, func(c string) bool {
				return strings.Contains(c, "ACCESS EXCLUSIVE") && strings.Contains(c, "no online way")
			})
			online := slices.ContainsFunc(f.Caveats, func(c string) bool {
				return strings.Contains(c, "ON ONLY") && strings.Contains(c, "ATTACH PARTITION")
			})
			if partitioned := strings.HasPrefix(tt.drop, "DROP INDEX app."); exclusive != partitioned || online != partitioned {
				t.Errorf("lock caveats %v / online path %v, want %v: %q", exclusive, online, partitioned, f.Caveats)
			}
		})
	}
}

// TestDuplicateIndexKeepsWhatCannotGo: the index a foreign key depends on,
// the replica identity and an immediate unique index are kept over their
// duplicates; an exclusion constraint's index is nobody's duplicate.
func TestDuplicateIndexKeepsWhatCannotGo(t *testing.T) {
	fk := func(x *IndexStats) { x.ReferencedBy = []string{"app.rc.rc_ref_id_fkey"} }
	tests := []struct {
		name        string
		indexes     []IndexStats
		findings    []string
		object      string
		remediation string // "" for none; a prefix otherwise
	}{{
		name:        "the index the foreign key uses is kept, whatever the names",
		indexes:     []IndexStats{uniqueIndex("ref", "z_ref_id", fk), uniqueIndex("ref", "a_ref_id", nil)},
		findings:    []string{"warning app.a_ref_id"},
		object:      "app.a_ref_id",
		remediation: "DROP INDEX CONCURRENTLY app.a_ref_id;",
	}, {
		name: "of two unique constraints, the one the foreign key uses is kept",
		indexes: []IndexStats{
			uniqueIndex("ref", "ref_z", func(x *IndexStats) { fk(x); x.Constraint, x.ConstraintType = "ref_z", "unique" }),
			uniqueIndex("ref", "ref_a", func(x *IndexStats) { x.Constraint, x.ConstraintType = "ref_a", "unique" })},
		findings:    []string{"info app.ref_a"},
		object:      "app.ref_a",
		remediation: "-- After checking that no foreign key references it (pg_constraint.confrelid, conindid):\n-- ALTER TABLE app.ref DROP CONSTRAINT ref_a;",
	}, {
		name: "both used by foreign keys: noted, nothing to drop",
		indexes: []IndexStats{uniqueIndex("ref", "z_ref_id", fk),
			uniqueIndex("ref", "a_ref_id", func(x *IndexStats) { x.ReferencedBy = []string{"app.rc2.rc2_ref_id_fkey"} })},
		findings: []string{"info app.z_ref_id"},
		object:   "app.z_ref_id",
	}, {
		name: "a deferrable constraint gives way to the replica identity",
		indexes: []IndexStats{
			uniqueIndex("ri2", "ri2_def", func(x *IndexStats) { x.Constraint, x.ConstraintType, x.Deferrable = "ri2_def", "unique", true }),
			uniqueIndex("ri2", "ri2_id", func(x *IndexStats) { x.ReplicaIdentity = true })},
		findings:    []string{"info app.ri2_def"},
		object:      "app.ri2_def",
		remediation: "-- After checking that no foreign key references it (pg_constraint.confrelid, conindid):\n-- ALTER TABLE app.ri2 DROP CONSTRAINT ri2_def;",
	}, {
		name: "an exclusion constraint's index is not a duplicate of a unique index",
		indexes: []IndexStats{
			uniqueIndex("excl", "excl_id", func(x *IndexStats) { x.Unique, x.Constraint, x.ConstraintType = false, "excl_id", "exclusion" }),
			uniqueIndex("excl", "excl_uniq", func(x *IndexStats) { x.ReplicaIdentity = true })},
	}, {
		name: "the replica identity moves to an immediate unique index only",
		indexes: []IndexStats{uniqueIndex("ri", "ri_a", nil),
			uniqueIndex("ri", "ri_b", func(x *IndexStats) { x.ReplicaIdentity = true })},
		findings:    []string{"warning app.ri_a"},
		object:      "app.ri_a",
		remediation: "DROP INDEX CONCURRENTLY app.ri_a;",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := healthy()
			for _, x := range tt.indexes {
				s.Tables = append(s.Tables, TableStats{Schema: "app", Name: x.Table})
				s.Indexes = append(s.Indexes, x)
			}
			s.Tables = slices.CompactFunc(s.Tables, func(a, b TableStats) bool { return a.Name == b.Name })
			r := Analyze(s)
			if _, fs := result(r, CheckDuplicateIndex); !slices.Equal(fs, tt.findings) {
				t.Fatalf("findings %q, want %q", fs, tt.findings)
			}
			if tt.object == "" {
				return
			}
			f := findingOf(t, r, CheckDuplicateIndex, tt.object)
			if !strings.HasPrefix(f.Remediation, tt.remediation) || tt.remediation == "" && f.Remediation != "" {
				t.Errorf("remediation %q, want %q", f.Remediation, tt.remediation)
			}
			if tt.remediation == "" && !strings.Contains(f.Message, "no drop to run") {
				t.Errorf("message does not say why nothing is dropped: %s", f.Message)
			}
		})
	}
}

// TestRedundantIndexKeepsImmediateUniqueness: a unique index is not
// redundant to a deferrable one, nor an index foreign keys depend on.
func TestRedundantIndexKeepsImmediateUniqueness(t *testing.T) {
	wide := func(x *IndexStats) { x.Include = []string{"v"} }
	tests := []struct {
		name     string
		narrow   func(*IndexStats)
		wide     func(*IndexStats)
		findings []string
	}{
		{"both immediate", nil, wide, []string{"warning app.r_narrow"}},
		{"the wider one is deferrable", nil, func(x *IndexStats) { wide(x); x.Deferrable = true }, nil},
		{"a foreign key depends on the narrow one", func(x *IndexStats) { x.ReferencedBy = []string{"app.c.c_fkey"} }, wide, nil},
		{"the narrow one is attached to a partitioned index", func(x *IndexStats) { x.ParentIndex = "app.r_wide" }, wide, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := healthy()
			s.Tables = append(s.Tables, TableStats{Schema: "app", Name: "r"})
			s.Indexes = append(s.Indexes, uniqueIndex("r", "r_narrow", tt.narrow), uniqueIndex("r", "r_wide", tt.wide))
			if _, fs := result(Analyze(s), CheckRedundantIndex); !slices.Equal(fs, tt.findings) {
				t.Errorf("findings %q, want %q", fs, tt.findings)
			}
		})
	}
}

// TestInvalidPartitionedIndex: a partitioned index left not valid by
// CREATE INDEX ... ON ONLY gets the partitions that lack an index, built
// concurrently and attached, not a REINDEX, and nothing about its table's
// own (zero) rows.
func TestInvalidPartitionedIndex(t *testing.T) {
	only := partitionedIndex("ev", "ev_payload", 0, "payload")
	only.Valid = false
	tests := []struct {
		name          string
		s             *Snapshot
		has           []string
		hasNot        []string
		undo, undoNot []string // what the undo has, and has not
	}{{
		name: "no partition has an index",
		s:    withPartitions(only),
		has: []string{
			"CREATE INDEX CONCURRENTLY ev_1_payload_idx ON app.ev_1 USING btree (payload);\nALTER INDEX app.ev_payload ATTACH PARTITION app.ev_1_payload_idx;",
			"CREATE INDEX CONCURRENTLY ev_2_payload_idx ON app.ev_2 USING btree (payload);\nALTER INDEX app.ev_payload ATTACH PARTITION app.ev_2_payload_idx;",
			"-- DROP INDEX app.ev_payload;",
		},
		hasNot: []string{"REINDEX", "0 rows", "rebuilding it is quick", "kept up to date"},
	}, {
		name: "one partition has one, and a name is taken by an index of other keys",
		s: withPartitions(only, btreeIndex("ev_1", "ev_1_payload_idx", 1<<20, "app.ev_payload", "payload"),
			btreeIndex("ev_2", "ev_2_payload_idx", 1<<20, "", "payload", "id")),
		has:    []string{"CREATE INDEX CONCURRENTLY ev_2_payload_idx1 ON app.ev_2", "ATTACH PARTITION app.ev_2_payload_idx1;", "app.ev_2)"},
		hasNot: []string{"ON app.ev_1 ", "REINDEX", "kept up to date", "ATTACH PARTITION app.ev_2_payload_idx;"},
		undo: []string{"DROP INDEX app.ev_payload;\nCREATE INDEX ev_payload ON ONLY app.ev USING btree (payload);\n" +
			"CREATE INDEX CONCURRENTLY ev_1_payload_idx ON app.ev_1 USING btree (payload);\n" +
			"ALTER INDEX app.ev_payload ATTACH PARTITION app.ev_1_payload_idx;"},
		undoNot: []string{"ev_2"},
	}, {
		name: "a partition's own index with the same definition is attached, not built",
		s:    withPartitions(only, btreeIndex("ev_1", "ev_1_payload_own", 1<<20, "", "payload")),
		has: []string{
			"ALTER INDEX app.ev_payload ATTACH PARTITION app.ev_1_payload_own;\n" +
				"CREATE INDEX CONCURRENTLY ev_2_payload_idx ON app.ev_2 USING btree (payload);\n" +
				"ALTER INDEX app.ev_payload ATTACH PARTITION app.ev_2_payload_idx;",
		},
		hasNot: []string{"ON app.ev_1 ", "ev_1_payload_idx"},
		undo: []string{"DROP INDEX app.ev_payload;\nCREATE INDEX ev_payload ON ONLY app.ev USING btree (payload);\n" +
			"-- Dropping ev_payload dropped app.ev_1_payload_own too",
			"\nCREATE INDEX CONCURRENTLY ev_1_payload_own ON app.ev_1 USING btree (payload);"},
		undoNot: []string{"ATTACH PARTITION", "ev_2"},
	}, {
		name: "an index that differs in order, uniqueness or is attached elsewhere is not attached",
		s: withPartitions(only,
			func() IndexStats {
				x := btreeIndex("ev_1", "ev_1_payload_desc", 1<<20, "", "payload")
				x.KeyOptions, x.Definition = []string{"DESC"}, "CREATE INDEX ev_1_payload_desc ON app.ev_1 USING btree (payload DESC)"
				return x
			}(),
			func() IndexStats {
				x := btreeIndex("ev_1", "ev_1_payload_uniq", 1<<20, "", "payload")
				x.Unique = true
				return x
			}(),
			func() IndexStats {
				x := btreeIndex("ev_1", "ev_1_payload_bad", 1<<20, "", "payload")
				x.Valid = false
				return x
			}(),
			partitionedIndex("ev", "ev_payload_other", 0, "payload"),
			btreeIndex("ev_1", "ev_1_payload_other", 1<<20, "app.ev_payload_other", "payload")),
		has:    []string{"CREATE INDEX CONCURRENTLY ev_1_payload_idx ON app.ev_1 USING btree (payload);"},
		hasNot: []string{"ATTACH PARTITION app.ev_1_payload_desc", "uniq", "ATTACH PARTITION app.ev_1_payload_bad", "ATTACH PARTITION app.ev_1_payload_other"},
	}, {
		name: "a sub-partitioned partition gets an index ON ONLY it, completed before it is attached",
		s:    subPartitioned(withPartitions(only)),
		has: []string{"CREATE INDEX ev_1_payload_idx ON ONLY app.ev_1 USING btree (payload);\n" +
			"CREATE INDEX CONCURRENTLY ev_1a_payload_idx ON app.ev_1a USING btree (payload);\n" +
			"ALTER INDEX app.ev_1_payload_idx ATTACH PARTITION app.ev_1a_payload_idx;\n" +
			"CREATE INDEX CONCURRENTLY ev_1b_payload_idx ON app.ev_1b USING btree (payload);\n" +
			"ALTER INDEX app.ev_1_payload_idx ATTACH PARTITION app.ev_1b_payload_idx;\n" +
			"ALTER INDEX app.ev_payload ATTACH PARTITION app.ev_1_payload_idx;\n" +
			"CREATE INDEX CONCURRENTLY ev_2_payload_idx ON app.ev_2 USING btree (payload);\n" +
			"ALTER INDEX app.ev_payload ATTACH PARTITION app.ev_2_payload_idx;\n"},
		hasNot: []string{"is partitioned too", "CONCURRENTLY ev_1_payload_idx"},
		undo:   []string{"DROP INDEX app.ev_payload;\nCREATE INDEX ev_payload ON ONLY app.ev USING btree (payload);"},
	}, {
		name: "an attached sub-partitioned index that is not valid is completed, not built again",
		s: subPartitioned(withPartitions(only, inPartitionedIndex("ev_1", "ev_1_payload_idx", "app.ev_payload", false),
			btreeIndex("ev_1a", "ev_1a_payload_idx", 1<<20, "app.ev_1_payload_idx", "payload"),
			btreeIndex("ev_2", "ev_2_payload_idx", 1<<20, "app.ev_payload", "payload"))),
		has: []string{"app.ev_1_payload_idx, attached to it, is not valid",
			"\nCREATE INDEX CONCURRENTLY ev_1b_payload_idx ON app.ev_1b USING btree (payload);\n" +
				"ALTER INDEX app.ev_1_payload_idx ATTACH PARTITION app.ev_1b_payload_idx;\n-- or, if no query needs it:"},
		hasNot: []string{"ev_1_payload_idx1", "ON app.ev_1a", "ON app.ev_2", "ATTACH PARTITION app.ev_1_payload_idx;"},
		undo: []string{"DROP INDEX app.ev_payload;\nCREATE INDEX ev_payload ON ONLY app.ev USING btree (payload);\n" +
			"CREATE INDEX ev_1_payload_idx ON ONLY app.ev_1 USING btree (payload);\n" +
			"CREATE INDEX CONCURRENTLY ev_1a_payload_idx ON app.ev_1a USING btree (payload);\n" +
			"ALTER INDEX app.ev_1_payload_idx ATTACH PARTITION app.ev_1a_payload_idx;\n" +
			"ALTER INDEX app.ev_payload ATTACH PARTITION app.ev_1_payload_idx;\n" +
			"CREATE INDEX CONCURRENTLY ev_2_payload_idx ON app.ev_2 USING btree (payload);\n" +
			"ALTER INDEX app.ev_payload ATTACH PARTITION app.ev_2_payload_idx;"},
		undoNot: []string{"ev_1b"},
	}, {
		name: "a sub-partitioned partition's own partitioned index is completed and attached",
		s: subPartitioned(withPartitions(only, inPartitionedIndex("ev_1", "ev_1_payload_own", "", false),
			btreeIndex("ev_1b", "ev_1b_payload_own", 1<<20, "app.ev_1_payload_own", "payload"))),
		has: []string{"CREATE INDEX CONCURRENTLY ev_1a_payload_idx ON app.ev_1a USING btree (payload);\n" +
			"ALTER INDEX app.ev_1_payload_own ATTACH PARTITION app.ev_1a_payload_idx;\n" +
			"ALTER INDEX app.ev_payload ATTACH PARTITION app.ev_1_payload_own;\n"},
		hasNot: []string{"ev_1_payload_idx", "ON app.ev_1b"},
		undo: []string{"\nCREATE INDEX ev_1_payload_own ON ONLY app.ev_1 USING btree (payload);\n" +
			"CREATE INDEX CONCURRENTLY ev_1b_payload_own ON app.ev_1b USING btree (payload);\n" +
			"ALTER INDEX app.ev_1_payload_own ATTACH PARTITION app.ev_1b_payload_own;"},
		undoNot: []string{"ATTACH PARTITION app.ev_1_payload_own", "ev_1a"},
	}, {
		name:   "partitions not known",
		s:      func() *Snapshot { s := withPartitions(only); s.Tables = s.Tables[:3]; return s }(),
		has:    []string{"-- For each partition without an index attached", "pg_partition_tree"},
		hasNot: []string{"REINDEX", "kept up to date"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := findingOf(t, Analyze(tt.s), CheckInvalidIndex, "app.ev_payload")
			all := f.Message + "\n" + f.Why + "\n" + f.Remediation + "\n" + strings.Join(f.Caveats, "\n")
			wantTexts(t, all, tt.has, tt.hasNot)
			for _, want := range tt.undo {
				if !strings.Contains(f.Undo, want) {
					t.Errorf("undo lacks %q:\n%s", want, f.Undo)
				}
			}
			for _, not := range tt.undoNot {
				if strings.Contains(f.Undo, not) {
					t.Errorf("undo has %q:\n%s", not, f.Undo)
				}
			}
			if f.Severity != workflow.SeverityWarning {
				t.Errorf("severity %s", f.Severity)
			}
		})
	}
}

// TestParseSnapshotIndexLinks: constraint_type and parent_index are
// checked.
func TestParseSnapshotIndexLinks(t *testing.T) {
	const head = `{"captured_at": "2026-11-02T09:30:00Z", "server_version": "16", "database": {"name": "d"}, "indexes": [
  {"schema": "app", "table": "ev", "name": "p", "valid": true, "partitioned": true},
  {"schema": "app", "table": "ev_1", "name": "c", "valid": true, `
	tests := []struct{ name, index, err string }{
		{"attached", `"parent_index": "app.p", "constraint_type": "unique"}]}`, ""},
		{"unknown constraint type", `"constraint_type": "check"}]}`, `3:85: index app.c: constraint_type "check" is not primary, unique or exclusion`},
		{"missing parent", `"parent_index": "app.q"}]}`, `parent_index "app.q" is not another index of the snapshot`},
		{"its own parent", `"parent_index": "app.c"}]}`, `parent_index "app.c" is not another index of the snapshot`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSnapshot("s.json", []byte(head+tt.index))
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("error %v", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("error %v, want %q", err, tt.err)
			}
		})
	}
}

// TestIndexTotalCountsPartitionsOnce: a partitioned index's size is the sum
// of its partitions' indexes, which the inventory lists too; the total
// counts those bytes once.
func TestIndexTotalCountsPartitionsOnce(t *testing.T) {
	s := &Snapshot{Indexes: []IndexStats{
		{Schema: "app", Table: "ev", Name: "ev_kind", SizeBytes: 3 << 20, Partitioned: true, Valid: true},
		{Schema: "app", Table: "ev_2024", Name: "ev_2024_kind_idx", SizeBytes: 1 << 20, ParentIndex: "app.ev_kind", Valid: true},
		{Schema: "app", Table: "ev_2025", Name: "ev_2025_kind_idx", SizeBytes: 2 << 20, ParentIndex: "app.ev_kind", Valid: true},
	}}
	if d := indexItem(s).Detail; !strings.Contains(d, "3 indexes, "+md.Bytes(3<<20)+" in all") {
		t.Errorf("total:\n%s", d)
	}
	s.CapturedAt, s.ServerVersion, s.Database.Name = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC), "16.4", "db"
	if d := overviewItem("s.json", s, Analyze(s)).Detail; !strings.Contains(d, "3 indexes ("+md.Bytes(3<<20)+")") {
		t.Errorf("overview total:\n%s", d)
	}
}

// TestCacheAdviceNeedsItsView: the cache-hit-ratio remediation queries
// pg_stat_statements only where the snapshot shows it installed, by its
// schema; otherwise it lists the tables from pg_statio_user_tables.
func TestCacheAdviceNeedsItsView(t *testing.T) {
	for _, c := range []struct {
		name string
		pgss *PGSSInfo
		want string
	}{
		{"installed in its own schema", &PGSSInfo{Schema: "ext"}, "FROM ext.pg_stat_statements"},
		{"not installed", nil, "FROM pg_statio_user_tables"},
	} {
		s, err := ParseSnapshot("audit/stats-snapshot.json", sampleSnapshot(t))
		if err != nil {
			t.Fatal(err)
		}
		s.Server.PGSS = c.pgss
		var found bool
		for _, f := range Analyze(s).Findings {
			if f.Check == CheckCacheHitRatio {
				found = true
				if !strings.Contains(f.Remediation, c.want) {
					t.Errorf("%s: remediation lacks %q:\n%s", c.name, c.want, f.Remediation)
				}
			}
		}
		if !found {
			t.Fatalf("%s: the sample has no cache-hit-ratio finding", c.name)
		}
	}
}

// TestInvalidPartitionedIndexNoFailingSQL: what the completion cannot write
// is left as comments all through (an ATTACH of an index never built would
// fail), an exclusion constraint gets only comments, an attached index not
// valid is rebuilt and attached again, never dropped, and a table name
// with a quote is doubled in the pg_partition_tree caveat.
func TestInvalidPartitionedIndexNoFailingSQL(t *testing.T) {
	only := partitionedIndex("ev", "ev_payload", 0, "payload")
	only.Valid = false
	odd := only
	odd.Definition = "CREATE INDEX ev_payload ON ONLY app.ev USING btree ((("
	excl := only
	excl.Constraint, excl.ConstraintType = "ev_excl", "exclusion"
	attached := btreeIndex("ev_1", "ev_1_payload", 1<<20, "app.ev_payload", "payload")
	attached.Valid = false
	quote := partitionedIndex("e'v", "ev_payload", 0, "payload")
	quote.Valid = false
	tests := []struct {
		name     string
		s        *Snapshot
		object   string
		runnable []string // the statements that run, in order
		has      []string
		hasNot   []string
	}{{
		name:     "a definition the rewrite cannot read",
		s:        withPartitions(odd),
		object:   "app.ev_payload",
		runnable: nil,
		has:      []string{"-- ALTER INDEX app.ev_payload ATTACH PARTITION app.ev_1_payload_idx;", "left as comments"},
	}, {
		name:   "an exclusion constraint",
		s:      withPartitions(excl),
		object: "app.ev_payload",
		has:    []string{"-- ALTER TABLE ONLY app.ev_1 ADD CONSTRAINT", "-- ALTER TABLE ONLY app.ev DROP CONSTRAINT ev_excl;"},
		hasNot: []string{"DROP INDEX"},
	}, {
		name:     "an attached index not valid, with a valid twin",
		s:        withPartitions(only, attached, btreeIndex("ev_1", "ev_1_payload_twin", 1<<20, "", "payload")),
		object:   "app.ev_1_payload",
		runnable: []string{"REINDEX INDEX CONCURRENTLY app.ev_1_payload;", "ALTER INDEX app.ev_payload ATTACH PARTITION app.ev_1_payload;"},
		hasNot:   []string{"DROP INDEX", "becomes valid once"},
	}, {
		name:     "the parent of an attached index not valid",
		s:        withPartitions(only, attached, btreeIndex("ev_2", "ev_2_payload", 1<<20, "app.ev_payload", "payload")),
		object:   "app.ev_payload",
		runnable: []string{"REINDEX INDEX CONCURRENTLY app.ev_1_payload;", "ALTER INDEX app.ev_payload ATTACH PARTITION app.ev_1_payload;"},
	}, {
		name: "every attached index valid, the parent not",
		s: withPartitions(only, btreeIndex("ev_1", "ev_1_payload", 1<<20, "app.ev_payload", "payload"),
			btreeIndex("ev_2", "ev_2_payload", 1<<20, "app.ev_payload", "payload")),
		object:   "app.ev_payload",
		runnable: []string{"ALTER INDEX app.ev_payload ATTACH PARTITION app.ev_1_payload;"},
	}, {
		name: "partitions not known, a quote in the table name",
		s: func() *Snapshot {
			s := healthy()
			s.Tables = append(s.Tables, TableStats{Schema: "app", Name: "e'v", Partitioned: true})
			s.Indexes = append(s.Indexes, quote)
			return s
		}(),
		object: "app.ev_payload",
		has:    []string{`pg_partition_tree('app."e''v"')`},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := findingOf(t, Analyze(tt.s), CheckInvalidIndex, tt.object)
			var runnable []string
			for _, l := range strings.Split(f.Remediation, "\n") {
				if l != "" && !strings.HasPrefix(l, "--") {
					runnable = append(runnable, l)
				}
			}
			if !slices.Equal(runnable, tt.runnable) {
				t.Errorf("runs %q, want %q:\n%s", runnable, tt.runnable, f.Remediation)
			}
			all := f.Message + "\n" + f.Remediation + "\n" + f.Undo + "\n" + strings.Join(f.Caveats, "\n")
			wantTexts(t, all, tt.has, tt.hasNot)
		})
	}
}

// wantTexts fails the test for each of has missing from all and each of
// hasNot in it.
func wantTexts(t *testing.T, all string, has, hasNot []string) {
	t.Helper()
	for _, want := range has {
		if !strings.Contains(all, want) {
			t.Errorf("lacks %q:\n%s", want, all)
		}
	}
	for _, not := range hasNot {
		if strings.Contains(all, not) {
			t.Errorf("has %q:\n%s", not, all)
		}
	}
}
