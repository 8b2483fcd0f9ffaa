package audit

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pgrollout/pgrollout/workflow"
)

// captured is the capture time of the test snapshots.
var captured = time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// healthy is a live-collected snapshot on which no check finds anything:
// a 40-day window, a parent and a child table with the foreign key indexed,
// a bigint sequence far from its limit, low bloat, a 99.9 % hit ratio and
// young XIDs. The test cases change one part of it.
func healthy() *Snapshot {
	const mb = 1 << 20
	return &Snapshot{
		CapturedAt:    captured,
		ServerVersion: "16.4",
		StatsReset:    captured.Add(-40 * 24 * time.Hour),
		Database:      DatabaseStats{Name: "shop", XactCommit: 1e6, BlksHit: 999_000, BlksRead: 1_000, XIDAge: 5_000_000, MXIDAge: 10},
		Server: &ServerInfo{
			VersionNum: 160004, User: "auditor", Roles: []string{"pg_monitor", "pg_read_all_data"},
			PGSS:        &PGSSInfo{Schema: "public", Version: "1.10", Readable: true, QueryTextVisible: true},
			TrackCounts: true, TrackIOTiming: true,
			Settings: map[string]string{"work_mem": "4MB", "log_temp_files": "-1", "autovacuum_freeze_max_age": "200000000"},
		},
		Tables: []TableStats{
			{Schema: "app", Name: "parent", SeqScan: 10, SeqTupRead: 100_000, IdxScan: 50_000, NLiveTup: 10_000,
				NTupIns: 100, NTupUpd: 2_000, NTupDel: 10, TotalBytes: 50 * mb, XIDAge: 4_000_000,
				HeapBlksRead: 10, HeapBlksHit: 100_000},
			{Schema: "app", Name: "child", SeqScan: 5, SeqTupRead: 5_000_000, IdxScan: 90_000, NLiveTup: 1_000_000,
				NTupIns: 50_000, NTupUpd: 1_000, TotalBytes: 200 * mb, XIDAge: 5_000_000,
				HeapBlksRead: 100, HeapBlksHit: 800_000},
		},
		Indexes: []IndexStats{
			{Schema: "app", Table: "parent", Name: "parent_pkey", IdxScan: 50_000, SizeBytes: 2 * mb, Unique: true, Primary: true,
				Valid: true, Ready: true, Method: "btree", Columns: []string{"id"}, Constraint: "parent_pkey",
				Definition: "CREATE UNIQUE INDEX parent_pkey ON app.parent USING btree (id)"},
			{Schema: "app", Table: "child", Name: "child_pkey", IdxScan: 60_000, SizeBytes: 20 * mb, Unique: true, Primary: true,
				Valid: true, Ready: true, Method: "btree", Columns: []string{"id"}, Constraint: "child_pkey",
				Definition: "CREATE UNIQUE INDEX child_pkey ON app.child USING btree (id)"},
			{Schema: "app", Table: "child", Name: "child_parent_id_idx", IdxScan: 30_000, SizeBytes: 20 * mb,
				Valid: true, Ready: true, Method: "btree", Columns: []string{"parent_id"},
				Definition: "CREATE INDEX child_parent_id_idx ON app.child USING btree (parent_id)"},
		},
		Statements: []StatementStats{
			{QueryID: 7, Query: "SELECT * FROM child WHERE parent_id = $1", Calls: 30_000, TotalExecTimeMs: 3000, MeanExecTimeMs: 0.1, Rows: 90_000},
		},
		ForeignKeys: []ForeignKeyStats{
			{Schema: "app", Table: "child", Name: "child_parent_id_fkey", Columns: []string{"parent_id"}, RefSchema: "app", RefTable: "parent"},
		},
		Sequences: []SequenceStats{
			{Schema: "app", Name: "child_id_seq", DataType: "bigint", LastValue: ptr(int64(1_000_000)), Readable: true,
				MinValue: 1, MaxValue: 1<<63 - 1, Increment: 1, OwnedBy: "app.child.id", ColumnType: "bigint"},
		},
		Bloat: []BloatEstimate{
			{Kind: "table", Schema: "app", Name: "child", RealBytes: 180 * mb, ExtraBytes: 10 * mb},
			{Kind: "index", Schema: "app", Name: "child_pkey", Table: "child", RealBytes: 20 * mb, ExtraBytes: 2 * mb},
		},
		Sections: []Section{
			{Name: SectionTables, Status: SectionCollected}, {Name: SectionIndexes, Status: SectionCollected},
			{Name: SectionStatements, Status: SectionCollected}, {Name: SectionForeignKeys, Status: SectionCollected},
			{Name: SectionSequences, Status: SectionCollected}, {Name: SectionBloat, Status: SectionCollected},
			{Name: SectionXID, Status: SectionCollected},
		},
	}
}

// handWritten is healthy without what only a live collection gives.
func handWritten() *Snapshot {
	s := healthy()
	s.Server, s.ForeignKeys, s.Sequences, s.Bloat, s.Sections = nil, nil, nil, nil, nil
	s.Database.XIDAge, s.Database.MXIDAge = 0, 0
	for i := range s.Tables {
		s.Tables[i].XIDAge = 0
	}
	for i := range s.Indexes {
		s.Indexes[i].Method, s.Indexes[i].Columns, s.Indexes[i].Ready = "", nil, false
	}
	return s
}

// result returns one check's result and its findings as "severity object".
func result(r Report, check string) (CheckResult, []string) {
	i := slices.IndexFunc(r.Capabilities, func(c CheckResult) bool { return c.Check == check })
	var fs []string
	for _, f := range r.Findings {
		if f.Check == check {
			fs = append(fs, string(f.Severity)+" "+f.Object)
		}
	}
	if i < 0 {
		return CheckResult{}, fs
	}
	return r.Capabilities[i], fs
}

