package audit

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/pgrollout/pgrollout/sample"
	"github.com/pgrollout/pgrollout/workflow/internal/jsonpos"
)

func sampleSnapshot(t testing.TB) []byte {
	t.Helper()
	data, err := fs.ReadFile(sample.Checkout(), "audit/stats-snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseSnapshotSample(t *testing.T) {
	s, err := ParseSnapshot("audit/stats-snapshot.json", sampleSnapshot(t))
	if err != nil {
		t.Fatal(err)
	}
	if s.ServerVersion != "16.4" || s.Database.Name != "checkout" || len(s.Tables) != 7 || len(s.Indexes) != 15 || len(s.Statements) != 6 {
		t.Errorf("snapshot %s %s, %d tables, %d indexes, %d statements", s.ServerVersion, s.Database.Name, len(s.Tables), len(s.Indexes), len(s.Statements))
	}
	if d, exact := s.Window(); !exact || d != 14*24*time.Hour+9*time.Hour+30*time.Minute {
		t.Errorf("window %v, exact %v", d, exact)
	}
	if r, ok := s.CacheHitRatio(); !ok || r < 0.97 || r > 0.971 {
		t.Errorf("cache hit ratio %v", r)
	}
	// The sample's story: the per-table index scans add up to their indexes'.
	perTable := map[string]int64{}
	for _, x := range s.Indexes {
		perTable[x.QualifiedTable()] += x.IdxScan
		if !x.Valid {
			t.Errorf("%s is not valid", x.Name)
		}
	}
	for _, tb := range s.Tables {
		if perTable[tb.Qualified()] != tb.IdxScan {
			t.Errorf("%s: idx_scan %d, its indexes %d", tb.Qualified(), tb.IdxScan, perTable[tb.Qualified()])
		}
	}
	var temp int64
	for _, st := range s.Statements {
		temp += st.TempBlksWritten * s.Block()
	}
	if temp > s.Database.TempBytes {
		t.Errorf("statements wrote %d temp bytes, more than the database's %d", temp, s.Database.TempBytes)
	}
}

// base is a small valid snapshot; the error tests change one part of it.
const base = `{
  "captured_at": "2026-11-02T09:30:00Z",
  "server_version": "16.4",
  "stats_reset": "2026-10-19T00:00:00Z",
  "postmaster_start": "2026-09-14T02:11:37Z",
  "database": {"name": "db", "xact_commit": 10, "blks_read": 1, "blks_hit": 9, "temp_files": 0, "temp_bytes": 0, "deadlocks": 0},
  "tables": [
    {"schema": "public", "name": "t", "seq_scan": 1, "seq_tup_read": 5, "idx_scan": 2, "n_live_tup": 5, "total_bytes": 8192}
  ],
  "indexes": [
    {"schema": "public", "table": "t", "name": "t_pkey", "idx_scan": 2, "size_bytes": 8192, "unique": true, "primary": true, "valid": true,
     "definition": "CREATE UNIQUE INDEX t_pkey ON public.t USING btree (id)"}
  ],
  "statements": [
    {"queryid": -42, "query": "SELECT * FROM t", "calls": 3, "total_exec_time_ms": 3, "mean_exec_time_ms": 1, "rows": 15}
  ]
}`

// TestParseSnapshotOldPartitionedSizes: earlier builds stored minus one
// block as the size of an analyzed partitioned table or index (relpages
// -1); such a snapshot still loads, with those sizes unknown.
func TestParseSnapshotOldPartitionedSizes(t *testing.T) {
	old := strings.Replace(base, `"total_bytes": 8192}`, `"total_bytes": 8192, "heap_bytes": -8192}`, 1)
	old = strings.Replace(old, `"size_bytes": 8192`, `"size_bytes": -8192`, 1)
	s, err := ParseSnapshot("s.json", []byte(old))
	if err != nil {
		t.Fatal(err)
	}
	if s.Tables[0].HeapBytes != 0 || s.Indexes[0].SizeBytes != 0 {
		t.Errorf("heap_bytes %d, size_bytes %d: want unknown (0)", s.Tables[0].HeapBytes, s.Indexes[0].SizeBytes)
	}
	if _, err := ParseSnapshot("s.json", []byte(strings.Replace(old, `"size_bytes": -8192`, `"size_bytes": -16384`, 1))); err == nil {
		t.Error("any other negative size is still refused")
	}
}

// TestParseSnapshotPartitionLoops: a hand-written partition tree that loops
// is refused, as the checks walk it up and down.
func TestParseSnapshotPartitionLoops(t *testing.T) {
	for _, c := range []struct{ name, tables, indexes, want string }{
		{"table its own partition",
			`{"schema": "public", "name": "t", "partitioned": true, "partition_of": "public.t"}`, ``,
			`table public.t: partition_of "public.t" is not another table of the snapshot`},
		{"tables in a loop",
			`{"schema": "public", "name": "t", "partition_of": "public.u"}, {"schema": "public", "name": "u", "partition_of": "public.t"}`, ``,
			"table public.t: its partition_of chain comes back to it"},
		{"unknown parent table",
			`{"schema": "public", "name": "t", "partition_of": "public.nope"}`, ``,
			`table public.t: partition_of "public.nope" is not another table of the snapshot`},
		{"indexes in a loop",
			`{"schema": "public", "name": "t"}`,
			`{"schema": "public", "table": "t", "name": "x", "valid": false, "partitioned": true, "parent_index": "public.y"},
			 {"schema": "public", "table": "t", "name": "y", "valid": true, "parent_index": "public.x"}`,
			"index public.x: its parent_index chain comes back to it"},
	} {
		doc := `{"captured_at": "2026-11-02T09:30:00Z", "server_version": "16.4", "database": {"name": "db"},
			"tables": [` + c.tables + `], "indexes": [` + c.indexes + `]}`
		_, err := ParseSnapshot("s.json", []byte(doc))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}
}

func TestParseSnapshotErrors(t *testing.T) {
	tests := []struct {
		name, old, new, want string
	}{
		{"captured before reset", `"captured_at": "2026-11-02T09:30:00Z"`, `"captured_at": "2026-10-01T00:00:00Z"`,
			"s.json:2:18: captured_at 2026-10-01T00:00:00Z is before stats_reset 2026-10-19T00:00:00Z"},
		{"captured before start", `"2026-09-14T02:11:37Z"`, `"2026-12-01T00:00:00Z"`,
			"s.json:2:18: captured_at 2026-11-02T09:30:00Z is before postmaster_start 2026-12-01T00:00:00Z"},
		{"no captured_at", `"captured_at": "2026-11-02T09:30:00Z",`, ``, "s.json:1:1: no captured_at"},
		{"no version", `"server_version": "16.4",`, `"server_version": "",`, "s.json:3:21: no server_version"},
		{"no database name", `"name": "db", `, ``, "s.json:6:15: database: no name"},
		{"negative database counter", `"deadlocks": 0`, `"deadlocks": -3`, "s.json:6:127: database: deadlocks is negative (-3)"},
		{"negative table counter", `"seq_tup_read": 5`, `"seq_tup_read": -5`, "s.json:8:70: table public.t: seq_tup_read is negative (-5)"},
		{"negative index size", `"size_bytes": 8192`, `"size_bytes": -1`, "s.json:11:87: index public.t_pkey: size_bytes is negative (-1)"},
		{"negative calls", `"calls": 3`, `"calls": -3`, "s.json:15:59: statement -42: calls is negative (-3)"},
		{"negative time", `"mean_exec_time_ms": 1`, `"mean_exec_time_ms": -1`, "s.json:15:108: statement -42: mean_exec_time_ms is negative"},
		{"no table name", `"name": "t", `, ``, "s.json:8:5: tables[0]: no name"},
		{"no index table", `"table": "t", `, ``, "s.json:11:5: indexes[0]: no table"},
		{"no valid flag", `, "valid": true`, ``, "s.json:11:5: index public.t_pkey: no valid flag"},
		{"duplicate table", `"total_bytes": 8192}`, `"total_bytes": 8192},
    {"schema": "public", "name": "t"}`, "s.json:9:5: table public.t appears twice (first on line 8)"},
		{"block size", `"postmaster_start": "2026-09-14T02:11:37Z",`, `"postmaster_start": "2026-09-14T02:11:37Z", "block_size": 3000,`,
			"s.json:5:61: block_size 3000 is not one PostgreSQL builds with"},
		{"counter as string", `"xact_commit": 10`, `"xact_commit": "10"`, `s.json:6:45: database.xact_commit: want an integer (64-bit), got "10"`},
		{"counter as float", `"blks_read": 1,`, `"blks_read": 1.5,`, `s.json:6:62: database.blks_read: want an integer (64-bit), got 1.5`},
		{"unknown field", `"seq_scan": 1`, `"seq_scans": 1`, `s.json:8:39: tables[0]: unknown field "seq_scans"`},
		{"bad time", `"2026-10-19T00:00:00Z"`, `"2026-10-19"`, `s.json:4:18: stats_reset: want an RFC 3339 time`},
		{"syntax", `"16.4",`, `"16.4"`, `s.json:4:3: invalid character '"' after object key:value pair`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := strings.Replace(base, tt.old, tt.new, 1)
			if data == base {
				t.Fatalf("%q is not in the base snapshot", tt.old)
			}
			_, err := ParseSnapshot("s.json", []byte(data))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n  %v\nwant it to contain\n  %s", err, tt.want)
			}
			var located *jsonpos.Error
			if !errors.As(err, &located) {
				t.Errorf("error %T is not located", err)
			}
		})
	}
}

