package rule

import (
	"regexp"
	"strings"
	"unicode/utf8"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow/schema"
)

// This file holds the helpers several rule packages share: quoting names
// and literals for generated SQL, reading relation references and name
// lists, placing findings on a name, and slicing a file's statements around
// the one under review.

// bareIdent matches names PostgreSQL accepts unquoted (keywords aside).
var bareIdent = regexp.MustCompile(`^[a-z_][a-z0-9_$]*$`)

// QuoteIdent renders a name as an SQL identifier, quoted only when it has to
// be: upper case, odd characters, or a keyword that is not unreserved. The
// result reads back unchanged wherever a name may stand, function and type
// names included.
func QuoteIdent(name string) string {
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

// QuoteColID renders a table, index, schema or column name for generated
// SQL, quoting it when PostgreSQL would not read it back unchanged in that
// position (the grammar's ColId): unlike QuoteIdent it leaves column-name
// keywords such as "position" or "time" bare, as a name of that kind may be.
func QuoteColID(s string) string {
	if bareIdent.MatchString(s) && !reservedColID(s) {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// reservedColID reports whether a lower-case word cannot stand as a bare
// table or column name.
func reservedColID(s string) bool {
	res, err := pg_query.Scan(s)
	if err != nil || len(res.GetTokens()) != 1 {
		return true
	}
	k := res.GetTokens()[0].GetKeywordKind()
	return k == pg_query.KeywordKind_RESERVED_KEYWORD || k == pg_query.KeywordKind_TYPE_FUNC_NAME_KEYWORD
}

// QuoteQualified renders a possibly schema-qualified name ("app.orders"),
// each part quoted by QuoteColID.
func QuoteQualified(q schema.QualifiedName) string {
	if q.Schema == "" {
		return QuoteColID(q.Name)
	}
	return QuoteColID(q.Schema) + "." + QuoteColID(q.Name)
}

// JoinColIDs quotes column names with QuoteColID and joins them with ", ".
func JoinColIDs(cols []string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = QuoteColID(c)
	}
	return strings.Join(out, ", ")
}

// RelSQL renders a relation reference as SQL, quoting each part with
// QuoteIdent; a nil reference renders as "".
func RelSQL(rv *pg_query.RangeVar) string {
	if rv == nil {
		return ""
	}
	if rv.Schemaname == "" {
		return QuoteIdent(rv.Relname)
	}
	return QuoteIdent(rv.Schemaname) + "." + QuoteIdent(rv.Relname)
}

// QuoteLiteral renders s as an SQL string literal.
func QuoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// Comment turns each line into an SQL line comment, each ending in a
// newline.
func Comment(lines ...string) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString("-- " + l + "\n")
	}
	return b.String()
}

// CommentOut turns SQL into comment lines, for steps a safe alternative
// describes but must not run.
func CommentOut(sql string) string {
	lines := strings.Split(sql, "\n")
	for i, l := range lines {
		lines[i] = "-- " + l
	}
	return strings.Join(lines, "\n")
}

// Clip shortens a generated identifier to PostgreSQL's 63-byte limit,
// without splitting a UTF-8 character.
func Clip(name string) string {
	if len(name) <= 63 {
		return name
	}
	n := 63
	for n > 0 && !utf8.RuneStart(name[n]) {
		n--
	}
	return name[:n]
}

// RelName returns a relation reference as a qualified name.
func RelName(rv *pg_query.RangeVar) schema.QualifiedName {
	return schema.QualifiedName{Schema: rv.GetSchemaname(), Name: rv.GetRelname()}
}

// SameRelation reports whether a relation reference names the table,
// comparing the cheap part first.
func SameRelation(rv *pg_query.RangeVar, table schema.QualifiedName) bool {
	return rv.GetRelname() == table.Name && RelName(rv).Is(table)
}

// Targets reports cheaply whether a statement's main target may be the
// table, so scans over the file skip other statements without reading them.
func Targets(st schema.Statement, table schema.QualifiedName) bool {
	t, n := st.Target, table.Name
	return t == n || (len(t) > len(n) && t[len(t)-len(n)-1] == '.' && t[len(t)-len(n):] == n)
}

// StringValues returns the values of a list of String nodes (column lists,
// qualified names).
func StringValues(ns []*pg_query.Node) []string {
	out := make([]string, 0, len(ns))
	for _, n := range ns {
		out = append(out, n.GetString_().GetSval())
	}
	return out
}

