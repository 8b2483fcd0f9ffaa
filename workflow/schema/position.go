package schema

import (
	"sort"
	"unicode/utf8"

	"github.com/pgrollout/pgrollout/workflow"
)

// lineIndex converts byte offsets of one source text into 1-based
// line/column positions. Columns count characters (UTF-8 code points; an
// invalid byte counts as one), not bytes, so an "é" before a statement moves
// it by one column.
type lineIndex struct {
	file   string
	src    string
	starts []int // byte offset at which each line starts
}

func newLineIndex(file, src string) lineIndex {
	starts := []int{0}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			starts = append(starts, i+1)
		}
	}
	return lineIndex{file: file, src: src, starts: starts}
}

// position returns the position of the byte at offset, clamped to the text
// (an offset at the end of the text is the place just after its last character).
func (x lineIndex) position(offset int) workflow.Position {
	offset = max(0, min(offset, len(x.src)))
	line := sort.Search(len(x.starts), func(i int) bool { return x.starts[i] > offset }) - 1
	col := utf8.RuneCountInString(x.src[x.starts[line]:offset]) + 1
	return workflow.Position{File: x.file, Line: line + 1, Column: col}
}

// pgCharsToBytes converts PostgreSQL's 1-based character cursor position
// into a byte offset into src. PostgreSQL counts characters by the length its
// UTF-8 lead byte announces (pg_utf_mblen), which this mirrors so that invalid
// input still lands inside the text. Unknown positions (<= 0) map to offset 0.
func pgCharsToBytes(src string, cursor int) int {
	off := 0
	for n := 1; n < cursor && off < len(src); n++ {
		off += pgUTF8Len(src[off])
	}
	return min(off, len(src))
}

// pgUTF8Len is PostgreSQL's pg_utf_mblen: the sequence length a lead byte announces.
func pgUTF8Len(b byte) int {
	switch {
	case b&0x80 == 0:
		return 1
	case b&0xe0 == 0xc0:
		return 2
	case b&0xf0 == 0xe0:
		return 3
	case b&0xf8 == 0xf0:
		return 4
	}
	return 1
}
