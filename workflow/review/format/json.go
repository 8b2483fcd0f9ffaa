package format

import (
	"bufio"
	"encoding/json"
	"io"

	"github.com/pgrollout/pgrollout/workflow/review"
)

// jsonFinding is one finding in the JSON output; lines and columns are 1-based.
type jsonFinding struct {
	Rule      string `json:"rule"`
	Severity  string `json:"severity"`
	File      string `json:"file"`
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	EndLine   int    `json:"end_line"`
	EndColumn int    `json:"end_column"`
	Message   string `json:"message"`
	Help      string `json:"help"`
	Lock      string `json:"lock"`
	Rewrite   bool   `json:"rewrite"`
	Scan      bool   `json:"scan"`
	SafeSQL   string `json:"safe_sql"`
	Object    string `json:"object"`
	Statement string `json:"statement"`
	Key       string `json:"key"`
}

// writeJSON writes one array holding every finding, one element at a time
// so a long review never holds its whole output in memory.
func writeJSON(w io.Writer, res review.Result) error {
	if len(res.Findings) == 0 {
		_, err := io.WriteString(w, "[]\n")
		return err
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("[\n")
	for i, f := range res.Findings {
		b, err := json.MarshalIndent(jsonFinding{
			Rule: f.Rule, Severity: string(f.Severity), File: f.Pos.File,
			Line: f.Pos.Line, Column: f.Pos.Column, EndLine: f.End.Line, EndColumn: f.End.Column,
			Message: f.Message, Help: f.Help, Lock: f.Lock, Rewrite: f.Rewrite, Scan: f.Scan,
			SafeSQL: f.SafeSQL, Object: f.Object, Statement: f.Statement, Key: f.Key,
		}, "  ", "  ")
		if err != nil {
			return err
		}
		bw.WriteString("  ")
		bw.Write(b)
		if i < len(res.Findings)-1 {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
	}
	bw.WriteString("]\n")
	return bw.Flush()
}