func findingOf(t *testing.T, r Report, check, object string) Finding {
	t.Helper()
	for _, f := range r.Findings {
		if f.Check == check && f.Object == object {
			return f
		}
	}
	t.Fatalf("no %s finding on %s", check, object)
	return Finding{}
}

func TestAnalyzeHealthy(t *testing.T) {
	r := Analyze(healthy())
	if len(r.Capabilities) != len(Checks()) {
		t.Fatalf("%d results", len(r.Capabilities))
	}
	for i, c := range r.Capabilities {
		if c.Check != Checks()[i] || c.Status != StatusEvaluated || c.Reason != "" || len(c.Observations) == 0 {
			t.Errorf("%+v: want %s evaluated, without a reason, with observations", c, Checks()[i])
		}
	}
	if len(r.Findings) != 0 {
		t.Errorf("findings on a healthy snapshot: %+v", r.Findings)
	}
	if r.Database != "shop" || r.ServerVersion != "16.4" || r.Window != "40 d since stats_reset (2026-09-23T09:30:00Z)" {
		t.Errorf("report header %q %q %q", r.Database, r.ServerVersion, r.Window)
	}
}

// TestChecks runs every check on a snapshot that makes it fire and on one
// that does not, and on the snapshots it cannot evaluate in full.
func TestChecks(t *testing.T) {
	const mb = 1 << 20
	tests := []struct {
		name, check string
		edit        func(s *Snapshot)
		status      CheckStatus
		reason      string   // a part of the reason; "" for none
		findings    []string // "severity object", in report order
	}{
		// seq-scan-pressure
		{"seq scans without index share", CheckSeqScanPressure, func(s *Snapshot) {
			s.Tables[1].SeqScan, s.Tables[1].SeqTupRead, s.Tables[1].IdxScan = 500, 500_000_000, 100
		}, StatusEvaluated, "", []string{"warning app.child"}},
		{"seq scans minor and mostly indexed", CheckSeqScanPressure, func(s *Snapshot) {
			s.Tables[0].SeqScan, s.Tables[0].SeqTupRead = 200, 5_000_000_000
			s.Tables[1].SeqScan, s.Tables[1].SeqTupRead, s.Tables[1].IdxScan = 200, 200_000_000, 90_000
		}, StatusEvaluated, "", []string{"warning app.parent", "info app.child"}},
		{"few seq scans", CheckSeqScanPressure, func(s *Snapshot) {
			s.Tables[1].SeqScan, s.Tables[1].SeqTupRead, s.Tables[1].IdxScan = 99, 99_000_000, 0
		}, StatusEvaluated, "", nil},
		{"small scans", CheckSeqScanPressure, func(s *Snapshot) {
			s.Tables[1].SeqScan, s.Tables[1].SeqTupRead, s.Tables[1].IdxScan = 1000, 9_000_000, 0
		}, StatusEvaluated, "", nil},
		{"writes above reads", CheckSeqScanPressure, func(s *Snapshot) {
			s.Tables[1].SeqScan, s.Tables[1].SeqTupRead, s.Tables[1].IdxScan, s.Tables[1].NTupIns = 200, 2_000_000, 0, 3_000_000
		}, StatusEvaluated, "", nil},
		{"track_counts off", CheckSeqScanPressure, func(s *Snapshot) { s.Server.TrackCounts = false }, StatusSkipped, "track_counts is off", nil},
		{"tables not collected", CheckSeqScanPressure, func(s *Snapshot) {
			s.Sections[0] = Section{Name: SectionTables, Status: SectionSkipped, Reason: "permission denied for pg_stat_user_tables"}
		}, StatusSkipped, "the tables section was not collected: permission denied", nil},

		// temp-writes
		{"temp a GiB a day", CheckTempWrites, func(s *Snapshot) { s.Database.TempFiles, s.Database.TempBytes = 4000, 50<<30 },
			StatusEvaluated, "", []string{"warning database shop"}},
		{"little temp", CheckTempWrites, func(s *Snapshot) { s.Database.TempFiles, s.Database.TempBytes = 2, 10*mb },
			StatusEvaluated, "", []string{"info database shop"}},
		{"statement spills", CheckTempWrites, func(s *Snapshot) {
			s.Database.TempFiles, s.Database.TempBytes = 10, 100*mb
			s.Statements[0].TempBlksWritten = 100 * mb / 8192 * 9 / 10
			s.Statements = append(s.Statements, StatementStats{QueryID: 8, Query: "SELECT 2", Calls: 1, TempBlksWritten: 100 * mb / 8192 / 200})
		}, StatusEvaluated, "", []string{"warning queryid 7", "info database shop"}},
		{"no temp", CheckTempWrites, func(*Snapshot) {}, StatusEvaluated, "", nil},
		{"pg_stat_statements not installed", CheckTempWrites, func(s *Snapshot) {
			s.Server.PGSS = nil
			s.Database.TempFiles, s.Database.TempBytes = 2, 10*mb
		}, StatusDegraded, "pg_stat_statements is not installed in this database", []string{"info database shop"}},
		{"pg_stat_statements unreadable", CheckTempWrites, func(s *Snapshot) { s.Server.PGSS.Readable = false },
			StatusDegraded, "pg_stat_statements cannot be read by role auditor", nil},
		{"query texts hidden", CheckTempWrites, func(s *Snapshot) {
			s.Server.PGSS.QueryTextVisible = false
			s.Statements[0].TempBlksWritten = 10
		}, StatusDegraded, "query texts are hidden from role auditor", []string{"warning queryid 7"}},
		{"hand-written without statements", CheckTempWrites, func(s *Snapshot) { s.Server, s.Statements = nil, nil },
			StatusDegraded, "the snapshot has no pg_stat_statements rows", nil},
		{"statements evicted", CheckTempWrites, func(s *Snapshot) {
			s.Sections[2] = Section{Name: SectionStatements, Status: SectionSkipped, Reason: "pg_stat_statements evicted entries during the interval"}
		}, StatusDegraded, "pg_stat_statements was not collected (pg_stat_statements evicted entries", nil},

		{"NULLS NOT DISTINCT is not a duplicate", CheckDuplicateIndex, func(s *Snapshot) {
			s.Indexes = append(s.Indexes,
				IndexStats{Schema: "app", Table: "child", Name: "child_code_nnd", Valid: true, Unique: true, IdxScan: 5, SizeBytes: mb,
					Definition: "CREATE UNIQUE INDEX child_code_nnd ON app.child USING btree (code) NULLS NOT DISTINCT"},
				IndexStats{Schema: "app", Table: "child", Name: "child_code_key", Valid: true, Unique: true, IdxScan: 5, SizeBytes: mb,
					Definition: "CREATE UNIQUE INDEX child_code_key ON app.child USING btree (code)"})
		}, StatusEvaluated, "", nil},
		// unused-index
		{"unused large index", CheckUnusedIndex, func(s *Snapshot) {
			s.ForeignKeys = nil
			s.Indexes[2].IdxScan = 0
		}, StatusEvaluated, "", []string{"warning app.child_parent_id_idx"}},
		{"rarely used large index", CheckUnusedIndex, func(s *Snapshot) { s.ForeignKeys = nil; s.Indexes[2].IdxScan = 49 },
			StatusEvaluated, "", []string{"info app.child_parent_id_idx"}},
		{"unused small index", CheckUnusedIndex, func(s *Snapshot) {
			s.ForeignKeys = nil
			s.Indexes[2].IdxScan, s.Indexes[2].SizeBytes = 0, 1*mb
		}, StatusEvaluated, "", []string{"info app.child_parent_id_idx"}},
		{"unused tiny index is counted, not listed", CheckUnusedIndex, func(s *Snapshot) {
			s.ForeignKeys = nil
			s.Indexes[2].IdxScan, s.Indexes[2].SizeBytes = 0, 16<<10
		}, StatusEvaluated, "", nil},
		{"unused index serving a foreign key", CheckUnusedIndex, func(s *Snapshot) { s.Indexes[2].IdxScan = 0 },
			StatusEvaluated, "", []string{"info app.child_parent_id_idx"}},
		{"unused primary key", CheckUnusedIndex, func(s *Snapshot) { s.Indexes[0].IdxScan = 0 },
			StatusEvaluated, "", []string{"info app.parent_pkey"}},
		{"rarely used primary key", CheckUnusedIndex, func(s *Snapshot) { s.Indexes[0].IdxScan = 3 }, StatusEvaluated, "", nil},
		{"invalid or being built is not unused", CheckUnusedIndex, func(s *Snapshot) {
			s.Indexes[2].IdxScan, s.Indexes[2].Valid = 0, false
			s.Indexes[1].IdxScan, s.Indexes[1].BeingBuilt = 0, true
		}, StatusEvaluated, "", nil},
		{"no foreign keys in the snapshot", CheckUnusedIndex, func(s *Snapshot) {
			s.ForeignKeys, s.Sections = nil, nil
			s.Indexes[2].IdxScan = 0
		}, StatusDegraded, "the snapshot has no foreign keys", []string{"warning app.child_parent_id_idx"}},
		{"no window", CheckUnusedIndex, func(s *Snapshot) { s.StatsReset = time.Time{} },
			StatusDegraded, "the statistics window is unknown", nil},

		// duplicate-index
		{"exact duplicate", CheckDuplicateIndex, func(s *Snapshot) {
			s.Indexes = append(s.Indexes, IndexStats{Schema: "app", Table: "child", Name: "child_parent_id_idx1", IdxScan: 5, SizeBytes: 20 * mb,
				Valid: true, Method: "btree", Columns: []string{"parent_id"},
				Definition: "CREATE INDEX child_parent_id_idx1 ON app.child USING btree (parent_id)"})
		}, StatusEvaluated, "", []string{"warning app.child_parent_id_idx1"}},
		{"duplicate of the primary key", CheckDuplicateIndex, func(s *Snapshot) {
			s.Indexes = append(s.Indexes, IndexStats{Schema: "app", Table: "child", Name: "child_id_key", IdxScan: 50_000, SizeBytes: 20 * mb,
				Valid: true, Unique: true, Method: "btree", Columns: []string{"id"}, Constraint: "child_id_key",
				Definition: "CREATE UNIQUE INDEX child_id_key ON app.child USING btree (id)"})
		}, StatusEvaluated, "", []string{"info app.child_id_key"}},
		{"same columns, other options", CheckDuplicateIndex, func(s *Snapshot) {
			s.Indexes = append(s.Indexes, IndexStats{Schema: "app", Table: "child", Name: "child_parent_id_desc", SizeBytes: mb,
				Valid: true, Method: "btree", Columns: []string{"parent_id"}, KeyOptions: []string{"DESC"}})
			s.Indexes = append(s.Indexes, IndexStats{Schema: "app", Table: "child", Name: "child_parent_id_part", SizeBytes: mb,
				Valid: true, Method: "btree", Columns: []string{"parent_id"}, Predicate: "(parent_id > 0)"})
			s.Indexes = append(s.Indexes, IndexStats{Schema: "app", Table: "child", Name: "child_parent_id_hash", SizeBytes: mb,
				Valid: true, Method: "hash", Columns: []string{"parent_id"}})
		}, StatusEvaluated, "", nil},
		{"duplicates read from definitions", CheckDuplicateIndex, func(s *Snapshot) {
			*s = *handWritten()
			s.Indexes = append(s.Indexes, IndexStats{Schema: "app", Table: "child", Name: "child_parent_id_idx1", SizeBytes: 20 * mb,
				Valid: true, Definition: "CREATE INDEX child_parent_id_idx1 ON app.child USING btree (parent_id)"})
		}, StatusEvaluated, "", []string{"warning app.child_parent_id_idx1"}},
		{"index without a definition", CheckDuplicateIndex, func(s *Snapshot) {
			s.Indexes = append(s.Indexes, IndexStats{Schema: "app", Table: "child", Name: "mystery", Valid: true})
		}, StatusDegraded, "1 index has neither key columns nor a definition", nil},

		// redundant-index
		{"left prefix", CheckRedundantIndex, func(s *Snapshot) {
			s.Indexes = append(s.Indexes, IndexStats{Schema: "app", Table: "child", Name: "child_parent_id_created_at_idx", SizeBytes: 30 * mb,
				Valid: true, Method: "btree", Columns: []string{"parent_id", "created_at"},
				Definition: "CREATE INDEX child_parent_id_created_at_idx ON app.child USING btree (parent_id, created_at)"})
		}, StatusEvaluated, "", []string{"warning app.child_parent_id_idx"}},
		{"prefix read from definitions", CheckRedundantIndex, func(s *Snapshot) {
			*s = *handWritten()
			s.Indexes = append(s.Indexes, IndexStats{Schema: "app", Table: "child", Name: "child_parent_id_created_at_idx", SizeBytes: 30 * mb,
				Valid: true, Definition: "CREATE INDEX child_parent_id_created_at_idx ON app.child USING btree (parent_id, created_at)"})
		}, StatusEvaluated, "", []string{"warning app.child_parent_id_idx"}},
		{"unique prefix is kept", CheckRedundantIndex, func(s *Snapshot) {
			s.Indexes = append(s.Indexes, IndexStats{Schema: "app", Table: "child", Name: "child_id_created_at_key", SizeBytes: 30 * mb,
				Valid: true, Unique: true, Method: "btree", Columns: []string{"id", "created_at"}})
		}, StatusEvaluated, "", nil},
		{"prefix with another predicate or method", CheckRedundantIndex, func(s *Snapshot) {
			s.Indexes = append(s.Indexes,
				IndexStats{Schema: "app", Table: "child", Name: "child_parent_created_partial", SizeBytes: mb, Valid: true, Method: "btree",
					Columns: []string{"parent_id", "created_at"}, Predicate: "(created_at > '2026-01-01')"},
				IndexStats{Schema: "app", Table: "child", Name: "child_parent_created_gist", SizeBytes: mb, Valid: true, Method: "gist",
					Columns: []string{"parent_id", "created_at"}},
				IndexStats{Schema: "app", Table: "child", Name: "child_parent_created_invalid", SizeBytes: mb, Valid: false, Method: "btree",
					Columns: []string{"parent_id", "created_at"}})
		}, StatusEvaluated, "", nil},
		{"same keys, fewer INCLUDE columns", CheckRedundantIndex, func(s *Snapshot) {
			s.Indexes = append(s.Indexes, IndexStats{Schema: "app", Table: "child", Name: "child_parent_id_incl", SizeBytes: 30 * mb,
				Valid: true, Method: "btree", Columns: []string{"parent_id"}, Include: []string{"amount"}})
		}, StatusEvaluated, "", []string{"warning app.child_parent_id_idx"}},

		{"redundant: index without a definition", CheckRedundantIndex, func(s *Snapshot) {
			s.Indexes = append(s.Indexes, IndexStats{Schema: "app", Table: "child", Name: "mystery", Valid: true, Definition: "CREATE INDEX oops"})
		}, StatusDegraded, "1 index has neither key columns nor a definition", nil},

		// invalid-index
		{"invalid index on a large table", CheckInvalidIndex, func(s *Snapshot) {
			s.Indexes = append(s.Indexes, IndexStats{Schema: "app", Table: "child", Name: "child_created_at_idx", SizeBytes: 3 * mb,
				Valid: false, Ready: true, Method: "btree", Columns: []string{"created_at"},
				Definition: "CREATE INDEX child_created_at_idx ON app.child USING btree (created_at)"})
		}, StatusEvaluated, "", []string{"warning app.child_created_at_idx"}},
		{"invalid unique index", CheckInvalidIndex, func(s *Snapshot) {
			s.Indexes = append(s.Indexes, IndexStats{Schema: "app", Table: "child", Name: "child_ref_key", Unique: true,
				Valid: false, Ready: true, Method: "btree", Columns: []string{"ref"},
				Definition: "CREATE UNIQUE INDEX child_ref_key ON app.child USING btree (ref)"})
		}, StatusEvaluated, "", []string{"error app.child_ref_key"}},
		{"invalid index being built", CheckInvalidIndex, func(s *Snapshot) {
			s.Indexes = append(s.Indexes, IndexStats{Schema: "app", Table: "child", Name: "child_created_at_idx", Valid: false, BeingBuilt: true,
				Method: "btree", Columns: []string{"created_at"}})
		}, StatusEvaluated, "", nil},
		{"indexes not collected", CheckInvalidIndex, func(s *Snapshot) {
			s.Sections[1] = Section{Name: SectionIndexes, Status: SectionSkipped, Reason: "lock timeout"}
		}, StatusSkipped, "the indexes section was not collected: lock timeout", nil},

		// fk-missing-index
		{"foreign key without an index", CheckFKMissingIndex, func(s *Snapshot) { s.Indexes = s.Indexes[:2] },
			StatusEvaluated, "", []string{"warning app.child (parent_id)"}},
		{"foreign key without an index on a small table", CheckFKMissingIndex, func(s *Snapshot) {
			s.Indexes = s.Indexes[:2]
			s.Tables[1].TotalBytes = 8 * mb
		}, StatusEvaluated, "", []string{"info app.child (parent_id)"}},
		{"only a partial or a later-column index", CheckFKMissingIndex, func(s *Snapshot) {
			s.Indexes[2].Predicate = "(parent_id IS NOT NULL)"
			s.Indexes = append(s.Indexes, IndexStats{Schema: "app", Table: "child", Name: "child_x_parent_idx", Valid: true, Method: "btree",
				Columns: []string{"x", "parent_id"}})
		}, StatusEvaluated, "", []string{"warning app.child (parent_id)"}},
		{"composite key covering it, in another order", CheckFKMissingIndex, func(s *Snapshot) {
			s.ForeignKeys[0].Columns = []string{"parent_id", "tenant"}
			s.Indexes[2].Columns = []string{"tenant", "parent_id", "id"}
		}, StatusEvaluated, "", nil},
		{"partition clone", CheckFKMissingIndex, func(s *Snapshot) {
			s.Indexes = s.Indexes[:2]
			s.ForeignKeys[0].Inherited = true
		}, StatusEvaluated, "", nil},
		{"hand-written without foreign keys", CheckFKMissingIndex, func(s *Snapshot) { *s = *handWritten() },
			StatusSkipped, "the snapshot has no foreign keys (collected live only)", nil},
		{"foreign keys not collected", CheckFKMissingIndex, func(s *Snapshot) {
			s.ForeignKeys = nil
			s.Sections[3] = Section{Name: SectionForeignKeys, Status: SectionSkipped, Reason: "statement timeout"}
		}, StatusSkipped, "the foreign_keys section was not collected: statement timeout", nil},

		// index-bloat and table-bloat
		{"bloated index", CheckIndexBloat, func(s *Snapshot) { s.Bloat[1].ExtraBytes = 9 * mb },
			StatusEvaluated, "", []string{"warning app.child_pkey"}},
		{"index mostly bloat", CheckIndexBloat, func(s *Snapshot) { s.Bloat[1].ExtraBytes = 19 * mb },
			StatusEvaluated, "", []string{"error app.child_pkey"}},
		{"small bloated index", CheckIndexBloat, func(s *Snapshot) { s.Bloat[1].RealBytes, s.Bloat[1].ExtraBytes = mb, mb/2 },
			StatusEvaluated, "", nil},
		{"index estimates not usable", CheckIndexBloat, func(s *Snapshot) { s.Bloat[1].IsNA, s.Bloat[1].ExtraBytes = true, 19*mb },
			StatusSkipped, "1 index estimate is not usable (is_na", nil},
		{"bloated table", CheckTableBloat, func(s *Snapshot) { s.Bloat[0].ExtraBytes = 80 * mb },
			StatusEvaluated, "", []string{"warning app.child"}},
		{"table estimate not usable beside a usable one", CheckTableBloat, func(s *Snapshot) {
			s.Bloat = append(s.Bloat, BloatEstimate{Kind: "table", Schema: "app", Name: "parent", RealBytes: 50 * mb, ExtraBytes: 49 * mb, IsNA: true})
		}, StatusDegraded, "1 table estimate is not usable (is_na: statistics missing, or hidden from role auditor without pg_read_all_data): app.parent", nil},
		{"hand-written without bloat", CheckTableBloat, func(s *Snapshot) { *s = *handWritten() },
			StatusSkipped, "the snapshot has no bloat estimates (collected live only)", nil},

		// cache-hit-ratio
		{"low database hit ratio", CheckCacheHitRatio, func(s *Snapshot) { s.Database.BlksRead = 50_000 },
			StatusEvaluated, "", []string{"warning database shop"}},
		{"low table hit ratio", CheckCacheHitRatio, func(s *Snapshot) { s.Tables[1].HeapBlksRead = 100_000 },
			StatusEvaluated, "", []string{"info app.child"}},
		{"no table block counts", CheckCacheHitRatio, func(s *Snapshot) { *s = *handWritten(); clearStatio(s) },
			StatusDegraded, "no per-table block counts in the window", nil},
		{"no blocks", CheckCacheHitRatio, func(s *Snapshot) { s.Database.BlksHit, s.Database.BlksRead = 0, 0 },
			StatusSkipped, "the database read no blocks in the window", nil},

		// xid-wraparound
		{"past autovacuum_freeze_max_age", CheckXIDWraparound, func(s *Snapshot) { s.Database.XIDAge, s.Tables[1].XIDAge = 250_000_000, 250_000_000 },
			StatusEvaluated, "", []string{"info database shop", "info app.child"}},
		{"half way to wraparound", CheckXIDWraparound, func(s *Snapshot) { s.Database.XIDAge, s.Tables[1].XIDAge = 1_200_000_000, 1_200_000_000 },
			StatusEvaluated, "", []string{"warning database shop", "warning app.child"}},
		{"close to wraparound", CheckXIDWraparound, func(s *Snapshot) { s.Database.XIDAge, s.Tables[1].XIDAge = 2_120_000_000, 1_500_000_000 },
			StatusEvaluated, "", []string{"error database shop", "error app.child"}},
		{"a higher autovacuum_freeze_max_age", CheckXIDWraparound, func(s *Snapshot) {
			s.Server.Settings["autovacuum_freeze_max_age"] = "500000000"
			s.Database.XIDAge = 250_000_000
		}, StatusEvaluated, "", nil},
		{"multixact age half way to wraparound", CheckXIDWraparound, func(s *Snapshot) {
			s.Database.XIDAge, s.Database.MXIDAge = 1_000_000, 1_200_000_000
		}, StatusEvaluated, "", []string{"warning database shop"}},
		{"multixact age under its freeze max", CheckXIDWraparound, func(s *Snapshot) {
			s.Database.XIDAge, s.Database.MXIDAge = 1_000_000, 300_000_000
		}, StatusEvaluated, "", nil},
		{"hand-written without ages", CheckXIDWraparound, func(s *Snapshot) { *s = *handWritten() },
			StatusSkipped, "the snapshot has no transaction ID ages (collected live only)", nil},

		// sequence-exhaustion
		{"integer column fed by a bigint sequence", CheckSequenceExhaustion, func(s *Snapshot) {
			s.Sequences[0].LastValue, s.Sequences[0].ColumnType = ptr(int64(1_610_612_736)), "integer"
		}, StatusEvaluated, "", []string{"warning app.child_id_seq"}},
		{"integer column nearly full", CheckSequenceExhaustion, func(s *Snapshot) {
			s.Sequences[0].LastValue, s.Sequences[0].ColumnType = ptr(int64(2_100_000_000)), "integer"
		}, StatusEvaluated, "", []string{"error app.child_id_seq"}},
		{"integer column a fifth used", CheckSequenceExhaustion, func(s *Snapshot) {
			s.Sequences[0].LastValue, s.Sequences[0].ColumnType = ptr(int64(429_496_730)), "integer"
		}, StatusEvaluated, "", []string{"info app.child_id_seq"}},
		{"bigint sequence near its own maximum", CheckSequenceExhaustion, func(s *Snapshot) {
			s.Sequences[0].MaxValue = 1_000_000_000_000
			s.Sequences[0].LastValue = ptr(int64(900_000_000_000))
		}, StatusEvaluated, "", []string{"warning app.child_id_seq"}},
		{"negative minimum, counted from the start", CheckSequenceExhaustion, func(s *Snapshot) {
			s.Sequences[0].DataType, s.Sequences[0].ColumnType = "integer", "integer"
			s.Sequences[0].MinValue, s.Sequences[0].MaxValue, s.Sequences[0].StartValue = -2_147_483_648, 2_147_483_647, 1
			s.Sequences[0].LastValue = ptr(int64(5))
		}, StatusEvaluated, "", nil},
		{"negative minimum, most of the upper half used", CheckSequenceExhaustion, func(s *Snapshot) {
			s.Sequences[0].DataType, s.Sequences[0].ColumnType = "integer", "integer"
			s.Sequences[0].MinValue, s.Sequences[0].MaxValue, s.Sequences[0].StartValue = -2_147_483_648, 2_147_483_647, 1
			s.Sequences[0].LastValue = ptr(int64(2_100_000_000))
		}, StatusEvaluated, "", []string{"error app.child_id_seq"}},
		{"bigint sequence half used", CheckSequenceExhaustion, func(s *Snapshot) { s.Sequences[0].LastValue = ptr(int64(1 << 62)) },
			StatusEvaluated, "", nil},
		{"descending nearly at its minimum", CheckSequenceExhaustion, func(s *Snapshot) {
			s.Sequences = append(s.Sequences,
				SequenceStats{Schema: "app", Name: "down", DataType: "integer", LastValue: ptr(int64(-2_100_000_000)), Readable: true,
					MinValue: -2_147_483_648, MaxValue: -1, StartValue: -1, Increment: -1})
		}, StatusEvaluated, "", []string{"error app.down"}},
		{"descending barely used, and never used", CheckSequenceExhaustion, func(s *Snapshot) {
			s.Sequences = append(s.Sequences,
				SequenceStats{Schema: "app", Name: "down", DataType: "bigint", LastValue: ptr(int64(-2_000)), Readable: true,
					MinValue: math.MinInt64, MaxValue: -1, Increment: -1},
				SequenceStats{Schema: "app", Name: "fresh", DataType: "smallint", Readable: true, MinValue: 1, MaxValue: 32767, Increment: 1})
		}, StatusEvaluated, "", nil},
		{"unreadable sequence", CheckSequenceExhaustion, func(s *Snapshot) {
			s.Sequences[0].LastValue, s.Sequences[0].Readable, s.Sequences[0].ColumnType = nil, false, "integer"
		}, StatusDegraded, "1 sequence cannot be read by role auditor (pg_sequences.last_value is NULL without SELECT or USAGE on the sequence; pg_read_all_data grants it): app.child_id_seq", nil},
		{"hand-written without sequences", CheckSequenceExhaustion, func(s *Snapshot) { *s = *handWritten() },
			StatusSkipped, "the snapshot has no sequences (collected live only)", nil},
	}
	for _, tt := range tests {
		t.Run(tt.check+"/"+tt.name, func(t *testing.T) {
			s := healthy()
			tt.edit(s)
			c, fs := result(Analyze(s), tt.check)
			if c.Status != tt.status {
				t.Errorf("status %s (%s), want %s", c.Status, c.Reason, tt.status)
			}
			if tt.reason == "" && c.Reason != "" || !strings.Contains(c.Reason, tt.reason) {
				t.Errorf("reason %q, want %q", c.Reason, tt.reason)
			}
			if !slices.Equal(fs, tt.findings) {
				t.Errorf("findings %q, want %q", fs, tt.findings)
			}
		})
	}
}

