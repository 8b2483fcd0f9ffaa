package audit

import (
	"fmt"
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// shape is what the index checks compare: an index's access method, its key
// columns with their options, its INCLUDE columns, expressions and predicate.
type shape struct {
	method string
	// keys holds the key columns in order, "" for an expression key; opts
	// the operator class, collation and ordering of each key, as text.
	keys    []string
	opts    []string
	include []string
	exprs   string
	pred    string
	// nnd is UNIQUE ... NULLS NOT DISTINCT (PostgreSQL 15+): such an index
	// enforces a different rule from one without it.
	nnd bool
}

// shapeOf returns an index's shape, and false when it is not known. A live
// collection records it (Method, Columns ...); for a snapshot written by hand
// it is read from the definition (pg_get_indexdef), which names the same
// things.
func shapeOf(x *IndexStats) (shape, bool) {
	sh, ok := shapeOfKeys(x)
	sh.nnd = containsFold(x.Definition, " NULLS NOT DISTINCT")
	return sh, ok
}

// containsFold reports whether s contains sub, ignoring case, without
// making an upper-case copy of s. sub starts with a character that has no
// other case (a space).
func containsFold(s, sub string) bool {
	if strings.Contains(s, sub) {
		return true
	}
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i] == sub[0] && strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// shapeOfKeys is shapeOf without the NULLS NOT DISTINCT flag.
func shapeOfKeys(x *IndexStats) (shape, bool) {
	if x.Method != "" && len(x.Columns) > 0 {
		sh := shape{method: x.Method, keys: x.Columns, include: x.Include, exprs: x.Expressions, pred: x.Predicate}
		sh.opts = make([]string, len(x.Columns))
		copy(sh.opts, x.KeyOptions)
		return sh, true
	}
	return parseDefinition(x.Definition)
}

// parseDefinition reads the shape from a CREATE INDEX statement.
func parseDefinition(def string) (shape, bool) {
	if strings.TrimSpace(def) == "" {
		return shape{}, false
	}
	tree, err := pg_query.Parse(def)
	if err != nil || len(tree.Stmts) != 1 {
		return shape{}, false
	}
	is := tree.Stmts[0].GetStmt().GetIndexStmt()
	if is == nil || len(is.IndexParams) == 0 {
		return shape{}, false
	}
	sh := shape{method: strings.ToLower(is.AccessMethod)}
	if sh.method == "" {
		sh.method = "btree"
	}
	var exprs []string
	for _, p := range is.IndexParams {
		e := p.GetIndexElem()
		if e == nil {
			return shape{}, false
		}
		if e.Expr != nil {
			text, ok := deparseExpr(e.Expr, tree.Version)
			if !ok {
				return shape{}, false
			}
			exprs = append(exprs, text)
		}
		sh.keys = append(sh.keys, e.Name)
		sh.opts = append(sh.opts, keyOptions(e))
	}
	for _, p := range is.IndexIncludingParams {
		sh.include = append(sh.include, p.GetIndexElem().GetName())
	}
	sh.exprs = strings.Join(exprs, ", ")
	if is.WhereClause != nil {
		pred, ok := deparseExpr(is.WhereClause, tree.Version)
		if !ok {
			return shape{}, false
		}
		sh.pred = pred
	}
	return sh, true
}

// keyOptions renders a key's operator class, collation and ordering.
func keyOptions(e *pg_query.IndexElem) string {
	var parts []string
	if len(e.Collation) > 0 {
		parts = append(parts, "COLLATE "+names(e.Collation))
	}
	if len(e.Opclass) > 0 {
		parts = append(parts, names(e.Opclass))
	}
	if e.Ordering == pg_query.SortByDir_SORTBY_DESC {
		parts = append(parts, "DESC")
	}
	switch e.NullsOrdering {
	case pg_query.SortByNulls_SORTBY_NULLS_FIRST:
		parts = append(parts, "NULLS FIRST")
	case pg_query.SortByNulls_SORTBY_NULLS_LAST:
		parts = append(parts, "NULLS LAST")
	}
	return strings.Join(parts, " ")
}

// names joins a list of String nodes with dots.
func names(ns []*pg_query.Node) string {
	parts := make([]string, 0, len(ns))
	for _, n := range ns {
		parts = append(parts, n.GetString_().GetSval())
	}
	return strings.Join(parts, ".")
}

// deparseExpr renders an expression node as SQL, through a SELECT.
func deparseExpr(n *pg_query.Node, version int32) (string, bool) {
	sel := &pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: &pg_query.SelectStmt{
		TargetList:  []*pg_query.Node{pg_query.MakeResTargetNodeWithVal(n, -1)},
		LimitOption: pg_query.LimitOption_LIMIT_OPTION_DEFAULT,
		Op:          pg_query.SetOperation_SETOP_NONE,
	}}}
	s, err := pg_query.Deparse(&pg_query.ParseResult{Version: version, Stmts: []*pg_query.RawStmt{{Stmt: sel}}})
	if err != nil {
		return "", false
	}
	return strings.TrimPrefix(s, "SELECT "), true
}

