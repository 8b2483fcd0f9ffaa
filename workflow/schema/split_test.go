package schema

import (
	"errors"
	"slices"
	"strings"
	"testing"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
)

func TestSplitPositions(t *testing.T) {
	src := "-- Checkout schema — draft\n" + // line 1 (multi-byte dash)
		"/* block\n" + // 2
		"   comment */\n" + // 3
		"CREATE TABLE customers (\n" + // 4
		"  id bigint PRIMARY KEY -- inner comment stays\n" + // 5
		");\n" + // 6
		"\n" + // 7
		"-- café\n" + // 8
		"SELECT 'é';   SELECT 2; -- trailing\n" + // 9
		"  CREATE INDEX customers_id_idx ON app.customers (id) -- no semicolon\n" // 10
	type want struct {
		text         string
		line, col    int
		endLine      int
		kind, target string
	}
	wants := []want{
		{"CREATE TABLE customers (\n  id bigint PRIMARY KEY -- inner comment stays\n)", 4, 1, 6, "CREATE TABLE", "customers"},
		{"SELECT 'é'", 9, 1, 9, "SELECT", ""},
		// "SELECT 'é';   " is 14 characters but 15 bytes: columns count characters.
		{"SELECT 2", 9, 15, 9, "SELECT", ""},
		{"CREATE INDEX customers_id_idx ON app.customers (id)", 10, 3, 10, "CREATE INDEX", "app.customers"},
	}
	stmts, err := Split("schema.sql", src)
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts) != len(wants) {
		t.Fatalf("got %d statements, want %d", len(stmts), len(wants))
	}
	for i, w := range wants {
		st := stmts[i]
		if st.Text != w.text {
			t.Errorf("stmt %d text = %q, want %q", i, st.Text, w.text)
		}
		wantPos := workflow.Position{File: "schema.sql", Line: w.line, Column: w.col}
		if st.Pos != wantPos || st.EndLine != w.endLine {
			t.Errorf("stmt %d at %v-%d, want %v-%d", i, st.Pos, st.EndLine, wantPos, w.endLine)
		}
		if st.Kind != w.kind || st.Target != w.target {
			t.Errorf("stmt %d kind/target = %q/%q, want %q/%q", i, st.Kind, st.Target, w.kind, w.target)
		}
		if src[st.Start:st.End] != st.Text {
			t.Errorf("stmt %d: Start/End do not frame Text", i)
		}
		if st.Node == nil {
			t.Errorf("stmt %d: no parse tree", i)
		}
	}
}

func TestSplitEmpty(t *testing.T) {
	for _, src := range []string{"", "  \n\t", "-- only a comment\n", "/* c */ ;;", ";"} {
		stmts, err := Split("x.sql", src)
		if err != nil || len(stmts) != 0 {
			t.Errorf("Split(%q) = %d statements, %v; want none, nil", src, len(stmts), err)
		}
	}
}

func TestSplitSyntaxError(t *testing.T) {
	tests := []struct {
		name, src string
		pos       workflow.Position
		msg       string
	}{
		{
			name: "line 3",
			src:  "CREATE TABLE a (id int);\nCREATE TABLE b (\n  id int,, x int\n);\n",
			pos:  workflow.Position{File: "m.sql", Line: 3, Column: 10},
			msg:  `at or near ","`,
		},
		{
			name: "line 3 after multi-byte characters",
			src:  "-- ünïcödé\nSELECT 'ééé';\nSELECT 'ü' 1;\n",
			pos:  workflow.Position{File: "m.sql", Line: 3, Column: 12},
			msg:  `at or near "1"`,
		},
		{
			name: "end of input",
			src:  "SELECT 1;\nCREATE TABLE",
			pos:  workflow.Position{File: "m.sql", Line: 2, Column: 13},
			msg:  "at end of input",
		},
		{
			name: "unterminated string",
			src:  "SELECT 1;\n\n  SELECT 'abc",
			pos:  workflow.Position{File: "m.sql", Line: 3, Column: 10},
			msg:  `unterminated quoted string at or near "'abc"`,
		},
		{
			name: "NUL byte",
			src:  "SELECT 1;\nSELECT \x00;",
			pos:  workflow.Position{File: "m.sql", Line: 2, Column: 8},
			msg:  "NUL byte in input",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Split("m.sql", tt.src)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *SyntaxError", err)
			}
			if se.Pos != tt.pos || se.Message != tt.msg {
				t.Errorf("got %v %q, want %v %q", se.Pos, se.Message, tt.pos, tt.msg)
			}
			want := tt.pos.String() + ": syntax error: " + tt.msg
			if err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
		})
	}
}

