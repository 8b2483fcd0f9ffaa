package audit

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
)

func snapshotProject(docs ...string) workflow.Project {
	var p workflow.Project
	for i := 0; i+1 < len(docs); i += 2 {
		p.Documents = append(p.Documents, workflow.Document{Kind: workflow.KindStatsSnapshot, Name: docs[i], Text: docs[i+1]})
	}
	return p
}

// contains fails the test for each wanted text missing from an item.
func contains(t *testing.T, it workflow.Item, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(it.Detail, w) {
			t.Errorf("%s lacks %q:\n%s", it.ID, w, it.Detail)
		}
	}
}

func TestItemsSample(t *testing.T) {
	items, err := Items(snapshotProject("audit/stats-snapshot.json", string(sampleSnapshot(t))))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSnapshot("audit/stats-snapshot.json", sampleSnapshot(t))
	if err != nil {
		t.Fatal(err)
	}
	r := Analyze(s)
	// The overview, one item per finding in report order, then the two inventories.
	if len(items) != len(r.Findings)+3 {
		t.Fatalf("%d items for %d findings", len(items), len(r.Findings))
	}
	if items[0].ID != OverviewID || items[0].Badge != "14 d window" || items[0].Tone != workflow.ToneNeutral {
		t.Errorf("first item %q %q", items[0].ID, items[0].Badge)
	}
	for i, f := range r.Findings {
		it := items[i+1]
		if it.ID != f.Check+":"+f.Object || it.Badge != string(f.Severity) || it.Title != f.Object+" · "+f.Check || it.Copy != f.Remediation {
			t.Errorf("item %d: %q %q %q for %s %s", i+1, it.ID, it.Title, it.Badge, f.Check, f.Object)
		}
	}
	if got := items[len(items)-2].ID + " " + items[len(items)-1].ID; got != "seq-scans indexes" {
		t.Errorf("inventories %q", got)
	}
	if items[1].ID != "seq-scan-pressure:public.orders" || items[1].Tone != workflow.ToneWarn {
		t.Errorf("first finding %q, tone %d", items[1].ID, items[1].Tone)
	}
	contains(t, items[0],
		"- Server: PostgreSQL 16.4 (160004), primary",
		"- Read as: role pgrollout_audit, member of pg_monitor, pg_read_all_data",
		"- Statistics window: 14 d 9 h 30 min (captured_at − stats_reset)",
		"- Cache hit ratio: 97.0 % (96,512,330,004 blocks",
		"- Commits: 412,884,120 (332 a second",
		"- Temp files: 52,318 files, 15.4 GiB",
		"- Deadlocks: 3",
		"7 tables (26.6 GiB with their indexes and TOAST), 15 indexes (2.9 GiB) and 6 pg_stat_statements rows",
		"| Check | Status | Reason | Findings |",
		"| seq-scan-pressure | evaluated | — | 2 warnings, 2 info |",
		"| table-bloat | degraded | 1 table estimate is not usable (is_na: statistics missing, or hidden from role pgrollout_audit without pg_read_all_data): public.support_notes | 1 warning |",
		"| duplicate-index | evaluated | — | no findings |",
		"13 warnings, 9 info in all.",
	)
	byID := map[string]workflow.Item{}
	for _, it := range items {
		byID[it.ID] = it
	}
	contains(t, byID["unused-index:public.orders_status_idx"],
		"# Unused indexes: public.orders_status_idx",
		"- Severity: **warning**",
		"- Window: 14 d 9 h 30 min since stats_reset (2026-10-19T00:00:00Z)",
		"| Size | 142.0 MiB |",
		"```sql\nDROP INDEX CONCURRENTLY public.orders_status_idx;\n```",
		"Undo:\n\n```sql\nCREATE INDEX CONCURRENTLY orders_status_idx ON public.orders USING btree (status);\n```",
		"## Caveats",
		"under the 30 days postgres-checkup asks for",
	)
	contains(t, byID["fk-missing-index:public.orders (customer_id)"],
		"CREATE INDEX CONCURRENTLY orders_customer_id_idx ON public.orders (customer_id);",
		"| Referencing table seq scans | 51,904 scans |",
	)
	contains(t, byID["temp-writes:queryid 4823049173802211845"],
		"| Share of pg_stat_statements temp blocks | 96.9 % |",
		"| work_mem | 4.0 MiB |",
		"SET LOCAL work_mem = '8MB';",
	)
	contains(t, byID["sequence-exhaustion:public.invoice_number_seq"],
		"public.invoice_number_seq has used 74.1 % of its own maximum (9,999,999): 2,587,993 values left.",
		"ALTER SEQUENCE public.invoice_number_seq NO MAXVALUE;",
	)
	contains(t, byID[SeqScansID],
		"| public.orders | 316,402,118,733 | 51,904 | 6,095,910 | 86,112,907 | 0.06 % | 6,148,230 | 4.1 GiB |",
		"| public.support_notes | 2,880,112,640 | 31,240 | 92,193 | 0 | 100.0 % |",
	)
	contains(t, byID[IndexesID],
		"15 indexes, 2.9 GiB in all. 2 had no scans in the 14 d 9 h 30 min window; all are valid.",
		"| orders_status_idx | public.orders | 0 | 0 | 142.0 MiB | no | no | yes | no scans in the window |",
	)
	if byID[SeqScansID].Badge != "orders 98.9 %" || byID[IndexesID].Badge != "2 unscanned" {
		t.Errorf("inventory badges %q %q", byID[SeqScansID].Badge, byID[IndexesID].Badge)
	}
}

