package audit

import (
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
	var ids, badges []string
	for _, it := range items {
		ids = append(ids, it.ID)
		badges = append(badges, it.Badge)
	}
	if got, want := strings.Join(ids, " "), "overview seq-scans temp-writes indexes"; got != want {
		t.Errorf("ids %q, want %q", got, want)
	}
	if got, want := strings.Join(badges, " | "), "14 d window | orders 98.9 % | 15.4 GiB | 2 unscanned"; got != want {
		t.Errorf("badges %q, want %q", got, want)
	}
	if items[3].Tone != workflow.ToneWarn || items[0].Tone != workflow.ToneNeutral {
		t.Errorf("tones %d %d", items[0].Tone, items[3].Tone)
	}
	contains(t, items[0],
		"- Server: PostgreSQL 16.4",
		"- Statistics window: 14 d 9 h 30 min (captured_at − stats_reset)",
		"- Cache hit ratio: 97.0 % (96,512,330,004 blocks",
		"- Commits: 412,884,120 (332 a second",
		"- Temp files: 52,318 files, 15.4 GiB",
		"- Deadlocks: 3",
		"7 tables (26.6 GiB with their indexes and TOAST), 15 indexes (2.9 GiB) and 6 pg_stat_statements rows",
	)
	contains(t, items[1],
		"| public.orders | 316,402,118,733 | 51,904 | 6,095,910 | 86,112,907 | 0.06 % | 6,148,230 | 4.1 GiB |",
		"| public.support_notes | 2,880,112,640 | 31,240 | 92,193 | 0 | 100.0 % |",
		"`public.orders` accounts for 98.9 % of the rows read by sequential scans",
		"(0.99 × its 6,148,230 live rows)",
		"Statements whose text names `orders`",
		"| 48,210 | 740.6 ms | 9 h 55 min | 14.8 GiB |",
	)
	if strings.Contains(items[1].Detail, "order_items (") {
		t.Error("the text match took order_items for orders")
	}
	contains(t, items[2],
		"52,318 temp files, 15.4 GiB in all, about 1.1 GiB a day",
		"(temp_blks_written × block size 8.0 KiB)",
		"| 1 | `SELECT o.id, o.status, o.total_amount_cents, o.currency, o.created_at…` | 14.8 GiB | 321.3 KiB | 48,210 | 740.6 ms | 96.1 % |",
		"## 1. queryid 4823049173802211845",
		"## 2. queryid 6650912334087126903",
		"- Shared blocks: 15,904,221,040 hit, 1,158,904,233 read (93.2 % hit); 2.7 GiB touched a call",
	)
	if strings.Contains(items[2].Detail, "## 3.") {
		t.Error("statements without temp writes are listed")
	}
	contains(t, items[3],
		"15 indexes, 2.9 GiB in all. 2 had no scans in the 14 d 9 h 30 min window; all are valid.",
		"| orders_status_idx | public.orders | 0 | 0 | 142.0 MiB | no | no | yes | no scans in the window |",
		"- `public.orders_status_idx` on `public.orders`: 142.0 MiB, neither unique nor primary",
		"- `public.support_notes_pkey` on `public.support_notes`: 2.0 MiB, the primary key",
		"No scans is not the same as droppable",
	)
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
	if len(items) != 4 {
		t.Fatalf("%d items", len(items))
	}
	if items[0].Badge != "≥ 1 d window" || items[1].Badge != "b 100.0 %" || items[2].Badge != "3.0 MiB" || items[3].Badge != "1 not valid, 1 unscanned" {
		t.Errorf("badges %q %q %q %q", items[0].Badge, items[1].Badge, items[2].Badge, items[3].Badge)
	}
	contains(t, items[0],
		"- Statistics window: at least 1 d (stats_reset not recorded",
		"- Statistics reset: —",
		"- Cache hit ratio: no blocks read or hit",
		"- Commits: 86,400 (1 a second on average over the window)",
		"- Temp files: 2 files, 3.0 MiB (1.5 MiB a file on average)",
		"no pg_stat_statements rows: statements cannot be attributed",
	)
	contains(t, items[1],
		"| app.b | 400 | 4 | 100 | 0 | 100.0 % | 100 | 1.5 KiB |",
		"| app.a | 0 | 0 | — | 7 | 0 % | 10 | 0 B |",
		"The snapshot has no pg_stat_statements rows, so the scans cannot be tied to statements.",
	)
	contains(t, items[2], "2 temp files, 3.0 MiB in all, about 3.0 MiB a day", "cannot be attributed to statements")
	contains(t, items[3],
		"2 indexes, 3.0 KiB in all. 1 had no scans in the 1 d window; 1 is not valid.",
		"| b_x_idx | app.b | 0 | 0 | 2.0 KiB | no | no | no | no scans in the window; not valid |",
		"## Not valid",
	)
}

func TestItemsQuietSnapshot(t *testing.T) {
	quiet := `{"captured_at": "2026-03-02T12:00:00Z", "server_version": "17.2", "database": {"name": "q", "blks_hit": 1},
  "tables": [], "indexes": [], "statements": [{"queryid": 1, "query": "SELECT 1", "calls": 1}]}`
	items, err := Items(snapshotProject("audit/quiet.json", quiet))
	if err != nil {
		t.Fatal(err)
	}
	if items[0].Badge != "no window" || items[1].Badge != "no tables" || items[3].Badge != "no indexes" {
		t.Errorf("badges %q %q %q", items[0].Badge, items[1].Badge, items[3].Badge)
	}
	contains(t, items[0], "- Statistics window: unknown", "- Cache hit ratio: 100.0 %")
	contains(t, items[2], "None of the 1 pg_stat_statements rows wrote temp blocks.")
}

func TestItemsSeveralSnapshots(t *testing.T) {
	items, err := Items(snapshotProject("audit/before.json", crafted, "audit/after.json", crafted))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 8 || items[0].ID != "audit/before.json:overview" || items[7].ID != "audit/after.json:indexes" ||
		items[4].Title != "Statistics snapshot (audit/after.json)" {
		t.Errorf("items %q %q %q", items[0].ID, items[7].ID, items[4].Title)
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
