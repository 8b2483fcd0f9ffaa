package breaking

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// qualifiedSQL renders schema.name as SQL; an empty schema is left out.
func qualifiedSQL(schemaName, name string) string {
	if schemaName == "" {
		return rule.QuoteIdent(name)
	}
	return rule.QuoteIdent(schemaName) + "." + rule.QuoteIdent(name)
}

// rangeVar builds a relation reference for generated statements (the
// library's MakeFullRangeVar adds an empty alias the deparser crashes on).
func rangeVar(schemaName, name string) *pg_query.RangeVar {
	return &pg_query.RangeVar{Schemaname: schemaName, Relname: name, Inh: true, Relpersistence: "p", Location: -1}
}

// nameList joins a list of String nodes with dots as written ("app.status").
func nameList(ns []*pg_query.Node) string {
	return strings.Join(rule.StringValues(ns), ".")
}

// nameListSQL renders a list of String nodes as a quoted qualified name.
func nameListSQL(ns []*pg_query.Node) string {
	parts := make([]string, 0, len(ns))
	for _, n := range ns {
		parts = append(parts, rule.QuoteIdent(n.GetString_().GetSval()))
	}
	return strings.Join(parts, ".")
}

// deparse renders one statement node as SQL ending in a semicolon and a
// newline; it returns "" when the deparser refuses the node.
func deparse(c *rule.Context, n *pg_query.Node) string {
	sql, err := c.Stmt.Deparse(n)
	if err != nil {
		return ""
	}
	return sql + "\n"
}

// replaceValueRefs rewrites, in place, every VALUE reference of a domain
// constraint expression into a reference to column.
func replaceValueRefs(expr *pg_query.Node, column string) {
	schema.Walk(expr.ProtoReflect(), func(m protoreflect.Message) {
		ref, ok := m.Interface().(*pg_query.ColumnRef)
		if !ok || len(ref.Fields) != 1 {
			return
		}
		if s := ref.Fields[0].GetString_(); s != nil && s.Sval == "value" {
			s.Sval = column
		}
	})
}
