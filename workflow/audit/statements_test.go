package audit

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgrollout/pgrollout/internal/pgtest"
	"github.com/pgrollout/pgrollout/workflow/pgread"
)

func TestMergeStatements(t *testing.T) {
	rows := []StatementStats{
		{QueryID: 5, Query: "SELECT count(*) FROM app.orders WHERE amount = $1", Calls: 30, TotalExecTimeMs: 300, MeanExecTimeMs: 10, TempBlksWritten: 100, Rows: 30},
		{QueryID: 9, Query: "SELECT 1", Calls: 1, TotalExecTimeMs: 1, MeanExecTimeMs: 1},
		{QueryID: 5, Query: "SELECT count(*) FROM app.orders WHERE amount = $2", Calls: 10, TotalExecTimeMs: 500, MeanExecTimeMs: 50, TempBlksWritten: 60, Rows: 10, TempBlksRead: 4},
		{QueryID: 0, Query: hiddenQueryText, Calls: 3, TotalExecTimeMs: 2},
		{QueryID: 0, Query: hiddenQueryText, Calls: 4, TotalExecTimeMs: 3},
	}
	got := mergeStatements(rows)
	want := []StatementStats{
		{QueryID: 5, Query: "SELECT count(*) FROM app.orders WHERE amount = $1", Calls: 40, TotalExecTimeMs: 800, MeanExecTimeMs: 20, TempBlksWritten: 160, Rows: 40, TempBlksRead: 4},
		{QueryID: 0, Query: hiddenQueryText, Calls: 4, TotalExecTimeMs: 3},
		{QueryID: 0, Query: hiddenQueryText, Calls: 3, TotalExecTimeMs: 2},
		{QueryID: 9, Query: "SELECT 1", Calls: 1, TotalExecTimeMs: 1, MeanExecTimeMs: 1},
	}
	if !slices.Equal(got, want) {
		t.Errorf("merged:\n%+v\nwant\n%+v", got, want)
	}
}

func TestParseStatement(t *testing.T) {
	cases := []struct {
		query   string
		kind    stmtKind
		command string
		params  int
		text    string
	}{
		{"SELECT a FROM t WHERE b = $1 AND c = $12;", kindExplainable, "SELECT", 12, "SELECT a FROM t WHERE b = $1 AND c = $12"},
		{"WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", kindExplainable, "INSERT", 0, ""},
		{"VALUES ($1), ($2)", kindExplainable, "SELECT", 2, ""},
		{"CREATE TABLE t2 AS SELECT * FROM t WHERE a > $1", kindExplainable, "CREATE TABLE AS", 1, ""},
		{"CREATE MATERIALIZED VIEW mv AS SELECT * FROM t", kindExplainable, "CREATE MATERIALIZED VIEW", 0, ""},
		{"DECLARE c CURSOR FOR SELECT * FROM t ORDER BY a", kindExplainable, "DECLARE", 0, ""},
		{"PREPARE p (int) AS SELECT * FROM t WHERE a = $1", kindExplainable, "SELECT", 1, "SELECT * FROM t WHERE a = $1"},
		{"CREATE INDEX bloated_v ON app.bloated (v)", kindMaintenance, "CREATE INDEX", 0, ""},
		{"REINDEX TABLE t", kindMaintenance, "REINDEX", 0, ""},
		{"CLUSTER t USING t_pkey", kindMaintenance, "CLUSTER", 0, ""},
		{"VACUUM (FULL) t", kindMaintenance, "VACUUM", 0, ""},
		{"ANALYZE t", kindUtility, "ANALYZE", 0, ""},
		{"COPY t TO STDOUT", kindUtility, "COPY", 0, ""},
		{"REFRESH MATERIALIZED VIEW mv", kindUtility, "REFRESH MATERIALIZED VIEW", 0, ""},
		{"EXECUTE p(1)", kindUtility, "EXECUTE", 0, ""},
		{hiddenQueryText, kindUnknown, "", 0, ""},
		{"", kindUnknown, "", 0, ""},
		{"SELECT 1; SELECT 2", kindUnknown, "", 0, ""},
		{"SELEKT nonsense", kindUnknown, "", 0, ""},
		{"SELECT '$1', \"$2\" FROM t -- $3", kindExplainable, "SELECT", 0, ""},
	}
	for _, c := range cases {
		p := parseStatement(c.query)
		if p.kind != c.kind || p.command != c.command || p.params != c.params || (c.text != "" && p.text != c.text) {
			t.Errorf("%q: kind %d %q, %d params, text %q; want kind %d %q, %d params", c.query, p.kind, p.command, p.params, p.text, c.kind, c.command, c.params)
		}
	}
}

