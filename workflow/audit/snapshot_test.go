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
	f.Add([]byte(`{"captured_at": "2026-11-02T09:30:00Z", "server_version": "16", "database": {"name": "d"}}`))
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
		// Every accepted snapshot renders.
		for _, it := range []string{overviewItem("s.json", s).Detail, seqScanItem(s).Detail, tempItem(s).Detail, indexItem(s).Detail} {
			if it == "" {
				t.Fatal("empty item")
			}
		}
	})
}
