package schema

import (
	"strings"
	"testing"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// TestSimpleExprMatchesDeparser renders expressions both ways: the fast path
// must give the deparser's text, or step aside.
func TestSimpleExprMatchesDeparser(t *testing.T) {
	fastCount := 0
	for _, e := range []string{"0", "42", "-7", "2147483647", "true", "false", "NULL", "'x'", "''", "'it''s'", "'a\\b'", "1.5",
		"now()", "gen_random_uuid()", "clock_timestamp()", "random()", "pg_catalog.now()", "count(*)", "lower('A')", "\"Now\"()", "CURRENT_TIMESTAMP"} {
		tree, err := pg_query.Parse("SELECT " + e)
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		n := tree.Stmts[0].Stmt.GetSelectStmt().TargetList[0].GetResTarget().Val
		fast, ok := simpleExpr(n)
		if !ok {
			continue
		}
		fastCount++
		sel := &pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: &pg_query.SelectStmt{
			TargetList: []*pg_query.Node{pg_query.MakeResTargetNodeWithVal(n, -1)},
		}}}
		slow, err := pg_query.Deparse(&pg_query.ParseResult{Version: tree.Version, Stmts: []*pg_query.RawStmt{{Stmt: sel}}})
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.TrimPrefix(slow, "SELECT "); fast != want {
			t.Errorf("%s: fast path %q, deparser %q", e, fast, want)
		}
	}
	if fastCount < 12 {
		t.Errorf("the fast path took only %d expressions", fastCount)
	}
}
