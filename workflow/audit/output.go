package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
)

// WriteJSON writes the report as one JSON object: server_version,
// captured_at, window, capabilities (check, status, reason) and findings
// (check, severity, object, message, evidence, remediation, undo ...).
func WriteJSON(w io.Writer, r Report) error {
	if r.Capabilities == nil {
		r.Capabilities = []CheckResult{}
	}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report for a terminal: the checks and their status,
// then one block per finding.
func WriteText(w io.Writer, r Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "PostgreSQL %s, captured %s, %s\n\n", r.ServerVersion, r.CapturedAt.UTC().Format("2006-01-02 15:04:05 UTC"), r.Window)
	for _, c := range r.Capabilities {
		line := fmt.Sprintf("  %-20s %s", c.Check, c.Status)
		if c.Reason != "" {
			line += ": " + c.Reason
		}
		b.WriteString(line + "\n")
	}
	if len(r.Findings) == 0 {
		b.WriteString("\nNo findings.\n")
	}
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "\n%s %s %s: %s\n", f.Severity, f.Check, f.Object, f.Message)
		for _, e := range f.Evidence {
			fmt.Fprintf(&b, "    %s: %s\n", e.Name, e.Value)
		}
		if f.Remediation != "" {
			b.WriteString("  fix:  " + strings.ReplaceAll(f.Remediation, "\n", "\n        ") + "\n")
		}
		if f.Undo != "" {
			b.WriteString("  undo: " + strings.ReplaceAll(f.Undo, "\n", "\n        ") + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// LiveResult is a live audit: the snapshot read last (with its source and
// report set, ready to store), the report and, with an interval, the
// notes on what the delta had to leave out.
type LiveResult struct {
	Snapshot *Snapshot
	// First is the snapshot taken at the start of an interval; nil without one.
	First  *Snapshot
	Report Report
	Notes  []string
}

// Document turns a snapshot into the project document that stores it:
// "audits/<database>-<captured at>.json", holding the raw counters, the
// source without its password and the report.
func Document(s *Snapshot) (workflow.Document, error) {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return workflow.Document{}, fmt.Errorf("encode audit snapshot: %w", err)
	}
	stamp := strings.ReplaceAll(s.CapturedAt.UTC().Format("2006-01-02T15-04-05.000Z"), ".", "-")
	return workflow.Document{
		Kind: workflow.KindStatsSnapshot,
		Name: fmt.Sprintf("audits/%s-%s.json", s.Database.Name, stamp),
		Text: string(data) + "\n",
	}, nil
}
