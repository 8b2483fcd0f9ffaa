package format

import (
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

// writeJSON writes one array holding every finding.
func writeJSON(w io.Writer, res review.Result) error {
	out := make([]jsonFinding, 0, len(res.Findings))
	for _, f := range res.Findings {
		out = append(out, jsonFinding{
			Rule: f.Rule, Severity: string(f.Severity), File: f.Pos.File,
			Line: f.Pos.Line, Column: f.Pos.Column, EndLine: f.End.Line, EndColumn: f.End.Column,
			Message: f.Message, Help: f.Help, Lock: f.Lock, Rewrite: f.Rewrite, Scan: f.Scan,
			SafeSQL: f.SafeSQL, Object: f.Object, Statement: f.Statement, Key: f.Key,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
