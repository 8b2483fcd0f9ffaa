package txn

import (
	"regexp"
	"strings"
	"unicode/utf8"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

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

// tokenLocation returns the file offset of the first token of the statement
// that satisfies match, or 0 (the statement) when none does.
func tokenLocation(c *rule.Context, match func(t *pg_query.ScanToken, text string) bool) int32 {
	r, err := pg_query.Scan(c.Stmt.Text)
	if err != nil {
		return 0
	}
	for _, t := range r.Tokens {
		if match(t, c.Stmt.Text[t.Start:t.End]) {
			return int32(c.Stmt.Start) + t.Start
		}
	}
	return 0
}

// keywordLocation returns the file offset of the statement's first token of
// the given kind, or 0.
func keywordLocation(c *rule.Context, kind pg_query.Token) int32 {
	return tokenLocation(c, func(t *pg_query.ScanToken, _ string) bool { return t.Token == kind })
}

// nameLocation returns the file offset of the statement's first identifier
// or keyword token naming name, or 0.
func nameLocation(c *rule.Context, name string) int32 {
	return tokenLocation(c, func(t *pg_query.ScanToken, text string) bool {
		return (t.Token == pg_query.Token_IDENT || t.KeywordKind != pg_query.KeywordKind_NO_KEYWORD) && identValue(text) == name
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

// quoteLiteral renders s as an SQL string literal.
func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

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

// relSQL renders a relation reference as SQL, quoting each part as needed.
func relSQL(rv *pg_query.RangeVar) string {
	if rv.GetSchemaname() == "" {
		return quoteIdent(rv.GetRelname())
	}
	return quoteIdent(rv.Schemaname) + "." + quoteIdent(rv.Relname)
}
