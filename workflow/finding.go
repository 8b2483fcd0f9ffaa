package workflow

import "fmt"

// Severity ranks a finding.
type Severity string

// Severities from least to most serious.
const (
	SeverityInfo    Severity = "info"
	SeverityWarning Severity = "warning"
	SeverityError   Severity = "error"
)

// Rank orders severities: info < warning < error. Unknown severities rank lowest.
func (s Severity) Rank() int {
	switch s {
	case SeverityWarning:
		return 1
	case SeverityError:
		return 2
	}
	return 0
}

// ParseSeverity accepts "info", "warning" or "error".
func ParseSeverity(s string) (Severity, error) {
	switch Severity(s) {
	case SeverityInfo, SeverityWarning, SeverityError:
		return Severity(s), nil
	}
	return "", fmt.Errorf("unknown severity %q (want info, warning or error)", s)
}

// Position is a 1-based place in an input file.
type Position struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

// String renders FILE:LINE:COL, leaving out what is unknown.
func (p Position) String() string {
	switch {
	case p.File == "":
		return ""
	case p.Line == 0:
		return p.File
	case p.Column == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// Finding is one thing a stage noticed: a rule that fired on a statement, a
// check that failed, an operational signal.
type Finding struct {
	// ID is stable across re-runs: rule plus a fingerprint of the subject, not a line number.
	ID       string   `json:"id"`
	Rule     string   `json:"rule"`
	Stage    Stage    `json:"stage"`
	Severity Severity `json:"severity"`
	Object   string   `json:"object"`
	Message  string   `json:"message"`
	Position Position `json:"position"`
	// Evidence lists the IDs of the evidence that backs the finding.
	Evidence []string `json:"evidence,omitempty"`
}

// Tone colours a severity: errors bad, warnings warn, the rest neutral.
func (s Severity) Tone() Tone {
	switch s {
	case SeverityError:
		return ToneBad
	case SeverityWarning:
		return ToneWarn
	}
	return ToneNeutral
}
