package audit

import (
	"time"

	"github.com/pgrollout/pgrollout/workflow"
)

// The check ids, in report order.
const (
	CheckSeqScanPressure    = "seq-scan-pressure"
	CheckTempWrites         = "temp-writes"
	CheckUnusedIndex        = "unused-index"
	CheckDuplicateIndex     = "duplicate-index"
	CheckRedundantIndex     = "redundant-index"
	CheckInvalidIndex       = "invalid-index"
	CheckFKMissingIndex     = "fk-missing-index"
	CheckIndexBloat         = "index-bloat"
	CheckTableBloat         = "table-bloat"
	CheckCacheHitRatio      = "cache-hit-ratio"
	CheckXIDWraparound      = "xid-wraparound"
	CheckSequenceExhaustion = "sequence-exhaustion"
)

// Checks lists every check id in report order.
func Checks() []string {
	return []string{
		CheckSeqScanPressure, CheckTempWrites, CheckUnusedIndex, CheckDuplicateIndex, CheckRedundantIndex,
		CheckInvalidIndex, CheckFKMissingIndex, CheckIndexBloat, CheckTableBloat, CheckCacheHitRatio,
		CheckXIDWraparound, CheckSequenceExhaustion,
	}
}

// Title is a check's name in words ("Unused indexes"); the id itself for an
// unknown check.
func Title(check string) string {
	switch check {
	case CheckSeqScanPressure:
		return "Sequential scan pressure"
	case CheckTempWrites:
		return "Temp file writes"
	case CheckUnusedIndex:
		return "Unused indexes"
	case CheckDuplicateIndex:
		return "Duplicate indexes"
	case CheckRedundantIndex:
		return "Redundant (left-prefix) indexes"
	case CheckInvalidIndex:
		return "Invalid indexes"
	case CheckFKMissingIndex:
		return "Foreign keys without an index"
	case CheckIndexBloat:
		return "Index bloat (estimated)"
	case CheckTableBloat:
		return "Table bloat (estimated)"
	case CheckCacheHitRatio:
		return "Cache hit ratio"
	case CheckXIDWraparound:
		return "Transaction ID wraparound"
	case CheckSequenceExhaustion:
		return "Sequence exhaustion"
	}
	return check
}

// CheckStatus says whether a check could run on what the snapshot holds.
type CheckStatus string

// The statuses a check ends in.
const (
	// StatusEvaluated: the check ran on complete data.
	StatusEvaluated CheckStatus = "evaluated"
	// StatusDegraded: the check ran on partial data (Reason says what is
	// missing); its findings are right but may be incomplete.
	StatusDegraded CheckStatus = "degraded"
	// StatusSkipped: the check could not run without giving a wrong figure.
	StatusSkipped CheckStatus = "skipped"
)

// CheckResult is how one check went.
type CheckResult struct {
	Check  string      `json:"check"`
	Status CheckStatus `json:"status"`
	Reason string      `json:"reason,omitempty"`
	// Observations are one-line facts about what the check looked at
	// ("15 indexes on 7 tables"), findings or not.
	Observations []string `json:"observations,omitempty"`
}

// Evidence is one number a finding rests on, with its unit in the value
// ("4.1 GiB", "51,904 scans").
type Evidence struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Finding is one owner-ready conclusion of a check.
type Finding struct {
	Check    string            `json:"check"`
	Severity workflow.Severity `json:"severity"`
	// Object is the table, index, sequence or database it is about.
	Object  string `json:"object"`
	Message string `json:"message"`
	// Evidence lists the figures, and Window the statistics window they
	// cover ("37 days since stats_reset").
	Evidence []Evidence `json:"evidence"`
	Window   string     `json:"window,omitempty"`
	// Why says why it matters; Remediation is SQL (or steps) that fixes
	// it and Undo its inverse.
	Why         string   `json:"why"`
	Remediation string   `json:"remediation,omitempty"`
	Undo        string   `json:"undo,omitempty"`
	Caveats     []string `json:"caveats,omitempty"`
}

// Report is the outcome of an audit: every check's status and the findings,
// most severe first.
type Report struct {
	ServerVersion string    `json:"server_version"`
	Database      string    `json:"database"`
	CapturedAt    time.Time `json:"captured_at"`
	// Window is the statistics window in words.
	Window       string        `json:"window"`
	Capabilities []CheckResult `json:"capabilities"`
	Findings     []Finding     `json:"findings"`
}