// sameKeys reports whether two shapes have the same method, keys, key
// options, INCLUDE columns, expressions and predicate: exact duplicates.
func sameKeys(a, b shape) bool {
	return a.method == b.method && slices.Equal(a.keys, b.keys) && slices.Equal(a.opts, b.opts) &&
		sameSet(a.include, b.include) && a.exprs == b.exprs && a.pred == b.pred && a.nnd == b.nnd
}

// leads reports whether the first n keys of sh are plain columns making up
// exactly the set cols, in any order: the index can look up rows by cols
// (pg_index.indkey[0:n-1] @> conkey, as the reference queries test it).
func leads(sh shape, cols []string) bool {
	if len(cols) == 0 || len(cols) > len(sh.keys) {
		return false
	}
	lead := sh.keys[:len(cols)]
	if slices.Contains(lead, "") {
		return false
	}
	return sameSet(lead, cols)
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// subset reports whether every name of a is in b.
func subset(a, b []string) bool {
	for _, n := range a {
		if !slices.Contains(b, n) {
			return false
		}
	}
	return true
}

// quoted renders a possibly schema-qualified name for generated SQL.
func quoted(schema, name string) string {
	if schema == "" {
		return rule.QuoteColID(name)
	}
	return rule.QuoteColID(schema) + "." + rule.QuoteColID(name)
}

// quotedList renders column names for generated SQL: "a, b".
func quotedList(cols []string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = rule.QuoteColID(c)
	}
	return strings.Join(out, ", ")
}

// concurrently turns a pg_get_indexdef definition into the statement that
// builds it without blocking writes, ending in a semicolon; "" when there is
// no definition.
func concurrently(def string) string {
	def = strings.TrimRight(strings.TrimSpace(def), ";")
	if def == "" {
		return ""
	}
	upper := strings.ToUpper(def)
	if strings.Contains(upper, " CONCURRENTLY ") {
		return def + ";"
	}
	for _, prefix := range []string{"CREATE UNIQUE INDEX ", "CREATE INDEX "} {
		if strings.HasPrefix(upper, prefix) {
			return def[:len(prefix)] + "CONCURRENTLY " + def[len(prefix):] + ";"
		}
	}
	return def + ";"
}

// attached reports whether x is a partition's index attached to a
// partitioned index: it cannot be dropped or rebuilt alone, so the checks
// report on its parent instead.
func attached(x IndexStats) bool { return x.ParentIndex != "" }

// dropIndex returns the statement that drops index x, its undo and the
// caveats they need. An index of a table is dropped and rebuilt
// CONCURRENTLY; a partitioned index cannot be either, so it gets a plain DROP
// INDEX and a CREATE INDEX on the partitioned table, with what they lock and
// how to rebuild it without blocking writes instead.
func dropIndex(x IndexStats) (drop, undo string, caveats []string) {
	if !x.Partitioned {
		return fmt.Sprintf("DROP INDEX CONCURRENTLY %s;", quoted(x.Schema, x.Name)), concurrently(x.Definition), nil
	}
	drop = fmt.Sprintf("DROP INDEX %s;", quoted(x.Schema, x.Name))
	undo = onWholeTable(x.Definition)
	caveats = []string{
		fmt.Sprintf("%s is a partitioned index: PostgreSQL cannot drop one CONCURRENTLY, and there is no online way to drop it. "+
			"DROP INDEX takes an ACCESS EXCLUSIVE lock on %s and on every partition until it commits, and drops the partitions' "+
			"indexes attached to it: run it with a short lock_timeout when a brief stop of reads and writes is acceptable.",
			x.Name, x.QualifiedTable()),
		fmt.Sprintf("The undo's CREATE INDEX on the partitioned table blocks writes to each partition while it builds that "+
			"partition's index (CREATE INDEX CONCURRENTLY cannot run on a partitioned table). To rebuild it online instead: "+
			"CREATE INDEX %s ON ONLY %s (...), then for each partition CREATE INDEX CONCURRENTLY on the partition and "+
			"ALTER INDEX %s ATTACH PARTITION with that index; the parent becomes valid once every partition has one attached.",
			quoted("", x.Name), quoted(x.Schema, x.Table), quoted(x.Schema, x.Name)),
	}
	return drop, undo, caveats
}

// onWholeTable turns a partitioned index's definition (pg_get_indexdef
// writes ON ONLY) into the statement that builds it on the partitioned table
// and all its partitions, ending in a semicolon; "" when there is no
// definition.
func onWholeTable(def string) string {
	out, ok := rewriteIndexDef(def, func(is *pg_query.IndexStmt) { is.Relation.Inh = true })
	if !ok {
		// Not parsed: the definition as it is, which at least names the
		// index and its keys.
		out = strings.TrimRight(strings.TrimSpace(def), ";")
	}
	if out == "" {
		return ""
	}
	return out + ";"
}

// rewriteIndexDef parses def, one CREATE INDEX statement, applies edit to
// it and writes it back as SQL; false when def does not parse as one.
func rewriteIndexDef(def string, edit func(*pg_query.IndexStmt)) (string, bool) {
	tree, err := pg_query.Parse(def)
	if err != nil || len(tree.Stmts) != 1 {
		return "", false
	}
	is := tree.Stmts[0].GetStmt().GetIndexStmt()
	if is == nil || is.Relation == nil {
		return "", false
	}
	edit(is)
	out, err := pg_query.Deparse(tree)
	if err != nil {
		return "", false
	}
	return out, true
}