func clearStatio(s *Snapshot) {
	for i := range s.Tables {
		t := &s.Tables[i]
		t.HeapBlksRead, t.HeapBlksHit, t.IdxBlksRead, t.IdxBlksHit = 0, 0, 0, 0
	}
}

// TestFindingContents checks what the findings say beyond their object:
// remediation and undo SQL, evidence and caveats.
func TestFindingContents(t *testing.T) {
	s := healthy()
	s.StatsReset = captured.Add(-10 * 24 * time.Hour)
	s.ForeignKeys = append(s.ForeignKeys, ForeignKeyStats{Schema: "app", Table: "child", Name: "child_owner_fkey",
		Columns: []string{"Owner Id"}, RefSchema: "app", RefTable: "parent"})
	s.Indexes[2].IdxScan = 0
	s.ForeignKeys[0].Columns = []string{"other"}
	s.Sequences[0].LastValue, s.Sequences[0].ColumnType, s.Sequences[0].DataType = ptr(int64(1_610_612_736)), "integer", "integer"
	s.Sequences[0].MaxValue = 1<<31 - 1
	s.Indexes = append(s.Indexes, IndexStats{Schema: "app", Table: "child", Name: "child_ref_key", Unique: true, Valid: false, Ready: true,
		Method: "btree", Columns: []string{"ref"}, Definition: "CREATE UNIQUE INDEX child_ref_key ON app.child USING btree (ref)"})
	r := Analyze(s)

	unused := findingOf(t, r, CheckUnusedIndex, "app.child_parent_id_idx")
	if unused.Remediation != "DROP INDEX CONCURRENTLY app.child_parent_id_idx;" ||
		unused.Undo != "CREATE INDEX CONCURRENTLY child_parent_id_idx ON app.child USING btree (parent_id);" {
		t.Errorf("unused remediation %q, undo %q", unused.Remediation, unused.Undo)
	}
	if !slices.ContainsFunc(unused.Caveats, func(c string) bool { return strings.Contains(c, "under the 30 days") }) ||
		!slices.ContainsFunc(unused.Caveats, func(c string) bool { return strings.Contains(c, "replica keeps its own") }) {
		t.Errorf("unused caveats %q", unused.Caveats)
	}
	if unused.Window != "10 d since stats_reset (2026-10-23T09:30:00Z)" {
		t.Errorf("window %q", unused.Window)
	}

	fk := findingOf(t, r, CheckFKMissingIndex, `app.child (Owner Id)`)
	if fk.Remediation != `CREATE INDEX CONCURRENTLY "child_Owner Id_idx" ON app.child ("Owner Id");` ||
		fk.Undo != `DROP INDEX CONCURRENTLY app."child_Owner Id_idx";` {
		t.Errorf("fk remediation %q, undo %q", fk.Remediation, fk.Undo)
	}

	seq := findingOf(t, r, CheckSequenceExhaustion, "app.child_id_seq")
	for _, want := range []string{"ALTER SEQUENCE app.child_id_seq AS bigint;", "ALTER TABLE app.child ALTER COLUMN id TYPE bigint;"} {
		if !strings.Contains(seq.Remediation, want) {
			t.Errorf("sequence remediation lacks %q:\n%s", want, seq.Remediation)
		}
	}
	if !strings.Contains(seq.Undo, "ALTER TABLE app.child ALTER COLUMN id TYPE integer;") ||
		!slices.ContainsFunc(seq.Caveats, func(c string) bool { return strings.Contains(c, "rewrites the whole table") }) {
		t.Errorf("sequence undo %q, caveats %q", seq.Undo, seq.Caveats)
	}

	inv := findingOf(t, r, CheckInvalidIndex, "app.child_ref_key")
	if inv.Severity != workflow.SeverityError || inv.Remediation != "REINDEX INDEX CONCURRENTLY app.child_ref_key;" {
		t.Errorf("invalid %s %q", inv.Severity, inv.Remediation)
	}
	for _, f := range r.Findings {
		if f.Why == "" || len(f.Evidence) == 0 || f.Message == "" {
			t.Errorf("%s %s: incomplete: %+v", f.Check, f.Object, f)
		}
	}
}