// crafted has no stats_reset, no statements, an invalid index and a table
// without sequential scans.
const crafted = `{
  "captured_at": "2026-03-02T12:00:00Z",
  "server_version": "15.6",
  "postmaster_start": "2026-03-01T12:00:00Z",
  "block_size": 16384,
  "database": {"name": "shop", "xact_commit": 86400, "temp_files": 2, "temp_bytes": 3145728},
  "tables": [
    {"schema": "app", "name": "a", "seq_scan": 0, "idx_scan": 7, "n_live_tup": 10},
    {"schema": "app", "name": "b", "seq_scan": 4, "seq_tup_read": 400, "idx_scan": 0, "n_live_tup": 100, "total_bytes": 1536}
  ],
  "indexes": [
    {"schema": "app", "table": "a", "name": "a_pkey", "idx_scan": 7, "size_bytes": 1024, "unique": true, "primary": true, "valid": true},
    {"schema": "app", "table": "b", "name": "b_x_idx", "idx_scan": 0, "size_bytes": 2048, "valid": false,
     "definition": "CREATE INDEX b_x_idx ON app.b USING btree (x)"}
  ]
}`

func TestItemsCrafted(t *testing.T) {
	items, err := Items(snapshotProject("audit/crafted.json", crafted))
	if err != nil {
		t.Fatal(err)
	}
	var ids, badges []string
	for _, it := range items {
		ids = append(ids, it.ID)
		badges = append(badges, it.Badge)
	}
	wantIDs := []string{"overview", "invalid-index:app.b_x_idx", "temp-writes:database shop", "seq-scans", "indexes"}
	if !slices.Equal(ids, wantIDs) {
		t.Fatalf("ids %q, want %q", ids, wantIDs)
	}
	if got := strings.Join(badges, " | "); got != "≥ 1 d window | warning | info | b 100.0 % | 1 not valid, 1 unscanned" {
		t.Errorf("badges %q", got)
	}
	contains(t, items[0],
		"- Statistics window: at least 1 d (stats_reset not recorded",
		"- Statistics reset: —",
		"- Cache hit ratio: no blocks read or hit",
		"- Commits: 86,400 (1 a second on average over the window)",
		"- Temp files: 2 files, 3.0 MiB (1.5 MiB a file on average)",
		"no pg_stat_statements rows: statements cannot be attributed",
		"| fk-missing-index | skipped | the snapshot has no foreign keys (collected live only) | no findings |",
		"| cache-hit-ratio | skipped | the database read no blocks in the window | no findings |",
		"| temp-writes | degraded | the snapshot has no pg_stat_statements rows: temp writes cannot be attributed to statements | 1 info |",
	)
	contains(t, items[1],
		"app.b_x_idx is not valid; its table has 100 rows, so rebuilding it is quick.",
		"The snapshot does not say whether a build of this index is running now",
	)
	contains(t, items[3], "| app.b | 400 | 4 | 100 | 0 | 100.0 % | 100 | 1.5 KiB |", "| app.a | 0 | 0 | — | 7 | 0 % | 10 | 0 B |")
	contains(t, items[4],
		"2 indexes, 3.0 KiB in all. 1 had no scans in the 1 d window; 1 is not valid.",
		"| b_x_idx | app.b | 0 | 0 | 2.0 KiB | no | no | no | no scans in the window; not valid |",
	)
}

