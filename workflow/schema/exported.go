package schema

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Expr renders an expression node of the statement as SQL ("now()",
// "status = 'paid'"); it falls back to the source text of the statement when
// the node cannot be deparsed.
func (s Statement) Expr(n *pg_query.Node) string {
	if n == nil {
		return ""
	}
	out, err := deparseExpr(n, s.version)
	if err != nil {
		return s.Text
	}
	return out
}

// TypeString renders a type the way people write it: "varchar(64)",
// "timestamptz", "bigint", "numeric(12,2)".
func TypeString(t *pg_query.TypeName) string { return typeString(t) }

// Deparse renders statement nodes (built or edited from this statement's
// tree) as SQL, each ending in a semicolon, joined by newlines.
func (s Statement) Deparse(nodes ...*pg_query.Node) (string, error) {
	var raws []*pg_query.RawStmt
	for _, n := range nodes {
		raws = append(raws, &pg_query.RawStmt{Stmt: n})
	}
	out := ""
	for _, r := range raws {
		sql, err := pg_query.Deparse(&pg_query.ParseResult{Version: s.version, Stmts: []*pg_query.RawStmt{r}})
		if err != nil {
			return "", err
		}
		if out != "" {
			out += "\n"
		}
		out += sql + ";"
	}
	return out, nil
}

// Walk calls fn on m and on every message below it in a parse tree, depth
// first, parents before children. Map fields are not entered, and an invalid
// (nil) message is skipped without calling fn.
func Walk(m protoreflect.Message, fn func(protoreflect.Message)) {
	if !m.IsValid() {
		return
	}
	fn(m)
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsMap():
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				Walk(l.Get(i).Message(), fn)
			}
		case fd.Message() != nil:
			Walk(v.Message(), fn)
		}
		return true
	})
}

// ObjectName renders the object reference of a DROP, RENAME or COMMENT as
// "schema.name" (or "name"): a name list, a type name, a function with its
// arguments, or a plain string.
func ObjectName(n *pg_query.Node) string { return objectName(n) }

// NameList joins a list of String nodes with dots ("app.orders"), leaving out
// a leading database name.
func NameList(ns []*pg_query.Node) string { return nameList(ns) }

// Clone returns a deep copy of the model: changes to one never show in the other.
func (m *Model) Clone() *Model { return m.clone() }