func TestTablesRead(t *testing.T) {
	const table = `"My Schema"."Order Items"`
	cases := []struct {
		query string
		reads bool
	}{
		{`SELECT count(*) FROM ` + table + ` WHERE amount = $1`, true},
		{`SELECT * FROM app.customers c JOIN ` + table + ` i ON i.customer_id = c.id`, true},
		{`SELECT * FROM app.customers c WHERE EXISTS (SELECT 1 FROM ` + table + ` i WHERE i.customer_id = c.id)`, true},
		{`WITH x AS (SELECT * FROM ` + table + `) SELECT * FROM x`, true},
		{`SELECT * FROM "Order Items"`, true}, // unqualified: any schema
		{`UPDATE ` + table + ` SET amount = $1 WHERE id = $2`, true},
		{`DELETE FROM ` + table + ` WHERE amount < $1`, true},
		{`INSERT INTO app.archive SELECT * FROM ` + table + ` WHERE amount < $1`, true},
		{`MERGE INTO ` + table + ` t USING app.src s ON t.id = s.id WHEN MATCHED THEN DELETE`, true},
		// Written, not read.
		{`INSERT INTO ` + table + ` (id, amount) SELECT g, g % $1 FROM generate_series($2, $3) g`, false},
		{`UPDATE ` + table + ` SET amount = $1`, false},
		{`DELETE FROM ` + table, false},
		{`CREATE TABLE copy AS SELECT * FROM app.other`, false},
		{`SELECT * INTO "My Schema"."Order Items" FROM app.other`, false},
		// Other tables, or the name in a string, a column or another schema.
		{`SELECT 'My Schema.Order Items' FROM app.other`, false},
		{`SELECT "Order Items" FROM app.other`, false},
		{`SELECT * FROM other."Order Items"`, false},
		{`WITH "Order Items" AS (SELECT 1) SELECT * FROM "Order Items"`, false},
		{`CREATE INDEX ON ` + table + ` (amount)`, false},
		{hiddenQueryText, false},
	}
	for _, c := range cases {
		if got := reads(tablesRead(parseStatement(c.query)), "My Schema", "Order Items"); got != c.reads {
			t.Errorf("%s: reads %v, want %v", c.query, got, c.reads)
		}
	}
}

func TestMarkSQL(t *testing.T) {
	cases := map[string]string{
		"\nSELECT 1":                    "\nSELECT " + auditMarker + " 1",
		"WITH x AS (SELECT 1) TABLE x":  "WITH " + auditMarker + " x AS (SELECT 1) TABLE x",
		"SAVEPOINT pgrollout_section":   "SAVEPOINT " + auditMarker + " pgrollout_section",
		"ROLLBACK":                      "ROLLBACK " + auditMarker,
		"-- comment\nSELECT 1":          auditMarker + " -- comment\nSELECT 1",
		"   ":                           "   ",
		"SELECT(1)":                     "SELECT " + auditMarker + "(1)",
		"select /* other */ 1":          "select " + auditMarker + " /* other */ 1",
		"BEGIN ISOLATION LEVEL SERIALI": "BEGIN " + auditMarker + " ISOLATION LEVEL SERIALI",
	}
	re := regexp.MustCompile(strings.ReplaceAll(auditMarkerRegex, `\s`, `[ \t\n]`))
	for in, want := range cases {
		got := markSQL(in)
		if got != want {
			t.Errorf("markSQL(%q) = %q, want %q", in, got, want)
		}
		if strings.TrimSpace(in) != "" && !re.MatchString(got) {
			t.Errorf("%q does not match %s", got, auditMarkerRegex)
		}
	}
	if re.MatchString("SELECT 1 /* pgrollout audit */") || re.MatchString("SELECT a, /* pgrollout audit */ b") {
		t.Errorf("%s matches a statement the audit did not send", auditMarkerRegex)
	}
}

