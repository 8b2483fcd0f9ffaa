package breaking

import (
	"regexp"
	"strings"
	"unicode/utf8"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// bareIdent matches names PostgreSQL accepts unquoted (keywords aside).
var bareIdent = regexp.MustCompile(`^[a-z_][a-z0-9_$]*$`)

// quoteIdent renders a name as an SQL identifier, quoted only when it has to
// be: upper case, odd characters, or a keyword that is not unreserved.
func quoteIdent(name string) string {
	if bareIdent.MatchString(name) {
		if r, err := pg_query.Scan(name); err == nil && len(r.Tokens) == 1 {
			t := r.Tokens[0]
			if t.Token == pg_query.Token_IDENT || t.KeywordKind == pg_query.KeywordKind_UNRESERVED_KEYWORD {
				return name
			}
		}
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// quoteLiteral renders s as an SQL string literal.
func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// relSQL renders a relation reference as SQL, quoting each part as needed.
func relSQL(rv *pg_query.RangeVar) string {
	if rv == nil {
		return ""
	}
	return qualifiedSQL(rv.Schemaname, rv.Relname)
}

// qualifiedSQL renders schema.name as SQL; an empty schema is left out.
func qualifiedSQL(schemaName, name string) string {
	if schemaName == "" {
		return quoteIdent(name)
	}
	return quoteIdent(schemaName) + "." + quoteIdent(name)
}

// rangeVar builds a relation reference for generated statements (the
// library's MakeFullRangeVar adds an empty alias the deparser crashes on).
func rangeVar(schemaName, name string) *pg_query.RangeVar {
	return &pg_query.RangeVar{Schemaname: schemaName, Relname: name, Inh: true, Relpersistence: "p", Location: -1}
}

// nameList joins a list of String nodes with dots as written ("app.status").
func nameList(ns []*pg_query.Node) string {
	parts := make([]string, 0, len(ns))
	for _, n := range ns {
		parts = append(parts, n.GetString_().GetSval())
	}
	return strings.Join(parts, ".")
}

// nameListSQL renders a list of String nodes as a quoted qualified name.
func nameListSQL(ns []*pg_query.Node) string {
	parts := make([]string, 0, len(ns))
	for _, n := range ns {
		parts = append(parts, quoteIdent(n.GetString_().GetSval()))
	}
	return strings.Join(parts, ".")
}

// comment turns each line into an SQL line comment.
func comment(lines ...string) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString("-- " + l + "\n")
	}
	return b.String()
}

// identValue is the name a scanned identifier or keyword token stands for:
// quoted identifiers unquoted, the rest folded to lower case.
func identValue(tok string) string {
	if len(tok) >= 2 && tok[0] == '"' {
		return strings.ReplaceAll(tok[1:len(tok)-1], `""`, `"`)
	}
	return strings.ToLower(tok)
}

// nameLocation returns the file offset of the first identifier token of the
// statement that names name and starts at or after the file offset from; it
// returns 0 (the statement) when there is none.
func nameLocation(c *rule.Context, name string, from int32) int32 {
	r, err := pg_query.Scan(c.Stmt.Text)
	if err != nil {
		return 0
	}
	start := int32(c.Stmt.Start)
	for _, t := range r.Tokens {
		if start+t.Start < from {
			continue
		}
		if t.Token != pg_query.Token_IDENT && t.KeywordKind == pg_query.KeywordKind_NO_KEYWORD {
			continue
		}
		if identValue(c.Stmt.Text[t.Start:t.End]) == name {
			return start + t.Start
		}
	}
	return 0
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
	walk(expr.ProtoReflect(), func(m protoreflect.Message) {
		ref, ok := m.Interface().(*pg_query.ColumnRef)
		if !ok || len(ref.Fields) != 1 {
			return
		}
		if s := ref.Fields[0].GetString_(); s != nil && s.Sval == "value" {
			s.Sval = column
		}
	})
}

// walk calls fn on m and on every message below it.
func walk(m protoreflect.Message, fn func(protoreflect.Message)) {
	fn(m)
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				walk(l.Get(i).Message(), fn)
			}
		case fd.IsMap():
		case fd.Message() != nil:
			walk(v.Message(), fn)
		}
		return true
	})
}

// clip shortens a generated identifier to PostgreSQL's 63-byte limit.
func clip(name string) string {
	if len(name) <= 63 {
		return name
	}
	n := 63
	for n > 0 && !utf8.RuneStart(name[n]) {
		n--
	}
	return name[:n]
}
