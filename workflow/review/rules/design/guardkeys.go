package design

import (
	"regexp"
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// uniqueKey is a primary key, unique constraint or unique index.
type uniqueKey struct {
	// name is the constraint or index name when known.
	name    string
	columns []string
	// exprs are expression keys as SQL ("lower(email)").
	exprs   []string
	primary bool
}

// has reports whether the key covers the column, directly or in an expression.
func (k uniqueKey) has(column string) bool {
	if slices.Contains(k.columns, column) {
		return true
	}
	if len(k.exprs) == 0 {
		return false
	}
	word := regexp.MustCompile(`\b` + regexp.QuoteMeta(column) + `\b`)
	return slices.ContainsFunc(k.exprs, word.MatchString)
}

// guards reports whether one of the keys makes the column's values unique
// (alone or within a scope such as the provider). A key that strictly
// contains the primary key is unique anyway and guards nothing.
func guards(keys []uniqueKey, column string) (uniqueKey, bool) {
	var pk []string
	for _, k := range keys {
		if k.primary {
			pk = k.columns
		}
	}
	for _, k := range keys {
		if !k.has(column) {
			continue
		}
		if !k.primary && len(pk) > 0 && len(k.columns) > len(pk) && containsAll(k.columns, pk) {
			continue
		}
		return k, true
	}
	return uniqueKey{}, false
}

// containsAll reports whether set holds every item.
func containsAll(set, items []string) bool {
	for _, it := range items {
		if !slices.Contains(set, it) {
			return false
		}
	}
	return true
}

// modelKeys returns the unique keys the model knows for a table.
func modelKeys(m *schema.Model, t *schema.Table) []uniqueKey {
	if t == nil {
		return nil
	}
	var keys []uniqueKey
	if t.PrimaryKey != nil {
		keys = append(keys, uniqueKey{name: t.PrimaryKey.Name, columns: t.PrimaryKey.Columns, primary: true})
	}
	for _, u := range t.Uniques {
		keys = append(keys, uniqueKey{name: u.Name, columns: u.Columns})
	}
	for _, ix := range m.IndexesOf(t) {
		if !ix.Unique {
			continue
		}
		k := uniqueKey{name: ix.Name}
		for _, key := range ix.Keys {
			if key.Column != "" {
				k.columns = append(k.columns, key.Column)
			} else {
				k.exprs = append(k.exprs, key.Expr)
			}
		}
		keys = append(keys, k)
	}
	return keys
}

// statementKeys returns the unique keys a statement gives the table: primary
// keys and unique constraints it adds (not USING INDEX, whose index already
// counted), and unique indexes it creates.
func statementKeys(n *pg_query.Node, table schema.QualifiedName) []uniqueKey {
	var keys []uniqueKey
	add := func(con *pg_query.Constraint, column string) {
		switch con.GetContype() {
		case pg_query.ConstrType_CONSTR_PRIMARY, pg_query.ConstrType_CONSTR_UNIQUE:
			if cols := constraintColumns(con, column); len(cols) > 0 {
				keys = append(keys, uniqueKey{name: con.Conname, columns: cols, primary: con.Contype == pg_query.ConstrType_CONSTR_PRIMARY})
			}
		}
	}
	switch s := n.GetNode().(type) {
	case *pg_query.Node_CreateStmt:
		if rule.SameRelation(s.CreateStmt.Relation, table) {
			rule.EachConstraint(s.CreateStmt, add)
		}
	case *pg_query.Node_AlterTableStmt:
		for _, cmd := range alterCmdsOn(n, table) {
			rule.EachAddedConstraint(cmd, add)
		}
	case *pg_query.Node_IndexStmt:
		if ix := s.IndexStmt; ix.Unique && rule.SameRelation(ix.Relation, table) {
			keys = append(keys, indexKey(ix))
		}
	}
	return keys
}

// indexKey turns a unique index into a key; expression keys are reduced to
// the columns they read.
func indexKey(ix *pg_query.IndexStmt) uniqueKey {
	k := uniqueKey{name: ix.Idxname}
	for _, p := range ix.IndexParams {
		e := p.GetIndexElem()
		if e.GetName() != "" {
			k.columns = append(k.columns, e.GetName())
			continue
		}
		schema.Walk(e.GetExpr().ProtoReflect(), func(m protoreflect.Message) {
			if cr, ok := m.Interface().(*pg_query.ColumnRef); ok && len(cr.Fields) > 0 {
				k.exprs = append(k.exprs, cr.Fields[len(cr.Fields)-1].GetString_().GetSval())
			}
		})
	}
	return k
}

// keysFromHere returns the unique keys the statement under review and the
// later ones of the file give the table.
func keysFromHere(c *rule.Context, table schema.QualifiedName) []uniqueKey {
	var keys []uniqueKey
	for _, st := range c.FromHereOn(table.String()) {
		if rule.Targets(st, table) {
			keys = append(keys, statementKeys(st.Node, table)...)
		}
	}
	return keys
}

// guardedName reports whether a column's name marks it as an external
// reference, an idempotency key or a natural key, whose values must not repeat.
func guardedName(table, column string) bool {
	col := strings.ToLower(column)
	switch col {
	case "external_id", "external_ref", "external_reference", "idempotency_key", "slug", "code":
		return true
	case "email":
		switch strings.ToLower(table) {
		case "users", "user", "customers", "customer", "accounts", "account", "members", "member":
			return true
		}
	}
	for _, suffix := range []string{"_reference", "_ref", "_external_id", "_idempotency_key"} {
		if strings.HasSuffix(col, suffix) && len(col) > len(suffix) {
			return true
		}
	}
	return strings.HasPrefix(col, "provider_") && strings.HasSuffix(col, "_id") && len(col) > len("provider__id")
}

// guardColumns returns the key a guard for the column should have: scoped by
// the provider column for a provider reference, else the column alone.
func guardColumns(t columnSet, column string) []string {
	if strings.HasPrefix(column, "provider_") && t.has("provider") {
		return []string{"provider", column}
	}
	return []string{column}
}

// columnSet is the column names of a table.
type columnSet []string

// has reports whether the set holds the column.
func (s columnSet) has(column string) bool { return slices.Contains(s, column) }