func TestInvalidIndexActions(t *testing.T) {
	s := healthy()
	s.Indexes = append(s.Indexes,
		IndexStats{Schema: "app", Table: "child", Name: "child_parent_id_idx_ccnew", Valid: false, Ready: true, Method: "btree",
			Columns: []string{"parent_id"}, Definition: "CREATE INDEX child_parent_id_idx_ccnew ON app.child USING btree (parent_id)"},
		IndexStats{Schema: "app", Table: "parent", Name: "parent_name_idx", Valid: false, Method: "btree",
			Columns: []string{"name"}, Definition: "CREATE INDEX parent_name_idx ON app.parent USING btree (name)"})
	s.Tables[0].NLiveTup = 500
	r := Analyze(s)
	twin := findingOf(t, r, CheckInvalidIndex, "app.child_parent_id_idx_ccnew")
	if twin.Remediation != "DROP INDEX CONCURRENTLY app.child_parent_id_idx_ccnew;" || !strings.Contains(twin.Message, "app.child_parent_id_idx is a valid index") {
		t.Errorf("twin: %q %q", twin.Message, twin.Remediation)
	}
	small := findingOf(t, r, CheckInvalidIndex, "app.parent_name_idx")
	if small.Remediation != "REINDEX INDEX CONCURRENTLY app.parent_name_idx;" || !strings.Contains(small.Message, "500 rows") {
		t.Errorf("small: %q %q", small.Message, small.Remediation)
	}
	s.ServerVersion, s.Server.VersionNum = "11.22", 110022
	old := findingOf(t, Analyze(s), CheckInvalidIndex, "app.parent_name_idx")
	if old.Remediation != "DROP INDEX CONCURRENTLY app.parent_name_idx;\nCREATE INDEX CONCURRENTLY parent_name_idx ON app.parent USING btree (name);" {
		t.Errorf("before PostgreSQL 12: %q", old.Remediation)
	}
}

