package txn

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

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