// tempSnapshot is healthy with one statement writing temp blocks and a
// database that spilled.
func tempSnapshot(st StatementStats, version int) *Snapshot {
	s := healthy()
	s.Server.VersionNum = version
	s.ServerVersion = fmt.Sprintf("%d.1", version/10000)
	s.Server.Settings["maintenance_work_mem"] = "64MB"
	s.Database.TempFiles, s.Database.TempBytes = 10, 100<<20
	s.Statements = append(s.Statements, st)
	return s
}

func TestTempWritesStatements(t *testing.T) {
	const blocks = 12_800 // 100 MiB
	cases := []struct {
		name    string
		st      StatementStats
		version int
		// want and not are in the remediation; caveat in a caveat.
		want, not []string
		caveat    string
	}{
		{"SELECT with parameters, 16", StatementStats{QueryID: 1, Query: "SELECT * FROM app.child WHERE parent_id = $1 ORDER BY id", Calls: 10, TempBlksWritten: blocks},
			160004, []string{"EXPLAIN (GENERIC_PLAN)\nSELECT * FROM app.child WHERE parent_id = $1 ORDER BY id;", "SET LOCAL work_mem"},
			[]string{"ANALYZE, BUFFERS)\nSELECT"}, "work_mem is per sort"},
		{"SELECT with parameters, 13", StatementStats{QueryID: 1, Query: "SELECT * FROM app.child WHERE parent_id = $1 ORDER BY id", Calls: 10, TempBlksWritten: blocks},
			130004, []string{"SET plan_cache_mode = force_generic_plan;\nPREPARE pgrollout_plan AS\nSELECT", "EXPLAIN EXECUTE pgrollout_plan(NULL);", "DEALLOCATE pgrollout_plan;"},
			[]string{"GENERIC_PLAN", "ANALYZE, BUFFERS)\nSELECT"}, ""},
		{"SELECT without parameters", StatementStats{QueryID: 1, Query: "SELECT * FROM app.child ORDER BY id", Calls: 10, TempBlksWritten: blocks},
			130004, []string{"BEGIN;\nEXPLAIN (ANALYZE, BUFFERS)\nSELECT * FROM app.child ORDER BY id;\nROLLBACK;"}, []string{"GENERIC_PLAN"}, ""},
		{"CREATE INDEX", StatementStats{QueryID: 2, Query: "CREATE INDEX bloated_v ON app.bloated (v)", Calls: 1, TempBlksWritten: blocks},
			160004, []string{"SET maintenance_work_mem = '256MB';"}, []string{"EXPLAIN", "SET LOCAL work_mem"}, "autovacuum_work_mem"},
		{"COPY", StatementStats{QueryID: 3, Query: "COPY (SELECT * FROM app.child ORDER BY id) TO STDOUT", Calls: 1, TempBlksWritten: blocks},
			160004, []string{"COPY cannot be explained", "SET work_mem = "}, []string{"EXPLAIN", "SET LOCAL"}, ""},
		{"hidden", StatementStats{QueryID: 0, Query: hiddenQueryText, Calls: 1, TempBlksWritten: blocks},
			160004, nil, nil, "No SQL is proposed: the statement's text is hidden"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Analyze(tempSnapshot(c.st, c.version))
			var f *Finding
			for i := range r.Findings {
				if r.Findings[i].Check == CheckTempWrites && r.Findings[i].Object != "database shop" {
					f = &r.Findings[i]
				}
			}
			if f == nil {
				t.Fatalf("no statement finding: %+v", r.Findings)
			}
			for _, w := range c.want {
				if !strings.Contains(f.Remediation, w) {
					t.Errorf("remediation lacks %q:\n%s", w, f.Remediation)
				}
			}
			for _, n := range c.not {
				if n != "" && strings.Contains(f.Remediation, n) {
					t.Errorf("remediation has %q:\n%s", n, f.Remediation)
				}
			}
			if c.st.QueryID == 0 && (f.Remediation != "" || f.Undo != "") {
				t.Errorf("SQL for a hidden statement: %q, %q", f.Remediation, f.Undo)
			}
			if c.caveat != "" && !slices.ContainsFunc(f.Caveats, func(s string) bool { return strings.Contains(s, c.caveat) }) {
				t.Errorf("no caveat %q: %q", c.caveat, f.Caveats)
			}
			// The share is of pg_stat_statements' temp blocks (all of them
			// here), never of pg_stat_database's temp bytes.
			if !strings.Contains(f.Message, "100.0 % of the temp blocks pg_stat_statements counted") ||
				!slices.Contains(f.Evidence, Evidence{"Temp blocks written (pg_stat_statements)", "12,800 blocks (100.0 MiB)"}) {
				t.Errorf("message %q, evidence %+v", f.Message, f.Evidence)
			}
		})
	}
}