func TestFindingsOrder(t *testing.T) {
	s := healthy()
	s.Database.BlksRead = 50_000                                                               // cache-hit-ratio warning
	s.Sequences[0].LastValue, s.Sequences[0].ColumnType = ptr(int64(2_100_000_000)), "integer" // sequence error
	s.Indexes[2].IdxScan = 0                                                                   // unused-index info (serves the FK)
	s.Indexes = s.Indexes[:2]                                                                  // fk-missing-index warning
	var got []string
	for _, f := range Analyze(s).Findings {
		got = append(got, string(f.Severity)+" "+f.Check)
	}
	want := []string{"error sequence-exhaustion", "warning fk-missing-index", "warning cache-hit-ratio"}
	if !slices.Equal(got, want) {
		t.Errorf("order %q, want %q", got, want)
	}
}

// TestAnalyzeSample pins what the checkout sample evaluates offline.
func TestAnalyzeSample(t *testing.T) {
	s, err := ParseSnapshot("audit/stats-snapshot.json", sampleSnapshot(t))
	if err != nil {
		t.Fatal(err)
	}
	r := Analyze(s)
	var statuses []string
	for _, c := range r.Capabilities {
		statuses = append(statuses, c.Check+" "+string(c.Status))
	}
	wantStatuses := []string{
		"seq-scan-pressure evaluated", "temp-writes evaluated", "unused-index evaluated", "duplicate-index evaluated",
		"redundant-index evaluated", "invalid-index evaluated", "fk-missing-index evaluated", "index-bloat evaluated",
		"table-bloat degraded", "cache-hit-ratio evaluated", "xid-wraparound evaluated", "sequence-exhaustion evaluated",
	}
	if !slices.Equal(statuses, wantStatuses) {
		t.Errorf("statuses\n%q\nwant\n%q", statuses, wantStatuses)
	}
	var got []string
	for _, f := range r.Findings {
		got = append(got, string(f.Severity)+" "+f.Check+" "+f.Object)
	}
	want := []string{
		"warning seq-scan-pressure public.orders",
		"warning seq-scan-pressure public.support_notes",
		"warning temp-writes database checkout",
		"warning temp-writes queryid 4823049173802211845",
		"warning unused-index public.orders_status_idx",
		"warning fk-missing-index public.support_notes (order_id)",
		"warning fk-missing-index public.checkout_sessions (customer_id)",
		"warning fk-missing-index public.orders (customer_id)",
		"warning fk-missing-index public.support_notes (customer_id)",
		"warning index-bloat public.orders_status_idx",
		"warning table-bloat public.payments",
		"warning cache-hit-ratio database checkout",
		"warning sequence-exhaustion public.invoice_number_seq",
		"info seq-scan-pressure public.customers",
		"info seq-scan-pressure public.refunds",
		"info temp-writes queryid 6650912334087126903",
		"info unused-index public.support_notes_pkey",
		"info cache-hit-ratio public.orders",
		"info cache-hit-ratio public.checkout_sessions",
		"info cache-hit-ratio public.payments",
		"info xid-wraparound database checkout",
		"info xid-wraparound public.checkout_sessions",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The same analysis without what only a live collection gives: the
	// checks that need it say so instead of guessing.
	s.Server, s.ForeignKeys, s.Sequences, s.Bloat, s.Sections = nil, nil, nil, nil, nil
	s.Database.XIDAge = 0
	for i := range s.Tables {
		s.Tables[i].XIDAge = 0
	}
	for _, c := range Analyze(s).Capabilities {
		switch c.Check {
		case CheckFKMissingIndex, CheckIndexBloat, CheckTableBloat, CheckXIDWraparound, CheckSequenceExhaustion:
			if c.Status != StatusSkipped || !strings.Contains(c.Reason, "collected live only") {
				t.Errorf("hand-written sample: %s %s (%s), want skipped, collected live only", c.Check, c.Status, c.Reason)
			}
		case CheckUnusedIndex:
			if c.Status != StatusDegraded {
				t.Errorf("hand-written sample: %s %s, want degraded", c.Check, c.Status)
			}
		default:
			if c.Status != StatusEvaluated {
				t.Errorf("hand-written sample: %s %s (%s), want evaluated", c.Check, c.Status, c.Reason)
			}
		}
	}
}

func TestShapeFromDefinition(t *testing.T) {
	tests := []struct {
		def  string
		want shape
		ok   bool
	}{
		{"CREATE INDEX a ON s.t USING btree (x, y DESC NULLS LAST)", shape{method: "btree", keys: []string{"x", "y"}, opts: []string{"", "DESC NULLS LAST"}}, true},
		{`CREATE UNIQUE INDEX a ON s.t USING btree (lower(email) text_pattern_ops) INCLUDE (id) WHERE (deleted_at IS NULL)`,
			shape{method: "btree", keys: []string{""}, opts: []string{"text_pattern_ops"}, include: []string{"id"}, exprs: "lower(email)", pred: "deleted_at IS NULL"}, true},
		{`CREATE INDEX a ON t USING gin ("Tags" COLLATE "C")`, shape{method: "gin", keys: []string{"Tags"}, opts: []string{`COLLATE C`}}, true},
		{"", shape{}, false},
		{"not sql", shape{}, false},
		{"CREATE TABLE t (x int)", shape{}, false},
	}
	for _, tt := range tests {
		got, ok := parseDefinition(tt.def)
		if ok != tt.ok || got.method != tt.want.method || !slices.Equal(got.keys, tt.want.keys) || !slices.Equal(got.opts, tt.want.opts) ||
			!slices.Equal(got.include, tt.want.include) || got.exprs != tt.want.exprs || got.pred != tt.want.pred {
			t.Errorf("%q: %+v %v, want %+v %v", tt.def, got, ok, tt.want, tt.ok)
		}
	}
	if got := concurrently("CREATE UNIQUE INDEX a ON t USING btree (x)"); got != "CREATE UNIQUE INDEX CONCURRENTLY a ON t USING btree (x);" {
		t.Errorf("concurrently: %q", got)
	}
}
