package audit

import (
	"strings"
	"testing"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// FuzzStatementText feeds arbitrary pg_stat_statements texts through the
// classification and the plan SQL the checks suggest: nothing panics, and
// the SQL suggested for an explainable statement parses.
func FuzzStatementText(f *testing.F) {
	for _, s := range []string{
		"SELECT * FROM app.orders WHERE id = $1",
		"INSERT INTO t SELECT * FROM s JOIN u USING (id)",
		"UPDATE t SET a = $1 FROM s WHERE s.id = t.id",
		"DELETE FROM t USING s WHERE s.id = t.id",
		"WITH x AS (SELECT 1) SELECT * FROM x, \"My Schema\".\"Order Items\"",
		"CREATE TABLE n AS SELECT * FROM t WHERE a > $1",
		"DECLARE c CURSOR FOR SELECT * FROM t",
		"PREPARE p AS SELECT $1::int",
		"MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE",
		"CREATE INDEX i ON t (a)",
		"<insufficient privilege>",
		"SELECT 1; SELECT 2",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		p := parseStatement(text)
		_ = tablesRead(p)
		if p.kind != kindExplainable {
			return
		}
		for _, major := range []int{13, 15, 16, 18} {
			var b strings.Builder
			explainPlan(&b, p, major)
			sql := b.String()
			if strings.HasPrefix(sql, "--") {
				continue
			}
			if _, err := pg_query.Parse(sql); err != nil {
				t.Fatalf("plan SQL for PostgreSQL %d does not parse: %v\n%s", major, err, sql)
			}
		}
	})
}
