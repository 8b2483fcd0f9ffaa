package audit

import (
	"context"
	"strings"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgrollout/pgrollout/workflow/pgread"
)

// auditMarker marks every statement Collect sends, so that the audit's own
// statements can be told apart in pg_stat_statements (which keeps the text
// a statement was first seen with, comments included) and left out of the
// statements section.
//
// The marker goes after the statement's first keyword ("SELECT /* pgrollout
// audit */ ..."), not in front of it: PostgreSQL 18 drops a leading comment
// from the text pg_stat_statements stores, and keeps one inside.
const auditMarker = pgread.Marker

// auditMarkerRegex matches a pg_stat_statements text that starts with a
// marked statement (an ARE for PostgreSQL's ~ operator).
const auditMarkerRegex = `^\s*([A-Za-z]+\s+)?/\* pgrollout audit \*/`

// markSQL puts auditMarker after the first keyword of sql, or in front when
// sql does not start with one.
func markSQL(sql string) string {
	start := strings.IndexFunc(sql, func(r rune) bool { return !unicode.IsSpace(r) })
	if start < 0 {
		return sql
	}
	end := strings.IndexFunc(sql[start:], func(r rune) bool { return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') })
	switch {
	case end == 0:
		return auditMarker + " " + sql
	case end < 0:
		return sql + " " + auditMarker
	}
	end += start
	return sql[:end] + " " + auditMarker + sql[end:]
}

// markedTx is a transaction whose statements are marked with auditMarker.
type markedTx struct{ pgx.Tx }

// markTx wraps tx so that every statement sent through it is marked.
func markTx(tx pgx.Tx) pgx.Tx { return markedTx{tx} }

// Exec runs a marked sql.
func (t markedTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return t.Tx.Exec(ctx, markSQL(sql), args...)
}

// Query runs a marked sql.
func (t markedTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return t.Tx.Query(ctx, markSQL(sql), args...)
}

// QueryRow runs a marked sql.
func (t markedTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return t.Tx.QueryRow(ctx, markSQL(sql), args...)
}