// TestTempWritesShareAndWindow: two statements splitting the temp blocks
// 85/15 give one finding each with those shares, whatever the database's
// temp bytes, labelled with pg_stat_statements' own window.
func TestTempWritesShareAndWindow(t *testing.T) {
	s := tempSnapshot(StatementStats{QueryID: 1, Query: "SELECT * FROM app.child ORDER BY id", Calls: 10, TempBlksWritten: 8_500}, 160004)
	s.Statements = append(s.Statements, StatementStats{QueryID: 2, Query: "SELECT * FROM app.parent ORDER BY id", Calls: 10, TempBlksWritten: 1_500})
	s.Database.TempBytes = 10 << 30 // far more than the statements' blocks
	s.Server.PGSS.StatsReset = captured.Add(-2 * time.Hour)
	r := Analyze(s)
	shares := map[string]string{}
	for _, f := range r.Findings {
		if f.Check != CheckTempWrites || !strings.HasPrefix(f.Object, "queryid") {
			continue
		}
		for _, e := range f.Evidence {
			if e.Name == "Share of pg_stat_statements temp blocks" {
				shares[f.Object] = e.Value
			}
		}
		if !strings.Contains(f.Window, "2 h since pg_stat_statements' stats_reset") {
			t.Errorf("%s: window %q", f.Object, f.Window)
		}
	}
	if shares["queryid 1"] != "85.0 %" || shares["queryid 2"] != "15.0 %" || len(shares) != 2 {
		t.Errorf("shares %v", shares)
	}
}

// TestSeqScanPicksAReader: the statement EXPLAINed for a table read by
// sequential scans is one that reads it, not a slower INSERT into it.
func TestSeqScanPicksAReader(t *testing.T) {
	s := healthy()
	s.Tables = append(s.Tables, TableStats{Schema: "My Schema", Name: "Order Items", SeqScan: 110, SeqTupRead: 110 * 20_000, NLiveTup: 20_000, NTupIns: 20_000})
	s.Statements = []StatementStats{
		{QueryID: 1, Query: `INSERT INTO "My Schema"."Order Items" (id, amount) SELECT g, g % $1 FROM generate_series($2, $3) g`, Calls: 1, TotalExecTimeMs: 9000},
		{QueryID: 2, Query: `SELECT 'Order Items' FROM app.parent`, Calls: 1, TotalExecTimeMs: 8000},
		{QueryID: 3, Query: `SELECT count(*) FROM "My Schema"."Order Items" WHERE amount = $1`, Calls: 110, TotalExecTimeMs: 220},
		{QueryID: 4, Query: `SELECT * FROM "My Schema"."Order Items" WHERE id = $1`, Calls: 5, TotalExecTimeMs: 1},
	}
	f := findingOf(t, Analyze(s), CheckSeqScanPressure, `My Schema.Order Items`)
	if !strings.Contains(f.Remediation, "EXPLAIN (GENERIC_PLAN)\nSELECT count(*) FROM \"My Schema\".\"Order Items\" WHERE amount = $1;") ||
		strings.Contains(f.Remediation, "INSERT") || !strings.Contains(f.Remediation, "queryid 3") {
		t.Errorf("remediation:\n%s", f.Remediation)
	}

	s.Statements = s.Statements[:2]
	f = findingOf(t, Analyze(s), CheckSeqScanPressure, `My Schema.Order Items`)
	if !strings.Contains(f.Remediation, "No pg_stat_statements statement reads") || strings.Contains(f.Remediation, "EXPLAIN\n") {
		t.Errorf("remediation without a reader:\n%s", f.Remediation)
	}
}

