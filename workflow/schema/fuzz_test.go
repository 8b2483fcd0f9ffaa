package schema

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgrollout/pgrollout/workflow"
)

var fuzzSeeds = []string{
	"",
	"SELECT 1",
	"-- c\nSELECT 1; /* d */ SELECT 2 -- e",
	"SELECT 'é';\n\tSELECT 'ü' 1;",
	"CREATE TABLE t (a int,, b int)",
	"SELECT $$ ; $$; SELECT E'\\x41';",
	"SELECT '\xff\xfe'; SELECT \xc3",
	"CREATE TABLE",
	"SELECT 'a;\n'; SELECT E'b\\';'; SELECT \"c;\"; SELECT $t$ ; $t$; /* ; /* ; */ ; */ SELECT 1; -- ;\nSELECT $1;",
	"CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END; SELECT 3;",
	"SELECT 1;;;\r\n;SELECT 2;",
	baseSchema,
	"CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (a_id int REFERENCES a, UNIQUE (a_id));" +
		"CREATE UNIQUE INDEX CONCURRENTLY i ON b (a_id) WHERE a_id > 0;" +
		"ALTER TABLE b ADD CONSTRAINT k UNIQUE USING INDEX i, ALTER a_id SET NOT NULL;" +
		"ALTER TABLE a RENAME COLUMN id TO a_id; ALTER TABLE b RENAME TO c; DROP TABLE a CASCADE;" +
		"CREATE TYPE e AS ENUM ('x'); ALTER TYPE e ADD VALUE 'y' AFTER 'x'; DROP TYPE e;",
	partSchema + "CREATE TABLE p2 PARTITION OF events (kind NOT NULL) FOR VALUES FROM (MINVALUE) TO ('2025-01-01') PARTITION BY LIST (kind);" +
		"CREATE TABLE p3 PARTITION OF p2 DEFAULT; CREATE TABLE x (LIKE events); ALTER TABLE events ATTACH PARTITION x FOR VALUES FROM ('2026-01-01') TO (MAXVALUE);" +
		"ALTER TABLE events ADD COLUMN b int; ALTER TABLE events RENAME COLUMN kind TO k; ALTER TABLE events DETACH PARTITION x CONCURRENTLY;" +
		"CREATE TABLE h (a int) PARTITION BY HASH (a); CREATE TABLE c () INHERITS (x); ALTER TABLE c NO INHERIT x; DROP TABLE events, p3 CASCADE;",
}

// checkPos fails when p is not a place in src: a line that exists and a
// column at most one past the end of that line.
func checkPos(t *testing.T, src string, p workflow.Position) {
	t.Helper()
	lines := strings.Split(src, "\n")
	if p.Line < 1 || p.Line > len(lines) {
		t.Fatalf("line %d outside 1..%d", p.Line, len(lines))
	}
	if n := utf8.RuneCountInString(lines[p.Line-1]); p.Column < 1 || p.Column > n+1 {
		t.Fatalf("column %d outside 1..%d on line %d", p.Column, n+1, p.Line)
	}
}

func FuzzSplit(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		stmts, err := Split("f.sql", sql)
		if err != nil {
			var se *SyntaxError
			if errors.As(err, &se) && se.Pos.Line != 0 {
				checkPos(t, sql, se.Pos)
			}
			return
		}
		prevEnd := 0
		for _, st := range stmts {
			if st.Start < prevEnd || st.Start > st.End || st.End > len(sql) {
				t.Fatalf("statement bytes %d..%d out of order or outside the input (previous end %d, length %d)",
					st.Start, st.End, prevEnd, len(sql))
			}
			prevEnd = st.End
			if st.Text != sql[st.Start:st.End] {
				t.Fatalf("Text %q is not the input at %d..%d", st.Text, st.Start, st.End)
			}
			checkPos(t, sql, st.Pos)
			if st.EndLine < st.Pos.Line || st.EndLine > strings.Count(sql, "\n")+1 {
				t.Fatalf("end line %d before %d or past the input", st.EndLine, st.Pos.Line)
			}
			if st.Kind == "" {
				t.Fatalf("statement %q without a kind", st.Text)
			}
		}
		samePieces(t, sql, stmts)
	})
}

// samePieces fails when parsing sql in three pieces does not give the
// statements one parse gives.
func samePieces(t *testing.T, sql string, whole []Statement) {
	t.Helper()
	pieces, err := split("f.sql", sql, pg_query.Parse, 3, 0)
	if err != nil {
		t.Fatalf("pieces fail where the whole parses: %v", err)
	}
	if len(pieces) != len(whole) {
		t.Fatalf("%d statements in pieces, %d whole", len(pieces), len(whole))
	}
	for i := range whole {
		w, p := whole[i], pieces[i]
		if w.Text != p.Text || w.Start != p.Start || w.End != p.End || w.Pos != p.Pos || w.EndLine != p.EndLine ||
			w.Kind != p.Kind || w.Target != p.Target || !proto.Equal(w.Node, p.Node) {
			t.Fatalf("statement %d differs in pieces:\n%+v\nwhole:\n%+v", i, p, w)
		}
	}
}

// FuzzApply replays whatever parses into a model: it may fail, never panic,
// and a failed statement must leave the model as it was.
func FuzzApply(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		stmts, err := Split("f.sql", sql)
		if err != nil {
			return
		}
		m := &Model{}
		for _, st := range stmts {
			before := dump(m)
			if err := m.Apply(st); err != nil {
				if got := dump(m); got != before {
					t.Fatalf("failed %q changed the model:\n%s\nwas:\n%s", st.Text, got, before)
				}
			}
		}
	})
}
