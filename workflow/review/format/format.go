// Package format writes review findings for people and for machines: text
// with the offending span marked, JSON, SARIF 2.1.0 for code scanning, GitHub
// workflow annotations, and markdown.
package format

import (
	"fmt"
	"io"
	"strings"

	"github.com/pgrollout/pgrollout/workflow/review"
)

// Names lists the output formats.
func Names() []string { return []string{"text", "json", "sarif", "github", "markdown"} }

// Write renders a review in the named format. sources maps file names to
// their text, for the snippets of the text format.
func Write(w io.Writer, name string, res review.Result, sources map[string]string, version string) error {
	switch name {
	case "text":
		return writeText(w, res, sources)
	case "json":
		return writeJSON(w, res)
	case "sarif":
		return writeSARIF(w, res, version)
	case "github":
		return writeGitHub(w, res)
	case "markdown":
		_, err := io.WriteString(w, Markdown(res))
		return err
	}
	return fmt.Errorf("unknown format %q (want %s)", name, strings.Join(Names(), ", "))
}