func TestSyntaxErrorWithoutFile(t *testing.T) {
	_, err := Split("", "SELECT ,")
	if err == nil || !strings.HasPrefix(err.Error(), "1:8: syntax error: ") {
		t.Errorf("err = %v, want 1:8: syntax error: ...", err)
	}
}

func TestSplitKinds(t *testing.T) {
	tests := []struct{ sql, kind, target string }{
		{"CREATE TABLE app.orders (id int)", "CREATE TABLE", "app.orders"},
		{"ALTER TABLE orders ADD COLUMN note text", "ALTER TABLE", "orders"},
		{"CREATE INDEX CONCURRENTLY i ON orders (a)", "CREATE INDEX", "orders"},
		{"CREATE UNIQUE INDEX i ON app.payments (ref)", "CREATE UNIQUE INDEX", "app.payments"},
		{"DELETE FROM orders WHERE id = 1", "DELETE", "orders"},
		{"UPDATE app.orders SET a = 1", "UPDATE", "app.orders"},
		{"INSERT INTO orders VALUES (1)", "INSERT", "orders"},
		{"BEGIN", "BEGIN", ""},
		{"START TRANSACTION", "START TRANSACTION", ""},
		{"COMMIT", "COMMIT", ""},
		{"ROLLBACK", "ROLLBACK", ""},
		{"SET lock_timeout = '3s'", "SET", "lock_timeout"},
		{"DROP TABLE IF EXISTS app.old, other", "DROP TABLE", "app.old"},
		{"DROP INDEX CONCURRENTLY app.orders_idx", "DROP INDEX", "app.orders_idx"},
		{"ALTER TABLE orders RENAME COLUMN a TO b", "ALTER TABLE RENAME COLUMN", "orders"},
		{"ALTER TABLE orders RENAME TO orders_old", "ALTER TABLE RENAME", "orders"},
		{"ALTER INDEX i RENAME TO j", "ALTER INDEX RENAME", "i"},
		{"CREATE TYPE app.status AS ENUM ('a')", "CREATE TYPE", "app.status"},
		{"ALTER TYPE status ADD VALUE 'b'", "ALTER TYPE", "status"},
		{"CREATE MATERIALIZED VIEW mv AS SELECT 1", "CREATE MATERIALIZED VIEW", "mv"},
		{"VACUUM ANALYZE orders", "VACUUM", "orders"},
		{"ANALYZE orders", "ANALYZE", "orders"},
		{"ALTER DOMAIN d SET NOT NULL", "ALTER DOMAIN", ""},
		{"CREATE SCHEMA app", "CREATE SCHEMA", "app"},
		{"SELECT 1", "SELECT", ""},
		{"CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2)", "CREATE RULE", "t"},
		{"ALTER TABLE orders OWNER TO app", "ALTER TABLE", "orders"},
		{"ALTER TABLE orders SET SCHEMA app", "ALTER TABLE SET SCHEMA", "orders"},
		{"SHOW lock_timeout", "SHOW", "lock_timeout"},
		{"CREATE STATISTICS s ON a, b FROM t", "CREATE STATISTICS", "s"},
	}
	for _, tt := range tests {
		stmts, err := Split("k.sql", tt.sql)
		if err != nil || len(stmts) != 1 {
			t.Errorf("Split(%q) = %d, %v", tt.sql, len(stmts), err)
			continue
		}
		if stmts[0].Kind != tt.kind || stmts[0].Target != tt.target {
			t.Errorf("%q: kind/target = %q/%q, want %q/%q", tt.sql, stmts[0].Kind, stmts[0].Target, tt.kind, tt.target)
		}
	}
}

