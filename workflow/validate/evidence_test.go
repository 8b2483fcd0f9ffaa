package validate

import (
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/pgrollout/pgrollout/sample"
	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/internal/jsonpos"
)

func sampleEvidence(t testing.TB) []byte {
	t.Helper()
	data, err := fs.ReadFile(sample.Checkout(), "staging/evidence.json")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseEvidenceSample(t *testing.T) {
	evs, err := ParseEvidence("staging/evidence.json", sampleEvidence(t))
	if err != nil {
		t.Fatal(err)
	}
	count := map[workflow.EvidenceStatus]int{}
	kinds := map[string]int{}
	for _, ev := range evs {
		count[ev.Status]++
		kinds[ev.Kind]++
		if ev.Stage != workflow.StageValidate || ev.Query == "" || ev.Title == "" || ev.Expected == "" {
			t.Errorf("incomplete evidence %+v", ev)
		}
		if (ev.Status == workflow.EvidenceMissing) != (ev.Observed == "") || (ev.Status == workflow.EvidenceMissing) != ev.CapturedAt.IsZero() {
			t.Errorf("%s: status %s with observed %q at %v", ev.ID, ev.Status, ev.Observed, ev.CapturedAt)
		}
	}
	if count[workflow.EvidencePassed] != 8 || count[workflow.EvidenceMissing] != 1 || count[workflow.EvidenceFailed] != 0 {
		t.Errorf("statuses %v", count)
	}
	for _, k := range Kinds() {
		if kinds[k] == 0 {
			t.Errorf("no %s check in the sample", k)
		}
	}
}

// valid is one valid check; the error tests change one line of it.
const valid = `[
  {
    "id": "dup-check",
    "kind": "constraint",
    "title": "No duplicates",
    "query": "SELECT provider, provider_reference FROM payments GROUP BY 1, 2 HAVING count(*) > 1",
    "expected": "0 rows",
    "observed": "0 rows",
    "status": "passed",
    "captured_at": "2026-10-30T14:12:00Z",
    "source": "staging"
  }
]`

func TestParseEvidenceErrors(t *testing.T) {
	tests := []struct {
		name, old, new, want string
	}{
		{"unknown kind", `"constraint"`, `"benchmark"`, `e.json:4:13: check dup-check: unknown kind "benchmark" (want constraint, row-count, explain, smoke-test)`},
		{"unknown status", `"passed"`, `"ok"`, `e.json:9:15: check dup-check: unknown evidence status "ok"`},
		{"no id", `"dup-check"`, `""`, `e.json:3:11: check #1: no id`},
		{"id with space", `"dup-check"`, `"dup check"`, `e.json:3:11: check dup check: id "dup check" contains white space`},
		{"no title", `"No duplicates"`, `" "`, `e.json:5:14: check dup-check: no title`},
		{"no expected", `"expected": "0 rows",`, ``, `e.json:2:3: check dup-check: no expected result`},
		{"missing with observation", `"passed"`, `"missing"`, `e.json:8:17: check dup-check: status missing, but an observation is recorded`},
		{"passed without observation", `"observed": "0 rows"`, `"observed": ""`, `e.json:8:17: check dup-check: status passed without an observation`},
		{"passed without time", `"captured_at": "2026-10-30T14:12:00Z",`, ``, `e.json:2:3: check dup-check: status passed without captured_at`},
		{"bad time", `"2026-10-30T14:12:00Z"`, `"yesterday"`, `e.json:10:20: [0].captured_at: want an RFC 3339 time`},
		{"query does not parse", `"SELECT provider,`, `"SELEC provider,`, `e.json:6:14: check dup-check: query does not parse: syntax error at or near "SELEC" (at character 1 of the query)`},
		{"query writes", `"SELECT provider, provider_reference FROM payments GROUP BY 1, 2 HAVING count(*) > 1"`, `"DELETE FROM payments"`, `e.json:6:14: check dup-check: query is not read-only: DELETE writes to the database`},
		{"no query", `"SELECT provider, provider_reference FROM payments GROUP BY 1, 2 HAVING count(*) > 1"`, `""`, `e.json:6:14: check dup-check: no query`},
		{"explain kind needs explain", `"constraint"`, `"explain"`, `e.json:6:14: check dup-check: an explain check's query must be a single EXPLAIN statement`},
		{"unknown field", `"source"`, `"sauce"`, `e.json:11:5: [0]: unknown field "sauce"`},
		{"wrong type", `"0 rows",`, `0,`, `e.json:7:17: [0].expected: want a string, got 0`},
		{"syntax", `"staging"`, `"staging",`, `e.json:12:3: invalid character '}' looking for beginning of object key string`},
		{"duplicate", "\n]", ",\n  {\"id\": \"dup-check\", \"kind\": \"smoke-test\", \"title\": \"t\", \"query\": \"SELECT 1\", \"expected\": \"1\", \"status\": \"missing\"}\n]",
			`e.json:13:10: check "dup-check" appears twice (first on line 2)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := strings.Replace(valid, tt.old, tt.new, 1)
			if data == valid {
				t.Fatalf("%q is not in the valid input", tt.old)
			}
			_, err := ParseEvidence("e.json", []byte(data))
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

func TestParseEvidenceWhole(t *testing.T) {
	evs, err := ParseEvidence("e.json", []byte("[]"))
	if err != nil || len(evs) != 0 {
		t.Errorf("ParseEvidence([]) = %v, %v", evs, err)
	}
	for data, want := range map[string]string{
		`{"checks": []}`: "e.json:1:1: want an array, got an object",
		"\n null":        "e.json:2:2: want an array, got null",
		"":               "e.json:1:1: unexpected end of JSON input",
	} {
		if _, err := ParseEvidence("e.json", []byte(data)); err == nil || err.Error() != want {
			t.Errorf("ParseEvidence(%q) = %v, want %s", data, err, want)
		}
	}
}

func TestCheckQuery(t *testing.T) {
	tests := []struct {
		kind, query, want string // want "" means accepted
	}{
		{KindRowCount, "SELECT count(*) FROM orders", ""},
		{KindRowCount, "select 1; select 2;", ""},
		{KindRowCount, "SELECT 1 UNION ALL SELECT 2", ""},
		{KindRowCount, "WITH o AS (SELECT * FROM orders) SELECT count(*) FROM o", ""},
		{KindRowCount, "VALUES (1)", ""},
		{KindRowCount, "SHOW work_mem", ""},
		{KindRowCount, "SET statement_timeout = '5s'; SELECT 1", ""},
		{KindRowCount, "BEGIN READ ONLY; SELECT 1; ROLLBACK;", ""},
		{KindExplain, "EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM orders WHERE customer_id = 1", ""},
		{KindExplain, "EXPLAIN UPDATE orders SET status = 'paid'", ""},
		{KindExplain, "EXPLAIN (ANALYZE false) DELETE FROM orders", ""},
		{KindExplain, "EXPLAIN (ANALYZE off) DELETE FROM orders", ""},
		{KindExplain, "EXPLAIN ANALYZE DELETE FROM orders", "query is not read-only: EXPLAIN ANALYZE executes it: DELETE writes to the database"},
		{KindExplain, "EXPLAIN (ANALYZE true) DELETE FROM orders", "EXPLAIN ANALYZE executes it"},
		{KindExplain, "EXPLAIN (ANALYZE 1) INSERT INTO t VALUES (1)", "INSERT writes"},
		{KindExplain, "SELECT 1", "an explain check's query must be a single EXPLAIN statement"},
		{KindExplain, "EXPLAIN SELECT 1; EXPLAIN SELECT 2", "a single EXPLAIN statement"},
		{KindRowCount, "DELETE FROM orders", "DELETE writes"},
		{KindRowCount, "UPDATE orders SET status = 'paid'", "UPDATE writes"},
		{KindRowCount, "SELECT 1; TRUNCATE orders", "TRUNCATE writes"},
		{KindRowCount, "CREATE INDEX i ON orders (status)", "CREATE INDEX writes"},
		{KindRowCount, "ANALYZE orders", "VACUUM/ANALYZE writes"},
		{KindRowCount, "CREATE EXTENSION pg_trgm", "a CreateExtensionStmt statement writes"},
		{KindRowCount, "SELECT * INTO copy FROM orders", "SELECT INTO creates a table"},
		{KindRowCount, "SELECT * FROM orders FOR UPDATE", "FOR UPDATE/SHARE locks rows"},
		{KindRowCount, "SELECT 1 UNION (SELECT id FROM orders FOR SHARE)", "locks rows"},
		{KindRowCount, "WITH d AS (DELETE FROM orders RETURNING id) SELECT count(*) FROM d", "WITH d: DELETE writes"},
		{KindRowCount, "SELEC 1", `query does not parse: syntax error at or near "SELEC"`},
		{KindRowCount, "   ", "no query"},
		{KindRowCount, "-- only a comment", "query holds no SQL statement"},
	}
	for _, tt := range tests {
		err := checkQuery(tt.kind, tt.query)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("checkQuery(%q) = %v, want it accepted", tt.query, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("checkQuery(%q) = %v, want %q", tt.query, err, tt.want)
		}
	}
}

func FuzzParseEvidence(f *testing.F) {
	f.Add(sampleEvidence(f))
	f.Add([]byte(valid))
	f.Add([]byte(`[{"id": "x", "kind": "explain", "title": "t", "query": "EXPLAIN ANALYZE SELECT 1", "expected": "e", "status": "missing"}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		evs, err := ParseEvidence("e.json", data)
		if err != nil {
			var located *jsonpos.Error
			if !errors.As(err, &located) || located.Pos.File != "e.json" || located.Pos.Line < 1 || located.Pos.Column < 1 {
				t.Fatalf("error not located: %v", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, ev := range evs {
			if seen[ev.ID] || ev.ID == "" || ev.Query == "" {
				t.Fatalf("accepted a bad check %+v", ev)
			}
			seen[ev.ID] = true
			if _, err := workflow.ParseEvidenceStatus(string(ev.Status)); err != nil {
				t.Fatal(err)
			}
		}
	})
}
