// Package schema is the SQL side of pgrollout. Split cuts a SQL file into
// top-level statements with exact positions, kinds and targets; Build and
// (*Model).Apply replay DDL statements into a schema model (tables, columns,
// constraints, indexes, enums) that the Build, Review and Migration stages read.
// Parsing uses PostgreSQL's own parser through pg_query_go, so what parses here
// parses in PostgreSQL 17.
package schema

import (
	"strings"
	"unicode/utf8"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
)

// Statement is one top-level SQL statement of a file.
type Statement struct {
	// Text is the statement exactly as written, from its first token to its
	// last: without the terminating semicolon and without the comments and
	// blank space around it (comments inside it are kept).
	Text string
	// Pos is the position of the statement's first token (1-based line and
	// character column).
	Pos workflow.Position
	// EndLine is the line of the statement's last token.
	EndLine int
	// Start and End are the byte offsets of Text in the file, End exclusive.
	Start, End int
	// Kind is a human label: "CREATE TABLE", "ALTER TABLE", "CREATE UNIQUE
	// INDEX", "DELETE", "BEGIN", ...
	Kind string
	// Target is the main relation or object the statement works on,
	// schema-qualified when the SQL qualifies it; empty when there is none
	// (SET, BEGIN, SELECT ...).
	Target string
	// Node is the statement's parse tree. Locations inside it are byte offsets
	// into the whole file; PositionOf turns them into positions.
	Node *pg_query.Node

	// version is the parse tree version, needed to deparse parts of Node.
	version int32
}

// PositionOf converts a byte offset into the statement's file (such as a
// Location field of Node) into a position. Offsets outside the statement's
// text are clamped to its first or last character.
func (s Statement) PositionOf(offset int) workflow.Position {
	rel := max(0, min(offset-s.Start, len(s.Text)))
	for rel > 0 && rel < len(s.Text) && !utf8.RuneStart(s.Text[rel]) {
		rel--
	}
	before := s.Text[:rel]
	nl := strings.Count(before, "\n")
	if nl == 0 {
		return workflow.Position{File: s.Pos.File, Line: s.Pos.Line, Column: s.Pos.Column + utf8.RuneCountInString(before)}
	}
	lastLine := before[strings.LastIndexByte(before, '\n')+1:]
	return workflow.Position{File: s.Pos.File, Line: s.Pos.Line + nl, Column: utf8.RuneCountInString(lastLine) + 1}
}