func TestItemsQuietSnapshot(t *testing.T) {
	quiet := `{"captured_at": "2026-03-02T12:00:00Z", "server_version": "17.2", "database": {"name": "q", "blks_hit": 1},
  "tables": [], "indexes": [], "statements": [{"queryid": 1, "query": "SELECT 1", "calls": 1}]}`
	items, err := Items(snapshotProject("audit/quiet.json", quiet))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 || items[0].Badge != "no window" || items[1].Badge != "no tables" || items[2].Badge != "no indexes" {
		t.Fatalf("items %+v", items)
	}
	contains(t, items[0], "- Statistics window: unknown", "- Cache hit ratio: 100.0 %", "no findings in all.",
		"| unused-index | degraded | the snapshot has no foreign keys (collected live only): an unused index may still serve one; "+
			"the statistics window is unknown (neither stats_reset nor postmaster_start recorded): \"no scans\" has no time span | no findings |")
}

func TestItemsSeveralSnapshots(t *testing.T) {
	items, err := Items(snapshotProject("audit/before.json", crafted, "audit/after.json", crafted))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 10 || items[0].ID != "audit/before.json:overview" || items[9].ID != "audit/after.json:indexes" ||
		items[5].Title != "Statistics snapshot (audit/after.json)" || items[6].ID != "audit/after.json:invalid-index:app.b_x_idx" {
		t.Errorf("items %q %q %q %q", items[0].ID, items[9].ID, items[5].Title, items[6].ID)
	}
}

// TestFindingDecisions: every finding is decided through a decision keyed
// by check and object, undecided (blocked, no history) until someone
// decides; a recorded decision is shared by the same finding in every
// snapshot and shows its state as the badge.
func TestFindingDecisions(t *testing.T) {
	p := snapshotProject("audit/before.json", crafted, "audit/after.json", crafted)
	items, err := Items(p)
	if err != nil {
		t.Fatal(err)
	}
	var findings []workflow.Item
	for _, it := range items {
		if strings.Contains(it.ID, "invalid-index:") {
			findings = append(findings, it)
		}
	}
	if len(findings) != 2 {
		t.Fatalf("want the invalid index once per snapshot, got %d", len(findings))
	}
	d := findings[0].Decision
	if d == nil || d.Stage != workflow.StageAudit || len(d.History) != 0 || d.State() != workflow.Blocked ||
		!slices.Equal(d.Findings, []string{"audit:invalid-index:app.b_x_idx"}) || d.ID != "audit-invalid-index-app-b-x-idx" {
		t.Fatalf("undecided finding: %+v", d)
	}
	for _, it := range items {
		if strings.HasSuffix(it.ID, OverviewID) || strings.HasSuffix(it.ID, IndexesID) || strings.HasSuffix(it.ID, SeqScansID) {
			if it.Decision != nil {
				t.Errorf("%s is an inventory, not something to decide", it.ID)
			}
		}
	}

	decided, err := d.Change(workflow.DecisionChange{At: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC),
		State: workflow.NeedsEvidence, Owner: "dba team", Reason: "rebuild scheduled for Saturday"})
	if err != nil {
		t.Fatal(err)
	}
	p.Decisions = []workflow.Decision{decided}
	items, err = Items(p)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, it := range items {
		if !strings.Contains(it.ID, "invalid-index:") {
			continue
		}
		n++
		if it.Badge != "needs evidence" || it.Tone != workflow.ToneWarn || it.Decision == nil || it.Decision.ID != decided.ID ||
			!strings.Contains(it.Detail, "rebuild scheduled for Saturday") {
			t.Errorf("decided finding %s: badge %q, decision %+v", it.ID, it.Badge, it.Decision)
		}
	}
	if n != 2 {
		t.Errorf("%d decided rows, want 2", n)
	}
}

