package validate

import (
	"strings"

	"github.com/pgrollout/pgrollout/workflow/md"
)

// fence wraps text in a fenced code block, with a fence longer than any run
// of backticks inside it.
func fence(lang, text string) string {
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
	return f + lang + "\n" + strings.TrimRight(text, "\n") + "\n" + f + "\n"
}

// plural picks the word for n things.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// block renders a check's expected or observed result: one line as text,
// several lines (a query plan, a table) as a preformatted block.
func block(s string) string {
	if strings.ContainsAny(strings.TrimSpace(s), "\r\n") {
		return fence("text", s)
	}
	return md.Text(s) + "\n"
}
