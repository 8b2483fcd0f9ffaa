// Package jsonpos decodes pgrollout's JSON input files strictly and reports
// every problem at its place in the file, as FILE:LINE:COL: cause.
//
// Parse reads a document and remembers where each value starts; Doc.Decode
// stores it in a Go value, rejecting unknown and repeated fields and values of
// the wrong type; Doc.Locate points a semantic error found later (a bad state,
// a negative counter) at the value it is about.
package jsonpos

import (
	"bytes"
	"unicode/utf8"

	"github.com/pgrollout/pgrollout/workflow"
)

// Error is a problem in an input file, located at a line and column.
type Error struct {
	Pos workflow.Position
	Err error
}

// Error renders FILE:LINE:COL: cause.
func (e *Error) Error() string {
	if p := e.Pos.String(); p != "" {
		return p + ": " + e.Err.Error()
	}
	return e.Err.Error()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// LineCol converts a byte offset in data to a 1-based line and column. The
// column counts characters, not bytes. Offsets outside data are clamped.
func LineCol(data []byte, offset int) (line, col int) {
	offset = min(max(offset, 0), len(data))
	before := data[:offset]
	start := bytes.LastIndexByte(before, '\n') + 1
	return bytes.Count(before, []byte{'\n'}) + 1, utf8.RuneCount(before[start:]) + 1
}

// At returns err located at a byte offset of the named file's data.
func At(name string, data []byte, offset int, err error) *Error {
	line, col := LineCol(data, offset)
	return &Error{Pos: workflow.Position{File: name, Line: line, Column: col}, Err: err}
}
