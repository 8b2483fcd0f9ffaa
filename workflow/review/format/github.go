package format

import (
	"fmt"
	"io"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review"
)

// writeGitHub prints one workflow command per finding, which GitHub Actions
// turns into annotations on the pull request.
func writeGitHub(w io.Writer, res review.Result) error {
	for _, f := range res.Findings {
		level := "warning"
		switch f.Severity {
		case workflow.SeverityError:
			level = "error"
		case workflow.SeverityInfo:
			level = "notice"
		}
		msg := f.Message
		if f.Help != "" {
			msg += "\n" + f.Help
		}
		if f.SafeSQL != "" {
			msg += "\nSafe alternative:\n" + f.SafeSQL
		}
		if _, err := fmt.Fprintf(w, "::%s file=%s,line=%d,col=%d,endLine=%d,endColumn=%d,title=%s::%s\n",
			level, property(f.Pos.File), f.Pos.Line, f.Pos.Column, f.End.Line, f.End.Column,
			property(f.Rule), data(msg)); err != nil {
			return err
		}
	}
	return nil
}

// data escapes a workflow command's message.
func data(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// property escapes a workflow command's property value.
func property(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