// ParseStmt parses one statement of generated SQL and returns its node, or
// nil when it does not parse.
func ParseStmt(sql string) *pg_query.Node {
	tree, err := pg_query.Parse(sql)
	if err != nil || len(tree.GetStmts()) == 0 {
		return nil
	}
	return tree.GetStmts()[0].GetStmt()
}

// Deparse renders nodes with the statement's parse tree version (see
// schema.Statement.Deparse), or "" when the deparser refuses them.
func (c *Context) Deparse(nodes ...*pg_query.Node) string {
	sql, err := c.Stmt.Deparse(nodes...)
	if err != nil {
		return ""
	}
	return sql
}

// IdentValue is the name a scanned identifier or keyword token stands for:
// quoted identifiers unquoted, the rest folded to lower case.
func IdentValue(tok string) string {
	if len(tok) >= 2 && tok[0] == '"' {
		return strings.ReplaceAll(tok[1:len(tok)-1], `""`, `"`)
	}
	return strings.ToLower(tok)
}

// NameLocation returns the file offset of the first identifier or keyword
// token of the statement that names name and starts at or after the file
// offset from; it returns 0 (the statement) when there is none.
func (c *Context) NameLocation(name string, from int32) int32 {
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
		if IdentValue(c.Stmt.Text[t.Start:t.End]) == name {
			return start + t.Start
		}
	}
	return 0
}

// Earlier returns the statements of the file before the one under review.
func (c *Context) Earlier() []schema.Statement {
	return c.Statements[:min(c.Index, len(c.Statements))]
}

// FromHere returns the statement under review and the ones after it.
func (c *Context) FromHere() []schema.Statement {
	return c.Statements[min(c.Index, len(c.Statements)):]
}

// EarlierOn returns the earlier statements of the file on the table or
// creating its partitions, in file order, found through the file's index.
func (c *Context) EarlierOn(table string) []schema.Statement { return c.on(table, 0, c.Index) }

// LaterOn returns the later statements of the file on the table or creating
// its partitions, in file order.
func (c *Context) LaterOn(table string) []schema.Statement {
	return c.on(table, c.Index+1, len(c.Statements))
}

// FromHereOn returns the statement under review and the later ones on the
// table, in file order.
func (c *Context) FromHereOn(table string) []schema.Statement {
	return c.on(table, c.Index, len(c.Statements))
}

// on returns the indexed statements on the table with index in [from, to).
func (c *Context) on(table string, from, to int) []schema.Statement {
	var out []schema.Statement
	for _, i := range c.ByTable.On(table) {
		if i >= from && i < to {
			out = append(out, c.Statements[i])
		}
	}
	return out
}

// Later returns the statements of the file after the one under review.
func (c *Context) Later() []schema.Statement {
	return c.Statements[min(c.Index+1, len(c.Statements)):]
}

// EachConstraint calls fn on every constraint of a CREATE TABLE, with the
// column for one written on a column ("" for a table constraint).
func EachConstraint(cs *pg_query.CreateStmt, fn func(con *pg_query.Constraint, column string)) {
	for _, elt := range cs.TableElts {
		if cd := elt.GetColumnDef(); cd != nil {
			for _, n := range cd.Constraints {
				fn(n.GetConstraint(), cd.Colname)
			}
		} else if con := elt.GetConstraint(); con != nil {
			fn(con, "")
		}
	}
	for _, n := range cs.Constraints {
		fn(n.GetConstraint(), "")
	}
}

// EachAddedConstraint calls fn on the constraints an ALTER TABLE subcommand
// adds (ADD CONSTRAINT, or a column's inline constraints in ADD COLUMN).
func EachAddedConstraint(cmd *pg_query.AlterTableCmd, fn func(con *pg_query.Constraint, column string)) {
	switch cmd.GetSubtype() {
	case pg_query.AlterTableType_AT_AddConstraint:
		if con := cmd.GetDef().GetConstraint(); con != nil {
			fn(con, "")
		}
	case pg_query.AlterTableType_AT_AddColumn:
		if cd := cmd.GetDef().GetColumnDef(); cd != nil {
			for _, n := range cd.Constraints {
				fn(n.GetConstraint(), cd.Colname)
			}
		}
	}
}

// SerialBase returns the catalog name of the integer type behind a serial
// pseudo-type ("bigserial" -> "int8"), or "" when t is not a serial type.
func SerialBase(t string) string {
	switch t {
	case "smallserial", "serial2":
		return "int2"
	case "serial", "serial4":
		return "int4"
	case "bigserial", "serial8":
		return "int8"
	}
	return ""
}
