package schema

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"github.com/pganalyze/pg_query_go/v6/parser"

	"github.com/pgrollout/pgrollout/workflow"
)

// SyntaxError is a statement PostgreSQL's parser rejects, placed at the
// character the parser pointed to.
type SyntaxError struct {
	// Pos is where the parser stopped; Line is 0 when it did not say.
	Pos workflow.Position
	// Message is the parser's message without a leading "syntax error",
	// e.g. `at or near ","`.
	Message string
}

// Error renders FILE:LINE:COL: syntax error: MESSAGE.
func (e *SyntaxError) Error() string {
	where := e.Pos.String()
	if e.Pos.File == "" && e.Pos.Line > 0 {
		where = fmt.Sprintf("%d:%d", e.Pos.Line, e.Pos.Column)
	}
	if where == "" {
		return "syntax error: " + e.Message
	}
	return where + ": syntax error: " + e.Message
}

// Split parses sql, the content of file, and returns its top-level
// statements in order. Empty input or input made only of comments gives no
// statements. A parse failure is a *SyntaxError; Split never panics.
func Split(file, sql string) ([]Statement, error) {
	return split(file, sql, pg_query.Parse)
}

// parseFunc is the parser Split uses; tests substitute failing ones.
type parseFunc func(string) (*pg_query.ParseResult, error)

func split(file, sql string, parse parseFunc) (stmts []Statement, err error) {
	defer func() {
		if r := recover(); r != nil {
			stmts, err = nil, fmt.Errorf("%s: parser failed: %v", file, r)
		}
	}()
	idx := newLineIndex(file, sql)
	// The parser reads a C string: a NUL byte would silently end the input.
	if i := strings.IndexByte(sql, 0); i >= 0 {
		return nil, &SyntaxError{Pos: idx.position(i), Message: "NUL byte in input"}
	}
	tree, err := parse(sql)
	if err != nil {
		return nil, parseError(idx, err)
	}
	tokens := scanTokens(sql)
	stmts = make([]Statement, 0, len(tree.Stmts))
	for _, raw := range tree.GetStmts() {
		start, end := rawBounds(raw, len(sql))
		start, end = tokenBounds(sql, tokens, start, end)
		st := Statement{
			Text:    sql[start:end],
			Pos:     idx.position(start),
			EndLine: idx.position(max(start, end-1)).Line,
			Start:   start,
			End:     end,
			Node:    raw.Stmt,
			version: tree.GetVersion(),
		}
		st.Kind, st.Target = describe(raw.Stmt)
		stmts = append(stmts, st)
	}
	return stmts, nil
}

// parseError turns a parser error into a *SyntaxError placed in the file.
func parseError(idx lineIndex, err error) error {
	var perr *parser.Error
	if !errors.As(err, &perr) {
		return fmt.Errorf("%s: parse: %w", idx.file, err)
	}
	msg := strings.TrimPrefix(perr.Message, "syntax error ")
	if perr.Cursorpos <= 0 {
		return &SyntaxError{Pos: workflow.Position{File: idx.file}, Message: msg}
	}
	return &SyntaxError{Pos: idx.position(pgCharsToBytes(idx.src, perr.Cursorpos)), Message: msg}
}

// rawBounds returns the byte range the parser assigned to a statement. It
// starts right after the previous statement's semicolon, so it includes
// leading blank space and comments; a zero length means "to the end".
func rawBounds(raw *pg_query.RawStmt, n int) (int, int) {
	start := max(0, min(int(raw.StmtLocation), n))
	end := n
	if raw.StmtLen > 0 {
		end = min(start+int(raw.StmtLen), n)
	}
	return start, end
}

// scanTokens lexes sql; nil when the scanner fails (the caller falls back to
// trimming blank space).
func scanTokens(sql string) []*pg_query.ScanToken {
	res, err := pg_query.Scan(sql)
	if err != nil {
		return nil
	}
	toks := res.GetTokens()
	sort.SliceStable(toks, func(i, j int) bool { return toks[i].Start < toks[j].Start })
	return toks
}

// tokenBounds narrows [start, end) to the statement's first and last real
// token, leaving out comments, blank space and semicolons around it.
func tokenBounds(sql string, tokens []*pg_query.ScanToken, start, end int) (int, int) {
	first, last := -1, -1
	i := sort.Search(len(tokens), func(i int) bool { return int(tokens[i].Start) >= start })
	for ; i < len(tokens) && int(tokens[i].Start) < end; i++ {
		switch tokens[i].Token {
		case pg_query.Token_SQL_COMMENT, pg_query.Token_C_COMMENT, pg_query.Token_ASCII_59:
			continue
		}
		if first < 0 {
			first = i
		}
		last = i
	}
	if first < 0 {
		return trimBlank(sql, start, end)
	}
	s := int(tokens[first].Start)
	e := min(int(tokens[last].End), end)
	if e <= s {
		return trimBlank(sql, start, end)
	}
	return s, e
}

// trimBlank narrows [start, end) by blank space and semicolons only.
func trimBlank(sql string, start, end int) (int, int) {
	const cut = " \t\r\n\f\v;"
	for start < end && strings.IndexByte(cut, sql[start]) >= 0 {
		start++
	}
	for end > start && strings.IndexByte(cut, sql[end-1]) >= 0 {
		end--
	}
	return start, end
}