func TestPositionOf(t *testing.T) {
	src := "SELECT 1;\n  ALTER TABLE é_orders\n    ADD COLUMN note text"
	stmts, err := Split("p.sql", src)
	if err != nil {
		t.Fatal(err)
	}
	st := stmts[1]
	tests := []struct {
		offset int
		want   workflow.Position
	}{
		{st.Start, workflow.Position{File: "p.sql", Line: 2, Column: 3}},
		{strings.Index(src, "é_orders"), workflow.Position{File: "p.sql", Line: 2, Column: 15}},
		{strings.Index(src, "_orders"), workflow.Position{File: "p.sql", Line: 2, Column: 16}},
		{strings.Index(src, "note"), workflow.Position{File: "p.sql", Line: 3, Column: 16}},
		{-5, workflow.Position{File: "p.sql", Line: 2, Column: 3}}, // clamped
	}
	for _, tt := range tests {
		if got := st.PositionOf(tt.offset); got != tt.want {
			t.Errorf("PositionOf(%d) = %v, want %v", tt.offset, got, tt.want)
		}
	}
	// The parse tree's own locations convert to the same place.
	rel := st.Node.GetAlterTableStmt().GetRelation()
	if got := st.PositionOf(int(rel.Location)); got.Line != 2 || got.Column != 15 {
		t.Errorf("relation location = %v, want 2:15", got)
	}
}

func TestSplitNeverPanics(t *testing.T) {
	tests := []struct {
		name  string
		parse parseFunc
		want  string // error substring; empty: no error
	}{
		{"parser panics", func(string) (*pg_query.ParseResult, error) { panic("boom") }, "parser failed: boom"},
		{"parser fails without a position", func(string) (*pg_query.ParseResult, error) {
			return nil, errors.New("out of memory")
		}, "x.sql: parse: out of memory"},
		{"locations outside the input", func(string) (*pg_query.ParseResult, error) {
			return &pg_query.ParseResult{Stmts: []*pg_query.RawStmt{
				{StmtLocation: 500, StmtLen: 3},
				{StmtLocation: -4, StmtLen: 2},
				{Stmt: nil},
			}}, nil
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stmts, err := split("x.sql", "SELECT 1", tt.parse, 1, 0)
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v, want %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range stmts {
				if st.Start < 0 || st.End > len("SELECT 1") || st.Start > st.End {
					t.Errorf("statement outside the input: %d..%d", st.Start, st.End)
				}
			}
		})
	}
}

// TestPiecesMatchWhole parses files in pieces and whole: the statements must
// be the same, including ones a naive cut would split (strings, comments,
// dollar quotes, BEGIN ATOMIC bodies with semicolons).
func TestPiecesMatchWhole(t *testing.T) {
	for _, sql := range append(fuzzSeeds, strings.Repeat(baseSchema, 20)) {
		whole, err := split("f.sql", sql, pg_query.Parse, 1, 0)
		if err != nil {
			continue
		}
		samePieces(t, sql, whole)
	}
}

func TestCutPoints(t *testing.T) {
	for _, tt := range []struct {
		sql    string
		pieces int
		want   []int
	}{
		{"SELECT 1; SELECT 2; SELECT 3; SELECT 4;", 3, []int{19, 29}},
		{"SELECT ';'; SELECT 2;", 2, []int{11}},
		{"SELECT E'\\';'; SELECT 2;", 2, []int{14}},
		{"SELECT $x$;$x$; SELECT 2;", 2, []int{15}},
		{"SELECT $1 ; SELECT 2; SELECT 3;", 2, []int{21}},
		{"SELECT 1; SELECT 2;", 2, nil},
		{"/* ; /* ; */ ; */ SELECT 1; SELECT 2;", 2, []int{27}},
		{"-- ;\nSELECT 1; SELECT 2;", 2, []int{14}},
		{"SELECT 'never closed; SELECT 2;", 2, nil},
	} {
		if got := cutPoints(tt.sql, tt.pieces); !slices.Equal(got, tt.want) {
			t.Errorf("cutPoints(%q, %d) = %v, want %v", tt.sql, tt.pieces, got, tt.want)
		}
	}
}