func TestDeltaStatementsWindow(t *testing.T) {
	reset := captured.Add(-time.Hour)
	pair := func() (*Snapshot, *Snapshot) {
		a, b := deltaPair()
		for _, s := range []*Snapshot{a, b} {
			s.Server = &ServerInfo{VersionNum: 160004, PGSS: &PGSSInfo{Schema: "public", Version: "1.10", Readable: true, QueryTextVisible: true, StatsReset: reset, Dealloc: 3}}
		}
		// A statement first run during the interval: all of it is the
		// interval's.
		b.Statements = append(b.Statements, StatementStats{QueryID: 3, Calls: 7, TotalExecTimeMs: 14, MeanExecTimeMs: 2, TempBlksWritten: 50})
		return a, b
	}
	cases := []struct {
		name   string
		change func(b *Snapshot)
		note   string // "" when the statements are kept
	}{
		{"same pg_stat_statements window", func(*Snapshot) {}, ""},
		{"pg_stat_statements reset", func(b *Snapshot) { b.Server.PGSS.StatsReset = b.CapturedAt.Add(-time.Second) }, "pg_stat_statements was reset"},
		{"entries evicted", func(b *Snapshot) { b.Server.PGSS.Dealloc = 4 }, "evicted entries 1 time"},
	}
	for _, c := range cases {
		a, b := pair()
		c.change(b)
		d, notes, err := Delta(a, b)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		joined := strings.Join(notes, "\n")
		if c.note == "" {
			if len(d.Statements) != 3 || d.Statements[2].Calls != 7 || d.Statements[2].TempBlksWritten != 50 ||
				!d.Server.PGSS.StatsReset.Equal(a.CapturedAt) || d.Server.PGSS.Dealloc != 0 {
				t.Errorf("%s: statements %+v, pgss %+v, notes %q", c.name, d.Statements, d.Server.PGSS, notes)
			}
		} else if len(d.Statements) != 0 || !strings.Contains(joined, c.note) {
			t.Errorf("%s: statements %+v, notes %q", c.name, d.Statements, notes)
		}
		if b.Server.PGSS.StatsReset.Equal(a.CapturedAt) {
			t.Errorf("%s: Delta changed its input", c.name)
		}
		var sections int
		for _, sec := range d.Sections {
			if sec.Name == SectionStatements {
				sections++
			}
		}
		if sections > 1 {
			t.Errorf("%s: %d statements sections", c.name, sections)
		}
	}
}

// TestParsePGSSInfo: ParseSnapshot rejects a pg_stat_statements reset after
// the capture and a negative dealloc.
func TestParsePGSSInfo(t *testing.T) {
	base := `{"captured_at": "2026-11-02T09:30:00Z", "server_version": "16.4", "database": {"name": "d"}, "tables": [], "indexes": [],
	  "server": {"version_num": 160004, "user": "u", "superuser": false, "in_recovery": false, "track_counts": true, "track_io_timing": false,
	    "pg_stat_statements": {"schema": "public", "version": "1.10", "readable": true, "query_text_visible": true%s}}}`
	for _, c := range []struct{ extra, err string }{
		{`, "stats_reset": "2026-11-01T00:00:00Z", "dealloc": 2`, ""},
		{`, "stats_reset": "2026-11-03T00:00:00Z"`, "stats_reset 2026-11-03T00:00:00Z is after captured_at"},
		{`, "dealloc": -1`, "dealloc is negative"},
	} {
		_, err := ParseSnapshot("s.json", []byte(fmt.Sprintf(base, c.extra)))
		if (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%s: %v, want %q", c.extra, err, c.err)
		}
	}
}