// TestWindowBadge: the overview's badge keeps the largest unit of the
// statistics window, whatever its length (a fresh server's is seconds).
func TestWindowBadge(t *testing.T) {
	for _, c := range []struct {
		window time.Duration
		want   string
	}{
		{42 * time.Second, "42s window"},
		{5 * time.Minute, "5 min window"},
		{3*time.Hour + 20*time.Minute, "3 h window"},
		{14*24*time.Hour + 9*time.Hour + 30*time.Minute, "14 d window"},
		{0, "no window"},
	} {
		s, err := ParseSnapshot("audit/crafted.json", []byte(crafted))
		if err != nil {
			t.Fatal(err)
		}
		s.StatsReset, s.PostmasterStart = time.Time{}, time.Time{}
		if c.window > 0 {
			s.StatsReset = s.CapturedAt.Add(-c.window)
		}
		if got := overviewItem("audit/crafted.json", s, Analyze(s)).Badge; got != c.want {
			t.Errorf("window %v: badge %q, want %q", c.window, got, c.want)
		}
	}
}

func TestItemsErrors(t *testing.T) {
	_, err := Items(snapshotProject("audit/bad.json", `{"captured_at": 1}`))
	if err == nil || !strings.HasPrefix(err.Error(), "audit/bad.json:1:17: captured_at: want an RFC 3339 time") {
		t.Errorf("error %v", err)
	}
	items, err := Items(workflow.Project{})
	if err != nil || items != nil {
		t.Errorf("empty project: %v, %v", items, err)
	}
}

func TestFormat(t *testing.T) {
	tests := []struct{ got, want string }{
		{count(0), "0"},
		{count(999), "999"},
		{count(1000), "1,000"},
		{count(-1234567), "-1,234,567"},
		{count(316402118733), "316,402,118,733"},
		{percent(0), "0 %"},
		{percent(0.00001), "< 0.01 %"},
		{percent(0.0006), "0.06 %"},
		{percent(0.97), "97.0 %"},
		{percent(1), "100.0 %"},
		{percent(0.99997), "> 99.9 %"},
		{counted(1, "scan", "scans"), "1 scan"},
		{counted(51904, "scan", "scans"), "51,904 scans"},
		{span(30 * time.Second), "30s"},
		{span(90 * time.Minute), "1 h 30 min"},
		{span(14*24*time.Hour + 9*time.Hour + 30*time.Minute), "14 d 9 h 30 min"},
		{span(48 * time.Hour), "2 d"},
		{millis(0.0469), "0.047 ms"},
		{millis(740.57), "740.6 ms"},
		{millis(8400.91), "8.40 s"},
		{millis(35702914.6), "9 h 55 min"},
		{millis(1e300), "2.78e+293 h"},
		{md.Fence("sql", "SELECT '```'"), "````sql\nSELECT '```'\n````\n"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%d: got %q, want %q", i, tt.got, tt.want)
		}
	}
}
