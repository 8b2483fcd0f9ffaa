// Package md holds the markdown helpers every handoff file and detail pane
// shares: escaping for table cells, one-line text and code spans, tables, links.
package md

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// None stands in for an empty or unknown value.
const None = "—"

// Cell makes s safe inside a GitHub-flavoured markdown table cell. Backslashes
// are doubled first, so that a backslash in the text cannot swallow the escape
// of a following pipe; pipes become \|; line breaks become <br>, preceded by a
// space so renderers that drop HTML (the terminal's) still separate the words.
// An empty cell shows a dash.
func Cell(s string) string {
	lines := splitLines(s)
	if len(lines) == 0 {
		return None
	}
	r := strings.NewReplacer(`\`, `\\`, `|`, `\|`)
	for i, l := range lines {
		lines[i] = r.Replace(l)
	}
	return strings.Join(lines, " <br>")
}

// Text makes s fit on one markdown line — a heading, a list item: runs of
// white space, line breaks included, become one space. An empty text shows a
// dash.
func Text(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return strings.Join(f, " ")
	}
	return None
}

// Code renders s as an inline code span on one line, with a backtick fence
// longer than any run of backticks inside it.
func Code(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return None
	}
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// CodeList renders IDs as comma-separated code spans, or a dash.
func CodeList(ids []string) string {
	if len(ids) == 0 {
		return None
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = Code(id)
	}
	return strings.Join(out, ", ")
}

// Link renders a relative link to a handoff file: brackets in the label are
// escaped, each path segment of the target is URL-escaped.
func Link(label, name string) string {
	label = strings.NewReplacer(`\`, `\\`, `[`, `\[`, `]`, `\]`).Replace(Text(label))
	segs := strings.Split(name, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return "[" + label + "](" + strings.Join(segs, "/") + ")"
}

// Abbreviate keeps the first line of s, cut to at most limit runes with an
// ellipsis when anything was left out.
func Abbreviate(s string, limit int) string {
	lines := splitLines(s)
	if len(lines) == 0 {
		return ""
	}
	first := []rune(lines[0])
	if len(first) <= limit && len(lines) == 1 {
		return lines[0]
	}
	if len(first) > limit-1 {
		first = first[:limit-1]
	}
	return strings.TrimRight(string(first), " ") + "…"
}

// Table writes a markdown table; every header and cell goes through cell.
func Table(b *strings.Builder, header []string, rows [][]string) {
	row := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + Cell(c) + " |")
		}
		b.WriteString("\n")
	}
	row(header)
	b.WriteString("|" + strings.Repeat(" --- |", len(header)) + "\n")
	for _, r := range rows {
		row(r)
	}
}

// splitLines splits s on any line ending, trims each line and drops blank
// lines at the start and the end.
func splitLines(s string) []string {
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(s)
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return nil
	}
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return lines
}

// Time renders a time for the handoff files: RFC 3339 in UTC, or a dash when
// it is unknown.
func Time(t time.Time) string {
	if t.IsZero() {
		return None
	}
	return t.UTC().Format(time.RFC3339)
}

// Fence renders text as a fenced code block whose fence is longer than any
// run of backticks inside it, so SQL comments or strings cannot close it early.
func Fence(lang, text string) string {
	longest, run := 0, 0
	for _, r := range text {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	f := strings.Repeat("`", max(3, longest+1))
	return f + lang + "\n" + strings.TrimRight(text, "\r\n") + "\n" + f + "\n"
}

// Plural renders a count with its noun: "1 col", "3 cols".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// Bytes renders a byte count in binary units: "512 B", "1.5 KiB", "142.0 MiB".
func Bytes(n int64) string {
	if n < 1024 && n > -1024 {
		return fmt.Sprintf("%d B", n)
	}
	v := float64(n)
	for _, unit := range []string{"KiB", "MiB", "GiB", "TiB", "PiB"} {
		v /= 1024
		if math.Abs(v) < 1023.95 { // so that rounding never shows "1024.0"
			return fmt.Sprintf("%.1f %s", v, unit)
		}
	}
	return fmt.Sprintf("%.1f EiB", v/1024)
}
