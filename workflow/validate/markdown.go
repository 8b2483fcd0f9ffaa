package validate

import (
	"strings"

	"github.com/pgrollout/pgrollout/workflow/md"
)

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
		return md.Fence("text", s)
	}
	return md.Text(s) + "\n"
}