func TestParseSnapshotOptional(t *testing.T) {
	data := `{"captured_at": "2026-11-02T09:30:00Z", "server_version": "15.6", "database": {"name": "db"},
  "tables": [{"schema": "public", "name": "t", "last_autovacuum": null}],
  "indexes": [{"schema": "public", "table": "t", "name": "i", "valid": false}]}`
	s, err := ParseSnapshot("s.json", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if s.Block() != DefaultBlockSize || s.Statements != nil || s.Indexes[0].Valid {
		t.Errorf("snapshot %+v", s)
	}
	if d, exact := s.Window(); d != 0 || exact {
		t.Errorf("window %v %v without reset or start", d, exact)
	}
	if _, ok := s.CacheHitRatio(); ok {
		t.Error("a cache hit ratio without blocks")
	}
}

// FuzzParseSnapshot feeds arbitrary bytes to the snapshot parser and renders
// what it accepts. The seeds are small (the sample is covered by the tests
// above) so that the fuzzer can minimise what it finds quickly.
func FuzzParseSnapshot(f *testing.F) {
	f.Add([]byte(base))
	f.Add([]byte(crafted))
	f.Add([]byte(live))
	f.Add([]byte(`{"captured_at": "2026-11-02T09:30:00Z", "server_version": "16", "database": {"name": "d"}}`))
	f.Add([]byte(`{"captured_at": "2026-11-02T09:30:00Z", "stats_reset": "2026-11-02T09:29:30Z", "server_version": "16", "database": {"name": "d"}}`))
	f.Add([]byte(`{"captured_at": "2026-11-02T09:30:00Z", "server_version": "16", "database": {"name": "d"},
		"tables": [{"schema": "p", "name": "t", "partitioned": true}, {"schema": "p", "name": "u", "partition_of": "p.t"}],
		"indexes": [{"schema": "p", "table": "t", "name": "x", "valid": false, "partitioned": true, "columns": ["a"],
		  "definition": "CREATE INDEX x ON ONLY p.t USING btree (a)"},
		  {"schema": "p", "table": "u", "name": "y", "valid": true, "parent_index": "p.x", "columns": ["a"],
		  "definition": "CREATE INDEX y ON p.u USING btree (a)"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSnapshot("s.json", data)
		if err != nil {
			var located *jsonpos.Error
			if !errors.As(err, &located) || located.Pos.File != "s.json" || located.Pos.Line < 1 || located.Pos.Column < 1 {
				t.Fatalf("error not located: %v", err)
			}
			return
		}
		if s.CapturedAt.IsZero() || !s.StatsReset.IsZero() && s.CapturedAt.Before(s.StatsReset) {
			t.Fatalf("accepted captured_at %v with stats_reset %v", s.CapturedAt, s.StatsReset)
		}
		// Every accepted snapshot is analysed and renders.
		r := Analyze(s)
		if len(r.Capabilities) != len(Checks()) {
			t.Fatalf("%d check results for %d checks", len(r.Capabilities), len(Checks()))
		}
		for _, it := range []string{overviewItem("s.json", s, r).Detail, seqScanItem(s).Detail, indexItem(s).Detail, Markdown(r, s)} {
			if it == "" {
				t.Fatal("empty item")
			}
		}
		for _, f := range r.Findings {
			if f.Check == "" || f.Object == "" || f.Message == "" || FindingMarkdown(f, 1) == "" {
				t.Fatalf("incomplete finding %+v", f)
			}
		}
	})
}

// live is base with the sections of a live collection; the error tests
// change one part of it.
const live = `{
  "captured_at": "2026-11-02T09:30:00Z",
  "server_version": "16.4",
  "database": {"name": "db", "xid_age": 1000, "mxid_age": 10},
  "server": {"version_num": 160004, "user": "auditor", "track_counts": true, "settings": {"work_mem": "4MB"}},
  "tables": [{"schema": "public", "name": "t", "heap_blks_read": 1, "xid_age": 900}],
  "indexes": [{"schema": "public", "table": "t", "name": "t_pkey", "valid": true, "method": "btree", "columns": ["id"], "key_options": [""]}],
  "foreign_keys": [
    {"schema": "public", "table": "t", "name": "t_u_fkey", "columns": ["u_id"], "ref_schema": "public", "ref_table": "u"}
  ],
  "sequences": [
    {"schema": "public", "name": "t_id_seq", "data_type": "integer", "last_value": 5, "readable": true, "min_value": 1, "max_value": 2147483647, "increment": 1}
  ],
  "bloat": [
    {"kind": "index", "schema": "public", "name": "t_pkey", "table": "t", "real_bytes": 8192, "extra_bytes": 0, "is_na": false}
  ],
  "sections": [
    {"name": "tables", "status": "collected"},
    {"name": "bloat", "status": "partial", "reason": "1 table hidden"}
  ]
}`

func TestParseSnapshotLive(t *testing.T) {
	s, err := ParseSnapshot("s.json", []byte(live))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.ForeignKeys) != 1 || len(s.Sequences) != 1 || *s.Sequences[0].LastValue != 5 || len(s.Bloat) != 1 || len(s.Sections) != 2 ||
		s.Server.Settings["work_mem"] != "4MB" || s.Database.XIDAge != 1000 {
		t.Errorf("snapshot %+v", s)
	}
	tests := []struct {
		name, old, new, want string
	}{
		{"negative xid age", `"xid_age": 1000`, `"xid_age": -1`, "s.json:4:41: database: xid_age is negative (-1)"},
		{"negative table io", `"heap_blks_read": 1`, `"heap_blks_read": -1`, "s.json:6:66: table public.t: heap_blks_read is negative (-1)"},
		{"negative version", `"version_num": 160004`, `"version_num": -1`, "s.json:5:29: server: version_num is negative (-1)"},
		{"key options", `"key_options": [""]`, `"key_options": ["", "DESC"]`, "s.json:7:136: index public.t_pkey: 2 key_options for 1 columns"},
		{"fk without name", `"name": "t_u_fkey", `, ``, "s.json:9:5: foreign_keys[0]: no name"},
		{"fk without referenced table", `, "ref_table": "u"`, ``, "s.json:9:5: foreign_keys[0]: no ref_table"},
		{"fk without columns", `"columns": ["u_id"]`, `"columns": []`, "s.json:9:71: foreign key public.t.t_u_fkey: no columns, or a blank one"},
		{"fk twice", `"ref_table": "u"}`, `"ref_table": "u"}, {"schema": "public", "table": "t", "name": "t_u_fkey", "columns": ["u_id"], "ref_schema": "public", "ref_table": "u"}`,
			"foreign key public.t.t_u_fkey appears twice (first on line 9)"},
		{"sequence without name", `"name": "t_id_seq", `, ``, "s.json:12:5: sequences[0]: no name"},
		{"sequence type", `"data_type": "integer"`, `"data_type": "numeric"`, `s.json:12:59: sequence public.t_id_seq: data_type "numeric" is not smallint, integer or bigint`},
		{"sequence range", `"min_value": 1,`, `"min_value": 2147483647,`, "s.json:12:143: sequence public.t_id_seq: min_value 2147483647 is not below max_value 2147483647"},
		{"sequence increment", `"increment": 1}`, `"increment": 0}`, "s.json:12:159: sequence public.t_id_seq: increment is 0"},
		{"last value out of range", `"last_value": 5`, `"last_value": 0`, "s.json:12:84: sequence public.t_id_seq: last_value 0 is outside min_value 1 .. max_value 2147483647"},
		{"bloat kind", `"kind": "index"`, `"kind": "view"`, `s.json:15:14: bloat[0]: kind "view" is not table or index`},
		{"bloat index without table", `"table": "t", "real_bytes"`, `"real_bytes"`, "s.json:15:5: bloat[0]: no table"},
		{"negative bloat", `"real_bytes": 8192`, `"real_bytes": -8192`, "s.json:15:89: index bloat estimate of public.t_pkey: real_bytes is negative (-8192)"},
		{"more extra than real", `"extra_bytes": 0`, `"extra_bytes": 9000`, "s.json:15:110: index bloat estimate of public.t_pkey: extra_bytes 9000 is more than real_bytes 8192"},
		{"section without name", `{"name": "tables", "status": "collected"}`, `{"status": "collected"}`, "s.json:18:5: sections[0]: no name"},
		{"section status", `"status": "collected"`, `"status": "done"`, `s.json:18:34: section tables: status "done" is not collected, partial or skipped`},
		{"partial without reason", `, "reason": "1 table hidden"`, ``, "s.json:19:5: section bloat: status partial without a reason"},
		{"section twice", `{"name": "bloat"`, `{"name": "tables"`, "s.json:19:5: section tables appears twice (first on line 18)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := strings.Replace(live, tt.old, tt.new, 1)
			if data == live {
				t.Fatalf("%q is not in the live snapshot", tt.old)
			}
			_, err := ParseSnapshot("s.json", []byte(data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n  %v\nwant it to contain\n  %s", err, tt.want)
			}
			var located *jsonpos.Error
			if !errors.As(err, &located) {
				t.Errorf("error %T is not located", err)
			}
		})
	}
}