// TestTempRemediationsRun runs every kind of temp-writes remediation, and
// its undo, on the test server, with the server's own version: they must be
// SQL PostgreSQL takes.
func TestTempRemediationsRun(t *testing.T) {
	db := pgtest.NewDB(t)
	ctx := context.Background()
	conn := db.Connect(t)
	version := pgtest.ServerVersion(t, conn)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA app;
		CREATE TABLE app.child (id int PRIMARY KEY, parent_id int, v text);
		INSERT INTO app.child SELECT g, g % 10, md5(g::text) FROM generate_series(1, 1000) g;
		CREATE TABLE app.bloated (v text)`); err != nil {
		t.Fatal(err)
	}
	var num int
	if err := conn.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&num); err != nil {
		t.Fatal(err)
	}
	queries := []string{
		"SELECT * FROM app.child WHERE parent_id = $1 AND v > $2 ORDER BY v DESC",
		"SELECT * FROM app.child ORDER BY v",
		"INSERT INTO app.child (id, parent_id, v) SELECT id + $1, parent_id, v FROM app.child WHERE id < $2",
		"UPDATE app.child SET v = v || $1 WHERE parent_id = $2",
		"DELETE FROM app.child WHERE id > 500",
		"CREATE TABLE app.copy AS SELECT * FROM app.child ORDER BY v",
		"CREATE TABLE app.copy2 AS SELECT * FROM app.child WHERE id > $1 ORDER BY v",
		"PREPARE q (int) AS SELECT * FROM app.child WHERE parent_id = $1 ORDER BY v",
		"DECLARE c CURSOR FOR SELECT * FROM app.child ORDER BY v",
		"CREATE INDEX bloated_v ON app.bloated (v)",
		"COPY (SELECT * FROM app.child ORDER BY v) TO STDOUT",
	}
	for i, q := range queries {
		r := Analyze(tempSnapshot(StatementStats{QueryID: int64(i + 1), Query: q, Calls: 1, TempBlksWritten: 1000}, num))
		for _, f := range r.Findings {
			if f.Check != CheckTempWrites || !strings.HasPrefix(f.Object, "queryid") {
				continue
			}
			if f.Remediation == "" {
				t.Errorf("%s: no remediation", q)
			}
			for _, sql := range []string{f.Remediation, f.Undo} {
				if _, err := conn.Exec(ctx, sql); err != nil {
					t.Errorf("PostgreSQL %d, %s:\n%s\n: %v", version, q, sql, err)
				}
			}
		}
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM app.child").Scan(&n); err != nil || n != 1000 {
		t.Errorf("app.child has %d rows (%v): a remediation wrote", n, err)
	}
}

// TestStatementsLive runs the same statements as two roles, and a sort that
// spills, on a server with pg_stat_statements: the snapshot has one
// statement per queryid with both roles' calls, none of the audit's own
// statements, a delta without counters going down, and seq-scan-pressure
// explains the SELECT that reads the table, not the INSERT that filled it;
// both remediations run.
func TestStatementsLive(t *testing.T) {
	db := pgtest.NewDB(t)
	ctx := context.Background()
	admin := db.Connect(t)
	if !pgssLoaded(t, admin) {
		t.Skip("pg_stat_statements is not preloaded on this server")
	}
	version := pgtest.ServerVersion(t, admin)
	monitor, monitorDSN := collectRole(t, db, "pg_monitor")
	if _, err := admin.Exec(ctx, fmt.Sprintf(`CREATE EXTENSION pg_stat_statements;
		CREATE SCHEMA "My Schema";
		CREATE TABLE "My Schema"."Order Items" (id int PRIMARY KEY, amount int, v text);
		GRANT USAGE ON SCHEMA "My Schema" TO %[1]s;
		GRANT SELECT ON "My Schema"."Order Items" TO %[1]s`, monitor)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // before the role is dropped
		_, _ = admin.Exec(context.Background(), fmt.Sprintf(`REVOKE ALL ON "My Schema"."Order Items" FROM %[1]s;
			REVOKE ALL ON SCHEMA "My Schema" FROM %[1]s`, monitor))
	})
	// The seed is the slowest statement naming the table.
	if _, err := admin.Exec(ctx, `WITH s AS MATERIALIZED (SELECT pg_sleep(0.3))
		INSERT INTO "My Schema"."Order Items" SELECT g, g % 100, md5(g::text) FROM generate_series(1, 20000) g, s`); err != nil {
		t.Fatal(err)
	}
	const count = `SELECT count(*) FROM "My Schema"."Order Items" WHERE amount = 7`
	const spill = `SELECT id, v FROM "My Schema"."Order Items" WHERE amount > 3 ORDER BY v DESC`
	for _, dsn := range []string{db.DSN, monitorDSN} {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, "SET work_mem = '64kB'"); err != nil {
			t.Fatal(err)
		}
		for range 55 {
			if _, err := conn.Exec(ctx, count); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := conn.Exec(ctx, spill); err != nil {
			t.Fatal(err)
		}
		_ = conn.Close(ctx)
	}
	waitForSeqScans(t, admin, 110)

	first, _ := collectAs(t, db.DSN)
	c, err := pgread.Open(ctx, db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close(ctx) }()
	if _, err := Collect(ctx, c); err != nil { // the audit's statements run again
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	s, _ := collectAs(t, db.DSN)

	seen := map[int64]bool{}
	var counted *StatementStats
	for i, st := range s.Statements {
		if seen[st.QueryID] {
			t.Errorf("queryid %d twice", st.QueryID)
		}
		seen[st.QueryID] = true
		if strings.Contains(st.Query, "pgrollout audit") || strings.Contains(st.Query, "pgrollout_section") {
			t.Errorf("the audit's own statement in the snapshot: %.120s", st.Query)
		}
		if strings.HasPrefix(st.Query, `SELECT count(*) FROM "My Schema"."Order Items" WHERE amount = $1`) {
			counted = &s.Statements[i]
		}
	}
	if counted == nil || counted.Calls != 110 || counted.MeanExecTimeMs <= 0 ||
		fmt.Sprintf("%.6f", counted.MeanExecTimeMs) != fmt.Sprintf("%.6f", counted.TotalExecTimeMs/110) {
		t.Errorf("the two roles' SELECT: %+v", counted)
	}
	if p := s.Server.PGSS; version >= 14 && (p.StatsReset.IsZero() || p.StatsReset.After(s.CapturedAt)) {
		t.Errorf("pg_stat_statements_info not read: %+v", p)
	}

	d, notes, err := Delta(first, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range notes {
		if strings.HasPrefix(n, "statement ") || strings.Contains(n, "pg_stat_statements") {
			t.Errorf("delta note: %s", n)
		}
	}
	// Between the snapshots only the audit ran: its marked statements are
	// left out, and what pgread sends around them (BEGIN ... READ ONLY;
	// SELECT 1, COMMIT) touches no table and writes no temp.
	for _, st := range d.Statements {
		if st.Calls != 0 && (st.TempBlksWritten != 0 || st.SharedBlksHit+st.SharedBlksRead != 0) {
			t.Errorf("statement %d ran between the snapshots? %+v", st.QueryID, st)
		}
	}

	r := Analyze(s)
	var temp, seq int
	objects := map[string]bool{}
	for _, f := range r.Findings {
		switch {
		case f.Check == CheckTempWrites && strings.HasPrefix(f.Object, "queryid"):
			temp++
			if objects[f.Object] {
				t.Errorf("two temp-writes findings on %s", f.Object)
			}
			objects[f.Object] = true
			if !strings.Contains(f.Remediation, `ORDER BY v DESC`) {
				t.Errorf("temp-writes on another statement than the sort: %s\n%s", f.Object, f.Remediation)
			}
		case f.Check == CheckSeqScanPressure && f.Object == "My Schema.Order Items":
			seq++
			if !strings.Contains(f.Remediation, `SELECT count(*) FROM "My Schema"."Order Items" WHERE amount = $1;`) || strings.Contains(f.Remediation, "INSERT") {
				t.Errorf("seq-scan-pressure remediation:\n%s", f.Remediation)
			}
		default:
			continue
		}
		for _, sql := range []string{f.Remediation, f.Undo} {
			if sql == "" {
				continue
			}
			if _, err := admin.Exec(ctx, sql); err != nil {
				t.Errorf("%s %s: %v\n%s", f.Check, f.Object, err, sql)
			}
		}
	}
	if temp != 1 || seq != 1 {
		var tempCheck CheckResult
		for _, c := range r.Capabilities {
			if c.Check == CheckTempWrites {
				tempCheck = c
			}
		}
		var writers []StatementStats
		for _, st := range s.Statements {
			if st.TempBlksWritten > 0 {
				writers = append(writers, st)
			}
		}
		t.Errorf("%d temp-writes statement findings, %d seq-scan-pressure on the table; temp-writes %+v; statements writing temp %+v; findings: %+v",
			temp, seq, tempCheck, writers, r.Findings)
	}
}

// waitForSeqScans waits for the closed sessions' statistics to show n
// sequential scans of the table.
func waitForSeqScans(t *testing.T, conn *pgx.Conn, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var scans int64
		if err := conn.QueryRow(context.Background(),
			`SELECT coalesce(sum(seq_scan), 0)::int8 FROM pg_stat_user_tables WHERE relname = 'Order Items'`).Scan(&scans); err != nil {
			t.Fatal(err)
		}
		if scans >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sequential scans of the table after 10 s, want %d", scans, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
