package design

import (
	"slices"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/pgrollout/pgrollout/workflow/schema"
)

// bounded reports whether a WHERE clause restricts the statement to a
// bounded set of keys: one of its AND-ed conditions is key = x, key IN
// (...), key = ANY(...), key BETWEEN x AND y, key IN (SELECT ... LIMIT n),
// or it has both a lower and an upper bound on the same key.
func bounded(where *pg_query.Node, keys []string) bool {
	lower, upper := map[string]bool{}, map[string]bool{}
	for _, n := range conjuncts(where) {
		if sl := n.GetSubLink(); sl != nil {
			if sl.SubLinkType == pg_query.SubLinkType_ANY_SUBLINK && keyOf(sl.Testexpr, keys) != "" &&
				sl.Subselect.GetSelectStmt().GetLimitCount() != nil {
				return true
			}
			continue
		}
		a := n.GetAExpr()
		if a == nil {
			continue
		}
		col, op, other := keyOf(a.Lexpr, keys), opName(a), a.Rexpr
		if col == "" && a.Kind == pg_query.A_Expr_Kind_AEXPR_OP {
			col, op, other = keyOf(a.Rexpr, keys), flipped(op), a.Lexpr
		}
		if col == "" || !constant(other) {
			continue // a join condition (key = other.column) bounds nothing
		}
		switch a.Kind {
		case pg_query.A_Expr_Kind_AEXPR_IN, pg_query.A_Expr_Kind_AEXPR_BETWEEN, pg_query.A_Expr_Kind_AEXPR_BETWEEN_SYM:
			return true
		case pg_query.A_Expr_Kind_AEXPR_OP_ANY:
			if op == "=" {
				return true
			}
		case pg_query.A_Expr_Kind_AEXPR_OP:
			switch op {
			case "=":
				return true
			case ">", ">=":
				lower[col] = true
			case "<", "<=":
				upper[col] = true
			}
		}
	}
	for k := range lower {
		if upper[k] {
			return true
		}
	}
	return false
}

// constant reports whether an expression reads no column: a literal, a
// parameter, or an expression of them.
func constant(n *pg_query.Node) bool {
	found := false
	schema.Walk(n.ProtoReflect(), func(m protoreflect.Message) {
		_, isCol := m.Interface().(*pg_query.ColumnRef)
		found = found || isCol
	})
	return !found
}

// conjuncts splits a condition into its AND-ed parts.
func conjuncts(n *pg_query.Node) []*pg_query.Node {
	if b := n.GetBoolExpr(); b != nil && b.Boolop == pg_query.BoolExprType_AND_EXPR {
		var out []*pg_query.Node
		for _, arg := range b.Args {
			out = append(out, conjuncts(arg)...)
		}
		return out
	}
	return []*pg_query.Node{n}
}

// keyOf returns the key column a node refers to, or "".
func keyOf(n *pg_query.Node, keys []string) string {
	cr := n.GetColumnRef()
	if cr == nil || len(cr.Fields) == 0 {
		return ""
	}
	name := cr.Fields[len(cr.Fields)-1].GetString_().GetSval()
	if slices.Contains(keys, name) {
		return name
	}
	return ""
}

// opName returns an operator expression's operator ("=", "<", ...).
func opName(a *pg_query.A_Expr) string {
	if len(a.Name) == 0 {
		return ""
	}
	return a.Name[len(a.Name)-1].GetString_().GetSval()
}

// flipped returns the operator with its operands swapped ("<" for ">").
func flipped(op string) string {
	switch op {
	case "<":
		return ">"
	case "<=":
		return ">="
	case ">":
		return "<"
	case ">=":
		return "<="
	}
	return op
}
