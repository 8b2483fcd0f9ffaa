package schema

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

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
	return split(file, sql, pg_query.Parse, runtime.GOMAXPROCS(0), parallelFrom)
}

// parallelFrom is the input size from which Split parses pieces of a file in
// parallel; smaller files are parsed whole.
const parallelFrom = 128 << 10

// parseFunc is the parser Split uses; tests substitute failing ones.
type parseFunc func(string) (*pg_query.ParseResult, error)

// split parses sql in up to pieces parts when it is at least from bytes long,
// else whole. A piece that fails to parse sends the whole file through the
// parser, so errors and odd input behave exactly as in a single parse.
func split(file, sql string, parse parseFunc, pieces, from int) (stmts []Statement, err error) {
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
	var parts []parsed
	if len(sql) >= from && pieces > 1 {
		parts = parseParallel(sql, parse, cutPoints(sql, pieces))
	}
	if parts == nil {
		tree, err := parse(sql)
		if err != nil {
			return nil, parseError(idx, err)
		}
		parts = []parsed{{end: len(sql), tree: tree, tokens: scanTokens(sql)}}
	}
	for _, p := range parts {
		for _, raw := range p.tree.GetStmts() {
			start, end := rawBounds(raw, p.end)
			start, end = tokenBounds(sql, p.tokens, max(start, p.start), end)
			st := Statement{
				Text:    sql[start:end],
				Pos:     idx.position(start),
				EndLine: idx.position(max(start, end-1)).Line,
				Start:   start,
				End:     end,
				Node:    raw.Stmt,
				version: p.tree.GetVersion(),
			}
			st.Kind, st.Target = describe(raw.Stmt)
			stmts = append(stmts, st)
		}
	}
	return stmts, nil
}

// parsed is the parse of the bytes [start, end) of a file.
type parsed struct {
	start, end int
	tree       *pg_query.ParseResult
	tokens     []*pg_query.ScanToken
}

// parseParallel parses the pieces of sql between the cuts at the same time.
// Each piece is preceded by as many spaces as there are bytes before it, so
// every location the parser reports is already an offset into sql. It
// returns nil when a piece does not parse.
func parseParallel(sql string, parse parseFunc, cuts []int) []parsed {
	bounds := append(append([]int{0}, cuts...), len(sql))
	parts := make([]parsed, len(bounds)-1)
	ok := make([]bool, len(parts))
	var wg sync.WaitGroup
	for i := range parts {
		wg.Go(func() {
			start, end := bounds[i], bounds[i+1]
			padded := strings.Repeat(" ", start) + sql[start:end]
			tree, err := parse(padded)
			if err != nil {
				return
			}
			parts[i] = parsed{start: start, end: end, tree: tree, tokens: scanTokens(padded)}
			ok[i] = true
		})
	}
	wg.Wait()
	if slices.Contains(ok, false) {
		return nil
	}
	return parts
}

// cutPoints returns up to pieces-1 offsets just after a semicolon that ends a
// statement, near equal fractions of sql. Its lexing (quotes, comments,
// dollar quotes) is a guess: a cut the parser would place inside a string,
// comment or BEGIN ATOMIC body leaves the piece before it unterminated, which
// fails to parse and sends the file through a single parse.
func cutPoints(sql string, pieces int) []int {
	var cuts []int
	next := len(sql) / pieces
	for i := 0; i < len(sql) && len(cuts) < pieces-1; i++ {
		switch c := sql[i]; {
		case c == ';':
			if i >= next && i+1 < len(sql) {
				cuts = append(cuts, i+1)
				next = (len(cuts) + 1) * len(sql) / pieces
			}
		case c == '\'':
			escapes := i > 0 && (sql[i-1] == 'E' || sql[i-1] == 'e') && (i < 2 || !identByte(sql[i-2]))
			i = skipQuoted(sql, i, escapes)
		case c == '"':
			i = skipQuoted(sql, i, false)
		case c == '-' && strings.HasPrefix(sql[i:], "--"):
			if j := strings.IndexByte(sql[i:], '\n'); j >= 0 {
				i += j
			} else {
				i = len(sql)
			}
		case c == '/' && strings.HasPrefix(sql[i:], "/*"):
			i = skipComment(sql, i)
		case c == '$' && (i == 0 || !identByte(sql[i-1])):
			i = skipDollar(sql, i)
		}
	}
	return cuts
}

// skipQuoted returns the offset of the quote closing the one at i (the end
// of sql when there is none); escapes honours backslashes (E'...').
func skipQuoted(sql string, i int, escapes bool) int {
	q := sql[i]
	for i++; i < len(sql); i++ {
		switch sql[i] {
		case '\\':
			if escapes {
				i++
			}
		case q:
			return i
		}
	}
	return len(sql)
}

// skipComment returns the offset of the last byte of the (nestable) block
// comment starting at i.
func skipComment(sql string, i int) int {
	depth := 0
	for ; i+1 < len(sql); i++ {
		switch sql[i : i+2] {
		case "/*":
			depth++
			i++
		case "*/":
			depth--
			i++
			if depth == 0 {
				return i
			}
		}
	}
	return len(sql)
}

// skipDollar returns the offset of the last byte of the dollar-quoted string
// starting at i, or i when no dollar quote starts there ($1 is a parameter).
func skipDollar(sql string, i int) int {
	j := i + 1
	for j < len(sql) && identByte(sql[j]) && sql[j] != '$' && !(j == i+1 && sql[j] >= '0' && sql[j] <= '9') {
		j++
	}
	if j >= len(sql) || sql[j] != '$' {
		return i
	}
	tag := sql[i : j+1]
	k := strings.Index(sql[j+1:], tag)
	if k < 0 {
		return len(sql)
	}
	return j + 1 + k + len(tag) - 1
}

// identByte reports whether b can be part of an identifier.
func identByte(b byte) bool {
	return b == '_' || b == '$' || b >= 0x80 || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
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
