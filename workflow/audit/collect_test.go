package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgrollout/pgrollout/internal/pgtest"
	"github.com/pgrollout/pgrollout/workflow/pgread"
)

// defectsSQL builds the defects the checks look for. The invalid index and the
// workload are made separately (see seed).
const defectsSQL = `
CREATE TABLE parent (id serial PRIMARY KEY, name text);
CREATE TABLE child_noidx (id bigserial PRIMARY KEY, parent_id int REFERENCES parent (id), note text);
CREATE TABLE child_idx (id bigserial PRIMARY KEY, parent_id int REFERENCES parent (id));
CREATE INDEX child_idx_parent ON child_idx (parent_id);
CREATE TABLE items (id int PRIMARY KEY, a int, b int, c text, email text);
CREATE INDEX items_a ON items (a);
CREATE INDEX items_a_dup ON items (a);
CREATE INDEX items_a_b ON items (a, b);
CREATE INDEX items_c_unused ON items (c);
CREATE INDEX items_lower_email ON items (lower(email)) WHERE b > 0;
CREATE INDEX items_b_desc ON items (b DESC NULLS LAST) INCLUDE (c);
CREATE INDEX items_c_pattern ON items (c COLLATE "C" text_pattern_ops);
ALTER TABLE items REPLICA IDENTITY USING INDEX items_pkey;
INSERT INTO parent (name) SELECT 'p' || g FROM generate_series(1, 100) g;
INSERT INTO items SELECT g, g % 100, g % 7, 'c' || g, 'E' || g || '@x' FROM generate_series(1, 5000) g;
CREATE TABLE counters (id serial PRIMARY KEY, v int);
SELECT setval('counters_id_seq', 2147483000);
CREATE TABLE ident (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
SELECT setval(pg_get_serial_sequence('ident', 'id'), 2000000000);
CREATE SEQUENCE unowned_seq;
CREATE TABLE bloated (id int, payload text);
INSERT INTO bloated SELECT g, repeat('x', 100) FROM generate_series(1, 60000) g;
CREATE INDEX bloated_id ON bloated (id);
DELETE FROM bloated WHERE id % 3 <> 0;
CREATE TABLE dups (v int);
INSERT INTO dups VALUES (1), (1);
ANALYZE;
`

