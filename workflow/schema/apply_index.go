package schema

import (
	"fmt"
	"slices"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// createIndex handles CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS].
func (a applier) createIndex(is *pg_query.IndexStmt) error {
	t, err := a.tableOf(is.Relation)
	if err != nil {
		return err
	}
	if is.Concurrent && t.Partitioned() {
		return fmt.Errorf("cannot create index on partitioned table %q concurrently", t)
	}
	ix := &Index{
		Name:             is.Idxname,
		Schema:           t.Schema,
		Table:            t.QualifiedName(),
		Unique:           is.Unique,
		NullsNotDistinct: is.NullsNotDistinct,
		Method:           is.AccessMethod,
		Concurrent:       is.Concurrent,
	}
	if ix.Method == "" {
		ix.Method = "btree"
	}
	var nameCols []string // what PostgreSQL names a default index after
	var exprs []*pg_query.Node
	for _, p := range is.IndexParams {
		key, nameCol, err := a.indexKey(p.GetIndexElem())
		if err != nil {
			return err
		}
		ix.Keys = append(ix.Keys, key)
		nameCols = append(nameCols, nameCol)
		if key.Column != "" {
			ix.refs = append(ix.refs, key.Column)
		} else {
			exprs = append(exprs, p.GetIndexElem().GetExpr())
		}
	}
	for _, p := range is.IndexIncludingParams {
		col := p.GetIndexElem().GetName()
		ix.Include = append(ix.Include, col)
		nameCols = append(nameCols, col)
		ix.refs = append(ix.refs, col)
	}
	if err := checkColumns(t, ix.refs); err != nil {
		return err
	}
	if is.WhereClause != nil {
		if ix.Where, err = a.expr(is.WhereClause); err != nil {
			return fmt.Errorf("index predicate: %w", err)
		}
		exprs = append(exprs, is.WhereClause)
	}
	ix.refs = append(ix.refs, columnRefs(exprs...)...)
	slices.Sort(ix.refs)
	ix.refs = slices.Compact(ix.refs)
	if ix.Name == "" {
		ix.Name = a.m.chooseName(t.Schema, t.Name, nameCols, "idx")
	} else if a.relationExists(t.Schema, ix.Name) {
		if is.IfNotExists {
			return nil
		}
		return fmt.Errorf("relation %q already exists", ix.QualifiedName())
	}
	a.m.Indexes = append(a.m.Indexes, ix)
	return nil
}

// indexKey converts one index element, also returning the name PostgreSQL
// uses for it in a default index name (the column, the function, or "expr").
func (a applier) indexKey(e *pg_query.IndexElem) (IndexKey, string, error) {
	key := IndexKey{
		Column:  e.GetName(),
		Opclass: nameList(e.GetOpclass()),
		Desc:    e.GetOrdering() == pg_query.SortByDir_SORTBY_DESC,
	}
	switch e.GetNullsOrdering() {
	case pg_query.SortByNulls_SORTBY_NULLS_FIRST:
		key.Nulls = "FIRST"
	case pg_query.SortByNulls_SORTBY_NULLS_LAST:
		key.Nulls = "LAST"
	}
	if key.Column != "" {
		return key, key.Column, nil
	}
	expr, err := a.expr(e.GetExpr())
	if err != nil {
		return key, "", fmt.Errorf("index expression: %w", err)
	}
	key.Expr = expr
	return key, indexNameCol(e), nil
}

// indexNameCol is what PostgreSQL names a default index after for one key:
// the column, or for an expression the function it calls ("lower"), else
// "expr".
func indexNameCol(e *pg_query.IndexElem) string {
	if e.GetName() != "" {
		return e.GetName()
	}
	if fc := e.GetExpr().GetFuncCall(); fc != nil && len(fc.Funcname) > 0 {
		return fc.Funcname[len(fc.Funcname)-1].GetString_().GetSval()
	}
	return "expr"
}

// DefaultIndexName is the name PostgreSQL gives the index an unnamed
// CREATE INDEX would create on the model: table, key and INCLUDE columns
// and "idx", shortened to 63 bytes and numbered until no relation or
// constraint of the schema has it ("orders_status_idx1"). A table the model
// does not know gets the name without the uniqueness check.
func (m *Model) DefaultIndexName(is *pg_query.IndexStmt) string {
	var cols []string
	for _, p := range is.IndexParams {
		cols = append(cols, indexNameCol(p.GetIndexElem()))
	}
	for _, p := range is.IndexIncludingParams {
		cols = append(cols, p.GetIndexElem().GetName())
	}
	schema := is.Relation.GetSchemaname()
	if t := m.table(qualified(is.Relation)); t != nil {
		schema = t.Schema
	}
	return m.chooseName(schema, is.Relation.GetRelname(), cols, "idx")
}
