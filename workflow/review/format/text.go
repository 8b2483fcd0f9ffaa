package format

import (
	"fmt"
	"io"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review"
)

// writeText prints each finding as FILE:LINE:COL with the statement's line,
// the offending span marked, the lock, why it matters and the safe SQL; then
// a one-line summary.
func writeText(w io.Writer, res review.Result, sources map[string]string) error {
	var b strings.Builder
	for _, f := range res.Findings {
		fmt.Fprintf(&b, "%s: %s %s: %s\n", f.Pos, f.Severity, f.Rule, f.Message)
		b.WriteString(snippet(sources[f.Pos.File], f))
		if f.Lock != "" {
			fmt.Fprintf(&b, "  lock: %s\n", f.Lock)
		}
		if f.Help != "" {
			fmt.Fprintf(&b, "  why:  %s\n", f.Help)
		}
		if f.SafeSQL != "" {
			b.WriteString("  safe alternative:\n")
			for _, l := range strings.Split(strings.TrimRight(f.SafeSQL, "\n"), "\n") {
				b.WriteString("    " + l + "\n")
			}
		}
		b.WriteString("\n")
	}
	b.WriteString(Summary(res) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// snippet shows the finding's first line with a gutter and marks the span
// from its column to the end of the statement on that line.
func snippet(src string, f review.Finding) string {
	lines := strings.Split(src, "\n")
	if f.Pos.Line < 1 || f.Pos.Line > len(lines) {
		return ""
	}
	line := []rune(strings.TrimRight(lines[f.Pos.Line-1], "\r"))
	start := max(1, f.Pos.Column)
	end := len(line)
	if f.End.Line == f.Pos.Line {
		end = min(end, f.End.Column)
	}
	if start > len(line) || end < start {
		return ""
	}
	num := fmt.Sprint(f.Pos.Line)
	gutter := strings.Repeat(" ", len(num))
	return fmt.Sprintf("  %s | %s\n  %s | %s%s\n", num, string(line), gutter,
		strings.Repeat(" ", start-1), strings.Repeat("^", end-start+1))
}

// Summary counts the findings per severity: "3 findings (1 error, 2 warnings)
// in 8 statements".
func Summary(res review.Result) string {
	if len(res.Findings) == 0 {
		return fmt.Sprintf("no findings in %s", plural(res.Statements, "statement"))
	}
	counts := map[workflow.Severity]int{}
	for _, f := range res.Findings {
		counts[f.Severity]++
	}
	var parts []string
	for _, s := range []workflow.Severity{workflow.SeverityError, workflow.SeverityWarning, workflow.SeverityInfo} {
		if counts[s] > 0 {
			parts = append(parts, plural(counts[s], string(s)))
		}
	}
	return fmt.Sprintf("%s (%s) in %s", plural(len(res.Findings), "finding"), strings.Join(parts, ", "), plural(res.Statements, "statement"))
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
