package gaps

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// quoteIdent renders an identifier for generated SQL, quoting it when
// PostgreSQL would not read it back unchanged.
func quoteIdent(s string) string {
	if plainIdent(s) && !reserved(s) {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// plainIdent reports whether s is a lower-case identifier PostgreSQL reads
// back unchanged without quotes (keywords aside).
func plainIdent(s string) bool {
	for i, r := range s {
		switch {
		case r == '_' || (r >= 'a' && r <= 'z'):
		case i > 0 && ((r >= '0' && r <= '9') || r == '$'):
		default:
			return false
		}
	}
	return s != ""
}

// reserved reports whether a lower-case word cannot stand as a bare name.
func reserved(s string) bool {
	res, err := pg_query.Scan(s)
	if err != nil || len(res.GetTokens()) != 1 {
		return true
	}
	k := res.GetTokens()[0].GetKeywordKind()
	return k == pg_query.KeywordKind_RESERVED_KEYWORD || k == pg_query.KeywordKind_TYPE_FUNC_NAME_KEYWORD
}

// quoteName renders a possibly schema-qualified name ("app.orders").
func quoteName(q schema.QualifiedName) string {
	if q.Schema == "" {
		return quoteIdent(q.Name)
	}
	return quoteIdent(q.Schema) + "." + quoteIdent(q.Name)
}

// quoteLiteral renders a string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// relName returns a relation reference as a qualified name.
func relName(rv *pg_query.RangeVar) schema.QualifiedName {
	return schema.QualifiedName{Schema: rv.GetSchemaname(), Name: rv.GetRelname()}
}

// targets reports cheaply whether a statement's main target may be the
// table, so scans over the file skip other statements without reading them.
func targets(st schema.Statement, table schema.QualifiedName) bool {
	t, n := st.Target, table.Name
	return t == n || (len(t) > len(n) && t[len(t)-len(n)-1] == '.' && t[len(t)-len(n):] == n)
}

// sameRelation reports whether a relation reference names the table,
// comparing the cheap part first.
func sameRelation(rv *pg_query.RangeVar, table schema.QualifiedName) bool {
	return rv.GetRelname() == table.Name && relName(rv).Is(table)
}

// sibling names an object in the same schema as q.
func sibling(q schema.QualifiedName, name string) schema.QualifiedName {
	return schema.QualifiedName{Schema: q.Schema, Name: clip(name)}
}

// clip shortens a generated name to PostgreSQL's 63-byte identifier limit.
func clip(name string) string {
	const limit = 63
	if len(name) <= limit {
		return name
	}
	name = name[:limit]
	for len(name) > 0 && name[len(name)-1]&0xc0 == 0x80 {
		name = name[:len(name)-1]
	}
	return name
}

// walk calls fn on every message of a parse tree, depth first.
func walk(m protoreflect.Message, fn func(protoreflect.Message)) {
	if !m.IsValid() {
		return
	}
	fn(m)
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				walk(l.Get(i).Message(), fn)
			}
		case fd.Message() != nil && !fd.IsMap():
			walk(v.Message(), fn)
		}
		return true
	})
}

// parseStmt parses one statement of generated SQL and returns its node, or
// nil when it does not parse.
func parseStmt(sql string) *pg_query.Node {
	tree, err := pg_query.Parse(sql)
	if err != nil || len(tree.GetStmts()) == 0 {
		return nil
	}
	return tree.GetStmts()[0].GetStmt()
}

// deparse renders nodes with the statement's parse tree version, or "" when
// the deparser refuses them.
func deparse(c *rule.Context, nodes ...*pg_query.Node) string {
	sql, err := c.Stmt.Deparse(nodes...)
	if err != nil {
		return ""
	}
	return sql
}

// stringValues returns the values of a list of String nodes.
func stringValues(ns []*pg_query.Node) []string {
	out := make([]string, 0, len(ns))
	for _, n := range ns {
		out = append(out, n.GetString_().GetSval())
	}
	return out
}

// earlier returns the statements of the file before the one under review.
func earlier(c *rule.Context) []schema.Statement {
	return c.Statements[:min(c.Index, len(c.Statements))]
}

// later returns the statements of the file after the one under review.
func later(c *rule.Context) []schema.Statement {
	return c.Statements[min(c.Index+1, len(c.Statements)):]
}

// primaryKeyColumn returns the table's single primary key column as the
// model knows it, or "id" when it does not.
func primaryKeyColumn(c *rule.Context, table schema.QualifiedName) string {
	if t := c.Table(table.String()); t != nil && t.PrimaryKey != nil && len(t.PrimaryKey.Columns) == 1 {
		return t.PrimaryKey.Columns[0]
	}
	return "id"
}

// commentOut turns SQL into comment lines, for steps a safe alternative
// describes but must not run.
func commentOut(sql string) string {
	lines := strings.Split(sql, "\n")
	for i, l := range lines {
		lines[i] = "-- " + l
	}
	return strings.Join(lines, "\n")
}

// earlierOn returns the earlier statements of the file on the table or
// creating its partitions, in file order, found through the file's index.
func earlierOn(c *rule.Context, table schema.QualifiedName) []schema.Statement {
	var out []schema.Statement
	for _, i := range c.ByTable.On(table.String()) {
		if i >= c.Index {
			break
		}
		out = append(out, c.Statements[i])
	}
	return out
}

// laterOn returns the later statements of the file on the table or creating
// its partitions, in file order.
func laterOn(c *rule.Context, table schema.QualifiedName) []schema.Statement {
	var out []schema.Statement
	for _, i := range c.ByTable.On(table.String()) {
		if i > c.Index {
			out = append(out, c.Statements[i])
		}
	}
	return out
}

// fromHereOn returns the statement under review and the later ones on the
// table, in file order.
func fromHereOn(c *rule.Context, table schema.QualifiedName) []schema.Statement {
	var out []schema.Statement
	for _, i := range c.ByTable.On(table.String()) {
		if i >= c.Index {
			out = append(out, c.Statements[i])
		}
	}
	return out
}