// seedDefects fills db with defectsSQL, a failed CREATE UNIQUE INDEX CONCURRENTLY
// (which leaves the invalid index dups_v) and a workload of sequential scans
// and a sort spilling to temp files, run in a session of its own that is
// closed so its statistics are flushed.
func seedDefects(t *testing.T, db pgtest.DB) {
	t.Helper()
	ctx := context.Background()
	work, err := pgx.Connect(ctx, db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := work.Exec(ctx, defectsSQL); err != nil {
		t.Fatalf("seed: %v", err)
	}
	if _, err := work.Exec(ctx, "CREATE UNIQUE INDEX CONCURRENTLY dups_v ON dups (v)"); err == nil {
		t.Fatal("CREATE UNIQUE INDEX CONCURRENTLY over duplicates succeeded")
	}
	for _, sql := range []string{
		// Parallel workers report their scans on their own, later on
		// PostgreSQL 13 and 14 (the statistics collector): one session,
		// one report.
		"SET max_parallel_workers_per_gather = 0",
		"SELECT count(*) FROM items WHERE email LIKE '%42@x'",
		"SELECT count(*) FROM items WHERE a + 0 = 1",
		"SELECT count(*) FROM child_noidx WHERE parent_id = 1",
		"SET work_mem = '64kB'",
		"SELECT id, payload FROM bloated ORDER BY payload DESC, id DESC",
	} {
		if _, err := work.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	_ = work.Close(ctx)
	// The closed session flushes its statistics on exit; wait for them.
	admin := db.Connect(t)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var temp, seq, live int64
		err := admin.QueryRow(ctx, `SELECT (SELECT temp_files FROM pg_stat_database WHERE datname = current_database()),
			(SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'items'),
			(SELECT n_live_tup FROM pg_stat_user_tables WHERE relname = 'items')`).Scan(&temp, &seq, &live)
		if err != nil {
			t.Fatal(err)
		}
		if temp > 0 && seq > 0 && live == 5000 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("workload statistics not flushed: temp_files %d, items seq_scan %d, n_live_tup %d", temp, seq, live)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// collectRole creates a LOGIN role with a random name and password, granted the
// given predefined roles, dropped when the test ends; it returns a DSN
// connecting as it to db.
func collectRole(t *testing.T, db pgtest.DB, grants ...string) (name, dsn string) {
	t.Helper()
	ctx := context.Background()
	var b [5]byte
	_, _ = rand.Read(b[:])
	name = "pgrollout_test_role_" + hex.EncodeToString(b[:])
	password := "pw_" + hex.EncodeToString(b[:])
	admin := pgtest.Server(t)
	if _, err := admin.Exec(ctx, fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'", name, password)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), pgtest.ServerDSN())
		if err != nil {
			t.Errorf("drop role %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP ROLE IF EXISTS "+name); err != nil {
			t.Errorf("drop role %s: %v", name, err)
		}
	})
	for _, g := range grants {
		if _, err := admin.Exec(ctx, fmt.Sprintf("GRANT %s TO %s", g, name)); err != nil {
			t.Fatal(err)
		}
	}
	if u, err := url.Parse(db.DSN); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.User = url.UserPassword(name, password)
		return name, u.String()
	}
	return name, fmt.Sprintf("%s user=%s password=%s", db.DSN, name, password)
}

// collectAs opens a read-only connection and collects a snapshot.
func collectAs(t *testing.T, dsn string, opts ...pgread.Option) (*Snapshot, *pgread.Conn) {
	t.Helper()
	ctx := context.Background()
	c, err := pgread.Open(ctx, dsn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	s, err := Collect(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range s.Sections {
		t.Logf("%-12s %-9s %s", sec.Name, sec.Status, sec.Reason)
	}
	// What Collect gives must read back as a valid snapshot.
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseSnapshot("collected.json", data); err != nil {
		t.Errorf("the collected snapshot does not parse back: %v", err)
	}
	return s, c
}

func collectedSection(t *testing.T, s *Snapshot, name string) Section {
	t.Helper()
	for _, sec := range s.Sections {
		if sec.Name == name {
			return sec
		}
	}
	t.Fatalf("no section %s in %+v", name, s.Sections)
	return Section{}
}

func wantSectionStatus(t *testing.T, s *Snapshot, name, status, reasonHas string) {
	t.Helper()
	sec := collectedSection(t, s, name)
	if sec.Status != status || !strings.Contains(sec.Reason, reasonHas) {
		t.Errorf("section %s: %s (%s), want %s with a reason containing %q", name, sec.Status, sec.Reason, status, reasonHas)
	}
}

func liveIndex(t *testing.T, s *Snapshot, name string) IndexStats {
	t.Helper()
	for _, x := range s.Indexes {
		if x.Name == name {
			return x
		}
	}
	t.Fatalf("no index %s", name)
	return IndexStats{}
}

func liveTable(t *testing.T, s *Snapshot, name string) TableStats {
	t.Helper()
	for _, x := range s.Tables {
		if x.Name == name {
			return x
		}
	}
	t.Fatalf("no table %s", name)
	return TableStats{}
}

func liveSequence(t *testing.T, s *Snapshot, name string) SequenceStats {
	t.Helper()
	for _, q := range s.Sequences {
		if q.Name == name {
			return q
		}
	}
	t.Fatalf("no sequence %s", name)
	return SequenceStats{}
}

// wantWritesFail checks that a write through the collecting connection fails
// with read_only_sql_transaction.
func wantWritesFail(t *testing.T, c *pgread.Conn) {
	t.Helper()
	ctx := context.Background()
	for _, sql := range []string{"INSERT INTO public.parent (name) VALUES ('x')", "CREATE TABLE public.made_by_audit (id int)"} {
		err := c.ReadOnly(ctx, func(tx pgx.Tx) error { _, err := tx.Exec(ctx, sql); return err })
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "25006" {
			t.Errorf("%s through the audit connection: %v, want read_only_sql_transaction", sql, err)
		}
	}
}

// pgssLoaded reports whether the test server has pg_stat_statements in
// shared_preload_libraries.
func pgssLoaded(t *testing.T, conn *pgx.Conn) bool {
	t.Helper()
	var libs string
	if err := conn.QueryRow(context.Background(), "SHOW shared_preload_libraries").Scan(&libs); err != nil {
		t.Fatal(err)
	}
	return strings.Contains(libs, "pg_stat_statements")
}

func TestCollectRoles(t *testing.T) {
	db := pgtest.NewDB(t)
	seedDefects(t, db)
	ctx := context.Background()
	admin := db.Connect(t)
	preloaded := pgssLoaded(t, admin)
	version := pgtest.ServerVersion(t, admin)

	// Before CREATE EXTENSION: not installed.
	s, _ := collectAs(t, db.DSN)
	if s.Server.PGSS != nil {
		t.Errorf("PGSS = %+v before CREATE EXTENSION", s.Server.PGSS)
	}
	wantSectionStatus(t, s, SectionStatements, SectionSkipped, "not installed")

	if _, err := admin.Exec(ctx, "CREATE EXTENSION pg_stat_statements"); err != nil {
		t.Fatal(err)
	}
	if preloaded {
		// A statement for the texts: the spill again, now counted.
		if _, err := admin.Exec(ctx, "SET work_mem = '64kB'"); err != nil {
			t.Fatal(err)
		}
		scans := func() (n int64) {
			if err := admin.QueryRow(ctx, "SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'bloated'").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := scans()
		if _, err := admin.Exec(ctx, "SELECT id, payload FROM bloated ORDER BY payload DESC, id DESC"); err != nil {
			t.Fatal(err)
		}
		// Before PostgreSQL 15 a session reports its counts at most every
		// 500 ms, asynchronously: wait for this scan to show, or it lands
		// between a collection and the views it is compared with.
		for deadline := time.Now().Add(10 * time.Second); scans() == before; {
			if time.Now().After(deadline) {
				t.Fatal("the spill's scan of bloated never showed in pg_stat_user_tables")
			}
			time.Sleep(100 * time.Millisecond)
			if _, err := admin.Exec(ctx, "SELECT pg_stat_clear_snapshot()"); err != nil {
				t.Fatal(err)
			}
		}
	}

	monitor, monitorDSN := collectRole(t, db, "pg_monitor")
	bare, bareDSN := collectRole(t, db)

	t.Run("superuser", func(t *testing.T) {
		s, c := collectAs(t, db.DSN)
		wantWritesFail(t, c)
		srv := s.Server
		if !srv.Superuser || srv.VersionNum/10000 != version || s.Database.Name != db.Name {
			t.Errorf("server %+v, database %q", srv, s.Database.Name)
		}
		if s.CapturedAt.IsZero() || s.PostmasterStart.IsZero() || s.BlockSize == 0 || s.ServerVersion == "" {
			t.Errorf("captured %v, postmaster %v, block %d, version %q", s.CapturedAt, s.PostmasterStart, s.BlockSize, s.ServerVersion)
		}
		if s.Database.XIDAge <= 0 || s.Database.TempFiles == 0 || s.Database.TempBytes == 0 {
			t.Errorf("database %+v: want an XID age and temp files", s.Database)
		}
		for _, name := range []string{"work_mem", "autovacuum_freeze_max_age", "autovacuum_multixact_freeze_max_age", "log_temp_files", "temp_file_limit", "track_counts", "shared_preload_libraries"} {
			if _, ok := srv.Settings[name]; !ok {
				t.Errorf("setting %s not recorded: %v", name, srv.Settings)
			}
		}
		if !srv.TrackCounts {
			t.Error("track_counts off?")
		}
		// The server's work_mem, not the one the audit's own reads use
		// (read on a new session: admin lowered its own above).
		var workMem string
		if err := db.Connect(t).QueryRow(ctx, "SELECT current_setting('work_mem')").Scan(&workMem); err != nil {
			t.Fatal(err)
		}
		if got := srv.Settings["work_mem"]; got != workMem {
			t.Errorf("work_mem recorded as %q, the server's is %q", got, workMem)
		}
		for _, name := range []string{SectionTables, SectionIndexes, SectionForeignKeys, SectionSequences, SectionBloat, SectionXID} {
			wantSectionStatus(t, s, name, SectionCollected, "")
		}
		wantPGSS(t, s, preloaded, true)

		// The defects.
		inv := liveIndex(t, s, "dups_v")
		if inv.Valid || !inv.Unique || inv.BeingBuilt || inv.Table != "dups" || inv.Method != "btree" {
			t.Errorf("invalid index: %+v", inv)
		}
		a, dup, ab := liveIndex(t, s, "items_a"), liveIndex(t, s, "items_a_dup"), liveIndex(t, s, "items_a_b")
		if !slices.Equal(a.Columns, []string{"a"}) || !slices.Equal(dup.Columns, a.Columns) || !slices.Equal(dup.KeyOptions, a.KeyOptions) ||
			!slices.Equal(ab.Columns, []string{"a", "b"}) || !a.Valid || !a.Ready {
			t.Errorf("duplicate/prefix indexes: %+v / %+v / %+v", a, dup, ab)
		}
		if x := liveIndex(t, s, "items_c_unused"); x.IdxScan != 0 || x.SizeBytes == 0 {
			t.Errorf("unused index: %+v", x)
		}
		if x := liveIndex(t, s, "items_b_desc"); !slices.Equal(x.KeyOptions, []string{"DESC NULLS LAST"}) || !slices.Equal(x.Include, []string{"c"}) {
			t.Errorf("items_b_desc: options %q include %q", x.KeyOptions, x.Include)
		}
		if x := liveIndex(t, s, "items_c_pattern"); !slices.Equal(x.KeyOptions, []string{"COLLATE C text_pattern_ops"}) {
			t.Errorf("items_c_pattern: options %q", x.KeyOptions)
		}
		if x := liveIndex(t, s, "items_lower_email"); !slices.Equal(x.Columns, []string{""}) || x.Expressions != "lower(email)" || x.Predicate != "(b > 0)" {
			t.Errorf("expression index: %+v", x)
		}
		if x := liveIndex(t, s, "items_pkey"); !x.Primary || x.Constraint != "items_pkey" || !x.ReplicaIdentity {
			t.Errorf("items_pkey: %+v", x)
		}
		if x := liveTable(t, s, "items"); x.ReplicaIdentityIndex != "items_pkey" || x.SeqScan == 0 || x.TotalBytes <= x.HeapBytes ||
			x.XIDAge <= 0 || x.HeapBlksHit+x.HeapBlksRead == 0 || x.LastAnalyze.IsZero() || x.NLiveTup != 5000 {
			t.Errorf("items: %+v", x)
		}
		if x := liveTable(t, s, "items"); x.LastSeqScan.IsZero() != (version < 16) {
			t.Errorf("items on PostgreSQL %d: last_seq_scan %v (kept from 16 on)", version, x.LastSeqScan)
		}
		// The counters read from the pg_stat_get_* functions are the views'.
		rows, err := admin.Query(ctx, `SELECT s.relname, s.seq_scan, s.seq_tup_read, coalesce(s.idx_scan, 0), coalesce(s.idx_tup_fetch, 0),
			s.n_live_tup, s.n_dead_tup, s.n_tup_ins, s.n_tup_upd, s.n_tup_del,
			io.heap_blks_read, io.heap_blks_hit, coalesce(io.idx_blks_read, 0), coalesce(io.idx_blks_hit, 0)
			FROM pg_stat_user_tables s JOIN pg_statio_user_tables io USING (relid)`)
		if err != nil {
			t.Fatal(err)
		}
		var v TableStats
		if _, err := pgx.ForEachRow(rows, []any{&v.Name, &v.SeqScan, &v.SeqTupRead, &v.IdxScan, &v.IdxTupFetch,
			&v.NLiveTup, &v.NDeadTup, &v.NTupIns, &v.NTupUpd, &v.NTupDel,
			&v.HeapBlksRead, &v.HeapBlksHit, &v.IdxBlksRead, &v.IdxBlksHit}, func() error {
			g := liveTable(t, s, v.Name)
			counters := func(x TableStats) [13]int64 {
				return [...]int64{x.SeqScan, x.SeqTupRead, x.IdxScan, x.IdxTupFetch, x.NLiveTup, x.NDeadTup,
					x.NTupIns, x.NTupUpd, x.NTupDel, x.HeapBlksRead, x.HeapBlksHit, x.IdxBlksRead, x.IdxBlksHit}
			}
			if counters(g) != counters(v) {
				t.Errorf("%s: collected %v, views say %v", v.Name, counters(g), counters(v))
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		var noIdx, withIdx bool
		for _, fk := range s.ForeignKeys {
			switch {
			case fk.Table == "child_noidx" && slices.Equal(fk.Columns, []string{"parent_id"}) && fk.RefTable == "parent" && fk.RefSchema == "public":
				noIdx = true
			case fk.Table == "child_idx" && slices.Equal(fk.Columns, []string{"parent_id"}):
				withIdx = true
			}
		}
		if !noIdx || !withIdx || len(s.ForeignKeys) != 2 {
			t.Errorf("foreign keys: %+v", s.ForeignKeys)
		}
		q := liveSequence(t, s, "counters_id_seq")
		if q.LastValue == nil || *q.LastValue != 2147483000 || !q.Readable || q.DataType != "integer" ||
			q.OwnedBy != "public.counters.id" || q.ColumnType != "integer" || q.MaxValue != 2147483647 || q.Increment != 1 {
			t.Errorf("counters_id_seq: %+v (last %v)", q, q.LastValue)
		}
		if q := liveSequence(t, s, "ident_id_seq"); q.LastValue == nil || *q.LastValue != 2000000000 || q.OwnedBy != "public.ident.id" {
			t.Errorf("identity sequence: %+v", q)
		}
		if q := liveSequence(t, s, "unowned_seq"); q.LastValue != nil || !q.Readable || q.OwnedBy != "" || q.DataType != "bigint" {
			t.Errorf("unused unowned sequence: %+v", q)
		}
		var tb, ib *BloatEstimate
		for i, b := range s.Bloat {
			switch {
			case b.Kind == "table" && b.Name == "bloated":
				tb = &s.Bloat[i]
			case b.Kind == "index" && b.Name == "bloated_id":
				ib = &s.Bloat[i]
			}
		}
		if tb == nil || tb.IsNA || tb.ExtraBytes < tb.RealBytes/2 {
			t.Errorf("table bloat of bloated: %+v (all: %+v)", tb, s.Bloat)
		}
		if ib == nil || ib.IsNA || ib.Table != "bloated" || ib.ExtraBytes < ib.RealBytes/2 {
			t.Errorf("index bloat of bloated_id: %+v", ib)
		}
	})

	t.Run("pg_monitor", func(t *testing.T) {
		s, c := collectAs(t, monitorDSN)
		wantWritesFail(t, c)
		if s.Server.User != monitor || s.Server.Superuser || !slices.Contains(s.Server.Roles, "pg_monitor") || !slices.Contains(s.Server.Roles, "pg_read_all_stats") {
			t.Errorf("server: %+v", s.Server)
		}
		for _, name := range []string{SectionTables, SectionIndexes, SectionForeignKeys, SectionXID} {
			wantSectionStatus(t, s, name, SectionCollected, "")
		}
		wantSectionStatus(t, s, SectionSequences, SectionPartial, "unreadable by role "+monitor)
		wantSectionStatus(t, s, SectionBloat, SectionSkipped, "pg_read_all_data")
		if len(s.Bloat) != 0 {
			t.Errorf("bloat rows without pg_stats access: %+v", s.Bloat)
		}
		if q := liveSequence(t, s, "counters_id_seq"); q.LastValue != nil || q.Readable || q.MaxValue != 2147483647 {
			t.Errorf("counters_id_seq: %+v", q)
		}
		if x := liveIndex(t, s, "dups_v"); x.Valid {
			t.Errorf("invalid index: %+v", x)
		}
		if x := liveTable(t, s, "items"); x.SeqScan == 0 || x.TotalBytes == 0 {
			t.Errorf("items: %+v", x)
		}
		wantPGSS(t, s, preloaded, true)
	})

	t.Run("bare", func(t *testing.T) {
		s, c := collectAs(t, bareDSN)
		wantWritesFail(t, c)
		if s.Server.User != bare || s.Server.Superuser || len(s.Server.Roles) != 0 {
			t.Errorf("server: %+v", s.Server)
		}
		if _, ok := s.Server.Settings["shared_preload_libraries"]; ok {
			t.Errorf("a bare role read shared_preload_libraries?")
		}
		for _, name := range []string{SectionTables, SectionIndexes, SectionForeignKeys, SectionXID} {
			wantSectionStatus(t, s, name, SectionCollected, "")
		}
		wantSectionStatus(t, s, SectionSequences, SectionPartial, "last_value of 6 of 6 sequences unreadable by role "+bare)
		wantSectionStatus(t, s, SectionBloat, SectionSkipped, "cannot read the statistics")
		if q := liveSequence(t, s, "counters_id_seq"); q.LastValue != nil || q.Readable {
			t.Errorf("counters_id_seq: %+v", q)
		}
		if x := liveIndex(t, s, "dups_v"); x.Valid {
			t.Errorf("invalid index: %+v", x)
		}
		if len(s.Tables) != 8 || len(s.Indexes) != 16 || len(s.ForeignKeys) != 2 {
			t.Errorf("%d tables, %d indexes, %d foreign keys", len(s.Tables), len(s.Indexes), len(s.ForeignKeys))
		}
		wantPGSS(t, s, preloaded, false)
	})

	if version >= 14 {
		t.Run("pg_read_all_data", func(t *testing.T) {
			_, dsn := collectRole(t, db, "pg_monitor", "pg_read_all_data")
			s, _ := collectAs(t, dsn)
			wantSectionStatus(t, s, SectionSequences, SectionCollected, "")
			wantSectionStatus(t, s, SectionBloat, SectionCollected, "")
			if q := liveSequence(t, s, "counters_id_seq"); q.LastValue == nil || *q.LastValue != 2147483000 {
				t.Errorf("counters_id_seq: %+v", q)
			}
		})
	}
}

// wantPGSS checks what the snapshot says of pg_stat_statements, installed
// in the database: readable when preloaded, and then with query texts when
// the role may see them all.
func wantPGSS(t *testing.T, s *Snapshot, preloaded, seesAll bool) {
	t.Helper()
	p := s.Server.PGSS
	if p == nil || p.Schema != "public" || p.Version == "" || !slices.Contains(p.Columns, "queryid") {
		t.Fatalf("PGSS: %+v", p)
	}
	if !preloaded {
		if p.Readable || p.QueryTextVisible || len(s.Statements) != 0 {
			t.Errorf("pg_stat_statements not preloaded but readable: %+v", p)
		}
		wantSectionStatus(t, s, SectionStatements, SectionSkipped, "shared_preload_libraries")
		return
	}
	if !p.Readable || len(s.Statements) == 0 {
		t.Fatalf("pg_stat_statements preloaded but not read: %+v, section %+v", p, collectedSection(t, s, SectionStatements))
	}
	var spill bool
	for _, st := range s.Statements {
		if st.TempBlksWritten > 0 && st.Calls > 0 && st.TotalExecTimeMs > 0 {
			spill = spill || !seesAll || strings.Contains(st.Query, "ORDER BY payload")
		}
	}
	if !spill {
		t.Errorf("no statement wrote temp blocks: %+v", s.Statements)
	}
	if seesAll {
		if !p.QueryTextVisible {
			t.Errorf("query texts hidden: %+v", collectedSection(t, s, SectionStatements))
		}
		wantSectionStatus(t, s, SectionStatements, SectionCollected, "")
	} else {
		if p.QueryTextVisible {
			t.Errorf("a bare role sees every query text")
		}
		wantSectionStatus(t, s, SectionStatements, SectionPartial, "pg_read_all_stats")
	}
}

// TestCollectLockedTable holds an ACCESS EXCLUSIVE lock on a table: the
// sizes wait past lock_timeout, and the tables section is still read, but
// for the sizes.
func TestCollectLockedTable(t *testing.T) {
	db := pgtest.NewDB(t)
	ctx := context.Background()
	admin := db.Connect(t)
	// a is over 1 MiB, so its size is measured (and its lock waited for).
	if _, err := admin.Exec(ctx, `CREATE TABLE a (id int PRIMARY KEY, v text);
		INSERT INTO a SELECT g, repeat('v', 100) FROM generate_series(1, 20000) g;
		ANALYZE a;
		CREATE TABLE b (id int PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	locker := db.Connect(t)
	tx, err := locker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "LOCK TABLE a IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	s, _ := collectAs(t, db.DSN, pgread.WithLockTimeout(200*time.Millisecond))
	wantSectionStatus(t, s, SectionTables, SectionPartial, "sizes not read")
	wantSectionStatus(t, s, SectionXID, SectionCollected, "")
	if len(s.Tables) != 2 {
		t.Errorf("tables: %+v", s.Tables)
	}
}

// TestCollectQueryCount shows the number of queries does not grow with the
// schema: the same on 10 and on 200 tables.
func TestCollectQueryCount(t *testing.T) {
	count := func(tables int) int64 {
		db := pgtest.NewDB(t)
		admin := db.Connect(t)
		sql := fmt.Sprintf(`CREATE TABLE t0 (id serial PRIMARY KEY);
		DO $$ BEGIN FOR i IN 1..%d LOOP
			EXECUTE format('CREATE TABLE t%%s (id serial PRIMARY KEY, ref int REFERENCES t0 (id), v text)', i);
			EXECUTE format('CREATE INDEX ON t%%s (v)', i);
			EXECUTE format('INSERT INTO t%%s (v) VALUES (''x'')', i);
		END LOOP; END $$;
		ANALYZE`, tables)
		if _, err := admin.Exec(context.Background(), sql); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		c, err := pgread.Open(ctx, db.DSN)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		before := c.Queries()
		s, err := Collect(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Tables) != tables+1 || len(s.Indexes) != 2*tables+1 || len(s.ForeignKeys) != tables || len(s.Sequences) != tables+1 {
			t.Fatalf("%d tables: got %d tables, %d indexes, %d foreign keys, %d sequences",
				tables, len(s.Tables), len(s.Indexes), len(s.ForeignKeys), len(s.Sequences))
		}
		return c.Queries() - before
	}
	small, large := count(10), count(200)
	t.Logf("queries: %d on 10 tables, %d on 200 tables", small, large)
	if small != large {
		t.Errorf("queries: %d on 10 tables, %d on 200 tables: want the same", small, large)
	}
}

// TestCollectOnOneOrTwoSessions: the collection read on two sessions (the
// second in the first one's exported snapshot) is the one read on one; a
// role that may hold one connection only gets it on one session.
func TestCollectOnOneOrTwoSessions(t *testing.T) {
	db := pgtest.NewDB(t)
	seedDefects(t, db)
	ctx := context.Background()
	c, err := pgread.Open(ctx, db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	read := func(c *pgread.Conn, twoSessions bool) (*Snapshot, int64) {
		t.Helper()
		before := c.Queries()
		// Two sequences to a transaction: both sessions read last values.
		s, err := collect(ctx, c, collectMode{twoSessions: twoSessions, seqChunk: 2})
		if err != nil {
			t.Fatal(err)
		}
		return s, c.Queries() - before
	}
	// What a collection read, but for the counters the audit's own reads
	// move (the database's, the statements') and the capture time.
	catalog := func(s *Snapshot) string {
		names := []string{}
		for _, t := range s.Tables {
			names = append(names, t.Qualified())
		}
		data, err := json.Marshal([]any{names, s.Indexes, s.ForeignKeys, s.Sequences, s.Bloat, s.Sections})
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	two, twoQueries := read(c, true)
	one, oneQueries := read(c, false)
	if a, b := catalog(two), catalog(one); a != b {
		t.Errorf("two sessions read\n%s\none session read\n%s", a, b)
	}
	if len(two.Indexes) == 0 || len(two.Sequences) == 0 || len(two.ForeignKeys) == 0 {
		t.Fatalf("nothing to compare: %d indexes, %d sequences, %d foreign keys", len(two.Indexes), len(two.Sequences), len(two.ForeignKeys))
	}
	// Export, and the second session's BEGIN, SET LOCAL and ROLLBACK;
	// before PostgreSQL 14 the second session also asks whether it is
	// read-only (BEGIN, SHOW, ROLLBACK).
	more := int64(4)
	if pgtest.ServerVersion(t, db.Connect(t)) < 14 {
		more += 3
	}
	if twoQueries != oneQueries+more {
		t.Errorf("queries: %d on two sessions, %d on one: want %d more", twoQueries, oneQueries, more)
	}

	role, dsn := collectRole(t, db, "pg_monitor")
	if _, err := pgtest.Server(t).Exec(ctx, "ALTER ROLE "+role+" CONNECTION LIMIT 1"); err != nil {
		t.Fatal(err)
	}
	limited, err := pgread.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer limited.Close(ctx)
	_, alone := read(limited, false)
	s, n := read(limited, true)
	if n != alone+1 { // the export, before the second session was refused
		t.Errorf("queries with a connection limit of 1: %d, want %d as on one session, and the export", n, alone+1)
	}
	if len(s.Indexes) != len(one.Indexes) || len(s.ForeignKeys) != len(one.ForeignKeys) {
		t.Errorf("with a connection limit of 1: %d indexes, %d foreign keys; want %d, %d",
			len(s.Indexes), len(s.ForeignKeys), len(one.Indexes), len(one.ForeignKeys))
	}
	for _, name := range []string{SectionIndexes, SectionForeignKeys} {
		if sec := collectedSection(t, s, name); sec.Status != SectionCollected {
			t.Errorf("with a connection limit of 1: section %s %s: %s", name, sec.Status, sec.Reason)
		}
	}
}

func TestStatementsSQLFollowsTheExtensionVersion(t *testing.T) {
	base := []string{"userid", "dbid", "queryid", "query", "calls", "rows", "shared_blks_hit", "shared_blks_read", "temp_blks_read", "temp_blks_written"}
	cases := []struct {
		name    string
		extra   []string
		want    []string
		missing []string
	}{
		{"1.7", []string{"total_time", "mean_time", "blk_read_time"}, []string{`s."total_time"`, `s."mean_time"`}, nil},
		{"1.8", []string{"total_exec_time", "mean_exec_time", "total_plan_time", "blk_read_time"}, []string{`s."total_exec_time"`, `s."mean_exec_time"`}, nil},
		{"1.11", []string{"total_exec_time", "mean_exec_time", "shared_blk_read_time", "stats_since"}, []string{`s."total_exec_time"`, `s."mean_exec_time"`}, nil},
		{"stripped", nil, nil, []string{"total_exec_time", "mean_exec_time"}},
	}
	for _, c := range cases {
		info := &PGSSInfo{Schema: "extensions", Version: c.name, Columns: append(slices.Clone(base), c.extra...)}
		sql, missing := statementsSQL(info, 42)
		for _, w := range c.want {
			if !strings.Contains(sql, w) {
				t.Errorf("%s: %s lacks %s", c.name, sql, w)
			}
		}
		if !slices.Equal(missing, c.missing) {
			t.Errorf("%s: missing %v, want %v", c.name, missing, c.missing)
		}
		if !strings.Contains(sql, `FROM "extensions"."pg_stat_statements" s WHERE s.dbid = 42`) {
			t.Errorf("%s: %s", c.name, sql)
		}
	}
}

// TestCollectOldPGSSInOtherSchema installs pg_stat_statements 1.7 (total_time,
// not total_exec_time, as after a pg_upgrade without ALTER EXTENSION UPDATE)
// in a schema of its own: the probe finds it there with its real columns,
// and, when the server preloads the library, its rows are read.
func TestCollectOldPGSSInOtherSchema(t *testing.T) {
	db := pgtest.NewDB(t)
	ctx := context.Background()
	admin := db.Connect(t)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA ext; CREATE EXTENSION pg_stat_statements SCHEMA ext VERSION '1.7'"); err != nil {
		t.Skipf("pg_stat_statements 1.7 cannot be installed here: %v", err)
	}
	s, _ := collectAs(t, db.DSN)
	p := s.Server.PGSS
	if p == nil || p.Schema != "ext" || p.Version != "1.7" || !slices.Contains(p.Columns, "total_time") || slices.Contains(p.Columns, "total_exec_time") {
		t.Fatalf("PGSS: %+v", p)
	}
	if !pgssLoaded(t, admin) {
		wantSectionStatus(t, s, SectionStatements, SectionSkipped, "shared_preload_libraries")
		return
	}
	wantSectionStatus(t, s, SectionStatements, SectionCollected, "")
	var timed bool
	for _, st := range s.Statements {
		timed = timed || (st.TotalExecTimeMs > 0 && st.MeanExecTimeMs > 0)
	}
	if !p.Readable || !timed {
		t.Errorf("statements from pg_stat_statements 1.7: %+v", s.Statements)
	}
}

// TestCollectSizes checks that a relation of 1 MiB or more is measured
// (pg_relation_size, pg_total_relation_size) and a smaller one is given
// its catalog figure.
func TestCollectSizes(t *testing.T) {
	db := pgtest.NewDB(t)
	ctx := context.Background()
	admin := db.Connect(t)
	if _, err := admin.Exec(ctx, `CREATE TABLE big (id int PRIMARY KEY, v text);
		INSERT INTO big SELECT g, repeat('v', 200) FROM generate_series(1, 20000) g;
		CREATE TABLE small (id int PRIMARY KEY) WITH (autovacuum_enabled = off); -- its catalog pages must stay stale
		INSERT INTO small SELECT generate_series(1, 100)`); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "VACUUM ANALYZE big, small"); err != nil {
		t.Fatal(err)
	}
	// More rows after the analyze than autovacuum lets pass, from a
	// session that closes so its statistics are flushed: measured.
	work, err := pgx.Connect(ctx, db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := work.Exec(ctx, "INSERT INTO small SELECT generate_series(101, 1000)"); err != nil {
		t.Fatal(err)
	}
	_ = work.Close(ctx)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var mod int64
		if err := admin.QueryRow(ctx, "SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = 'small'").Scan(&mod); err != nil {
			t.Fatal(err)
		}
		if mod >= 900 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("n_mod_since_analyze %d after 900 inserts", mod)
		}
	}
	var bigTotal, bigHeap, bigPK, smallHeap, smallPages int64
	if err := admin.QueryRow(ctx, `SELECT pg_total_relation_size('big'), pg_relation_size('big'), pg_relation_size('big_pkey'),
		pg_relation_size('small'), (SELECT relpages FROM pg_class WHERE relname = 'small')`).Scan(&bigTotal, &bigHeap, &bigPK, &smallHeap, &smallPages); err != nil {
		t.Fatal(err)
	}
	s, _ := collectAs(t, db.DSN)
	if b := liveTable(t, s, "big"); b.TotalBytes != bigTotal || b.HeapBytes != bigHeap {
		t.Errorf("big: total %d heap %d, want %d %d", b.TotalBytes, b.HeapBytes, bigTotal, bigHeap)
	}
	if x := liveIndex(t, s, "big_pkey"); x.SizeBytes != bigPK {
		t.Errorf("big_pkey: %d, want %d", x.SizeBytes, bigPK)
	}
	if small := liveTable(t, s, "small"); small.HeapBytes != smallHeap || smallHeap == smallPages*s.Block() {
		t.Errorf("small (changed since analyze): heap %d, want the measured %d, not the catalog's %d pages", small.HeapBytes, smallHeap, smallPages)
	}
}

// TestCollectDefinitionsMatchPGGetIndexdef checks the definitions Collect
// writes from the catalog against pg_get_indexdef, over indexes of every
// shape: quoting, collations, operator classes, ordering, INCLUDE, partial,
// unique, NULLS NOT DISTINCT, other access methods, domains, expressions.
func TestCollectDefinitionsMatchPGGetIndexdef(t *testing.T) {
	db := pgtest.NewDB(t)
	ctx := context.Background()
	admin := db.Connect(t)
	version := pgtest.ServerVersion(t, admin)
	sql := `
CREATE SCHEMA "Odd Schema";
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE COLLATION public.mycoll (provider = libc, locale = 'C');
CREATE TABLE "Odd Schema"."Mixed Case" ("Id" int, "order" text, v varchar(20), d posint, m mood, tags text[], j jsonb, r int4range, n numeric);
CREATE INDEX "Idx Upper" ON "Odd Schema"."Mixed Case" ("Id");
CREATE UNIQUE INDEX "select" ON "Odd Schema"."Mixed Case" ("order" COLLATE "C" DESC, "Id" NULLS FIRST);
CREATE INDEX ix_desc_nl ON "Odd Schema"."Mixed Case" ("Id" DESC NULLS LAST, v ASC NULLS LAST);
CREATE INDEX ix_pattern ON "Odd Schema"."Mixed Case" (v varchar_pattern_ops, "order" text_pattern_ops);
CREATE INDEX ix_varchar ON "Odd Schema"."Mixed Case" (v);
CREATE INDEX ix_mycoll ON "Odd Schema"."Mixed Case" ("order" COLLATE public.mycoll);
CREATE INDEX ix_domain ON "Odd Schema"."Mixed Case" (d);
CREATE INDEX ix_enum ON "Odd Schema"."Mixed Case" (m);
CREATE INDEX ix_include ON "Odd Schema"."Mixed Case" ("Id") INCLUDE ("order", v);
CREATE INDEX ix_partial ON "Odd Schema"."Mixed Case" ("Id") WHERE "order" IS NOT NULL AND "Id" > 3;
CREATE INDEX ix_gin ON "Odd Schema"."Mixed Case" USING gin (tags);
CREATE INDEX ix_gin_jsonb ON "Odd Schema"."Mixed Case" USING gin (j jsonb_path_ops);
CREATE INDEX ix_hash ON "Odd Schema"."Mixed Case" USING hash (v);
CREATE INDEX ix_brin ON "Odd Schema"."Mixed Case" USING brin ("Id");
CREATE INDEX ix_gist ON "Odd Schema"."Mixed Case" USING gist (r);
CREATE INDEX ix_expr ON "Odd Schema"."Mixed Case" (lower("order"), ("Id" + 1));
CREATE INDEX ix_ff ON "Odd Schema"."Mixed Case" (n) WITH (fillfactor = 70);
CREATE INDEX ix_textops ON "Odd Schema"."Mixed Case" (v text_ops);
`
	if version >= 15 {
		sql += `CREATE UNIQUE INDEX ix_nnd ON "Odd Schema"."Mixed Case" (v) NULLS NOT DISTINCT;`
	}
	if _, err := admin.Exec(ctx, sql); err != nil {
		t.Fatal(err)
	}
	// Names pg_get_indexdef qualifies depend on search_path: the audit
	// session's is pg_catalog.
	if _, err := admin.Exec(ctx, "SET search_path = pg_catalog"); err != nil {
		t.Fatal(err)
	}
	rows, err := admin.Query(ctx, `SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
		JOIN pg_namespace n ON n.oid = i.relnamespace WHERE n.nspname = 'Odd Schema'`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	var name, def string
	if _, err := pgx.ForEachRow(rows, []any{&name, &def}, func() error { want[name] = def; return nil }); err != nil {
		t.Fatal(err)
	}
	s, _ := collectAs(t, db.DSN)
	got := 0
	for _, x := range s.Indexes {
		if x.Schema != "Odd Schema" {
			continue
		}
		got++
		if x.Definition != want[x.Name] {
			t.Errorf("%s:\n got %s\nwant %s", x.Name, x.Definition, want[x.Name])
		}
	}
	if got != len(want) || got < 18 {
		t.Errorf("%d indexes collected, %d in the catalog", got, len(want))
	}
	if x := liveIndex(t, s, "select"); !slices.Equal(x.KeyOptions, []string{"COLLATE C DESC", "NULLS FIRST"}) || !slices.Equal(x.Columns, []string{"order", "Id"}) {
		t.Errorf("select: %q %q", x.Columns, x.KeyOptions)
	}
	if x := liveIndex(t, s, "ix_mycoll"); !slices.Equal(x.KeyOptions, []string{"COLLATE public.mycoll"}) {
		t.Errorf("ix_mycoll: %q", x.KeyOptions)
	}
	for _, name := range []string{"ix_varchar", "ix_textops", "ix_domain", "ix_enum", "ix_gin"} {
		if x := liveIndex(t, s, name); x.KeyOptions != nil {
			t.Errorf("%s: default operator class shown: %q", name, x.KeyOptions)
		}
	}
	if x := liveIndex(t, s, "ix_pattern"); !slices.Equal(x.KeyOptions, []string{"varchar_pattern_ops", "text_pattern_ops"}) {
		t.Errorf("ix_pattern: %q", x.KeyOptions)
	}
	if x := liveIndex(t, s, "ix_expr"); !slices.Equal(x.Columns, []string{"", ""}) || x.Expressions == "" {
		t.Errorf("ix_expr: %+v", x)
	}
}

// TestLastValuesGivenBackByALostSession: a session whose connection is gone
// gives its chunk of sequences back to the queue, for the other session;
// what no session could read is recorded as not read, with the reason.
func TestLastValuesGivenBackByALostSession(t *testing.T) {
	db := pgtest.NewDB(t)
	ctx := context.Background()
	if _, err := db.Connect(t).Exec(ctx, `CREATE SEQUENCE s1; CREATE SEQUENCE s2; CREATE SEQUENCE s3;
		SELECT nextval('s1'), nextval('s2'), nextval('s2'), nextval('s3'), nextval('s3'), nextval('s3')`); err != nil {
		t.Fatal(err)
	}
	open := func() *pgread.Conn {
		c, err := pgread.Open(ctx, db.DSN)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close(ctx) })
		return c
	}
	listed := func(c *pgread.Conn) (*collector, *lastValueQueue) {
		k := &collector{s: &Snapshot{}, sections: map[string]Section{}}
		if err := c.ReadOnly(ctx, func(tx pgx.Tx) error {
			if err := k.probe(ctx, tx); err != nil {
				return err
			}
			return k.sequences(ctx, tx)
		}); err != nil {
			t.Fatal(err)
		}
		return k, k.newLastValueQueue(1)
	}
	live, lost := open(), open()
	if err := lost.Close(ctx); err != nil {
		t.Fatal(err)
	}

	k, q := listed(live)
	if err := k.lastValues(ctx, lost, q); err != nil {
		t.Fatalf("lost session: %v, want its chunk given back", err)
	}
	if len(q.chunks) != 3 {
		t.Fatalf("after the lost session: %d chunks queued, want all 3", len(q.chunks))
	}
	if err := k.lastValues(ctx, live, q); err != nil {
		t.Fatal(err)
	}
	k.recordSequences(q)
	k.finish()
	wantSectionStatus(t, k.s, SectionSequences, SectionCollected, "")
	for i, name := range []string{"s1", "s2", "s3"} {
		if q := liveSequence(t, k.s, name); q.LastValue == nil || *q.LastValue != int64(i+1) {
			t.Errorf("%s: last value %v, want %d", name, q.LastValue, i+1)
		}
	}

	k, q = listed(live)
	if err := k.lastValues(ctx, lost, q); err != nil {
		t.Fatal(err)
	}
	k.recordSequences(q)
	k.finish()
	wantSectionStatus(t, k.s, SectionSequences, SectionPartial, "last_value of 3 sequences not read")
	for _, name := range []string{"s1", "s2", "s3"} {
		if q := liveSequence(t, k.s, name); q.Readable || q.LastValue != nil {
			t.Errorf("%s not read: readable %v, last value %v", name, q.Readable, q.LastValue)
		}
	}

	// A sequence dropped between the listing and the reading.
	k, q = listed(live)
	if _, err := db.Connect(t).Exec(ctx, "DROP SEQUENCE s2"); err != nil {
		t.Fatal(err)
	}
	if err := k.lastValues(ctx, live, q); err != nil {
		t.Fatal(err)
	}
	k.recordSequences(q)
	k.finish()
	wantSectionStatus(t, k.s, SectionSequences, SectionPartial, "last_value of 1 sequence not read: dropped since the sequences were listed")
	if q := liveSequence(t, k.s, "s3"); q.LastValue == nil || *q.LastValue != 3 {
		t.Errorf("s3 after s2 was dropped: last value %v, want 3", q.LastValue)
	}
}

// TestCollectOnAStandby audits a hot standby (PGROLLOUT_TEST_STANDBY_DSN,
// which bench/pg-versions.sh sets for each version; the test is skipped
// without it): the probe sees the recovery, both sessions share the
// standby's snapshot, and every section is read.
func TestCollectOnAStandby(t *testing.T) {
	dsn := os.Getenv("PGROLLOUT_TEST_STANDBY_DSN")
	if dsn == "" {
		t.Skip("no standby: PGROLLOUT_TEST_STANDBY_DSN is not set (bash bench/pg-versions.sh test sets it)")
	}
	ctx := context.Background()
	c, err := pgread.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("standby %s: %v", pgread.Redacted(dsn), err)
	}
	defer c.Close(ctx)
	one, err := collect(ctx, c, collectMode{seqChunk: seqChunk})
	if err != nil {
		t.Fatal(err)
	}
	before := c.Queries()
	s, err := Collect(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Server.InRecovery {
		t.Errorf("the standby's probe: in recovery %v, want true", s.Server.InRecovery)
	}
	if x := liveIndex(t, s, "standby_fixture_ref"); x.Table != "standby_fixture" {
		t.Errorf("standby_fixture_ref on %q", x.Table)
	}
	if len(s.Indexes) != len(one.Indexes) || len(s.Sequences) != len(one.Sequences) {
		t.Errorf("two sessions read %d indexes, %d sequences; one read %d, %d",
			len(s.Indexes), len(s.Sequences), len(one.Indexes), len(one.Sequences))
	}
	for _, sec := range s.Sections {
		if sec.Status != SectionCollected && sec.Name != SectionStatements {
			t.Errorf("section %s %s: %s", sec.Name, sec.Status, sec.Reason)
		}
	}
	// The export, and the second session's BEGIN, SET LOCAL and ROLLBACK
	// (and its read-only check before PostgreSQL 14): two sessions, not a
	// fallback to one.
	twoQueries := c.Queries() - before
	before = c.Queries()
	if _, err := collect(ctx, c, collectMode{seqChunk: seqChunk}); err != nil {
		t.Fatal(err)
	}
	if oneQueries := c.Queries() - before; twoQueries < oneQueries+4 {
		t.Errorf("queries: %d on two sessions, %d on one: the standby was read on one session", twoQueries, oneQueries)
	}
}
