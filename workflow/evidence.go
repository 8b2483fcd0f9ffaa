package workflow

import (
	"fmt"
	"time"
)

// EvidenceStatus says whether a piece of evidence proves what it was meant to.
type EvidenceStatus string

// Evidence statuses.
const (
	EvidencePassed  EvidenceStatus = "passed"
	EvidenceFailed  EvidenceStatus = "failed"
	EvidenceMissing EvidenceStatus = "missing"
)

// ParseEvidenceStatus accepts "passed", "failed" or "missing".
func ParseEvidenceStatus(s string) (EvidenceStatus, error) {
	switch EvidenceStatus(s) {
	case EvidencePassed, EvidenceFailed, EvidenceMissing:
		return EvidenceStatus(s), nil
	}
	return "", fmt.Errorf("unknown evidence status %q (want passed, failed or missing)", s)
}

// Evidence is something observed that a decision can rest on: a staging check,
// an EXPLAIN capture, a smoke test, an audit snapshot.
type Evidence struct {
	ID         string         `json:"id"`
	Stage      Stage          `json:"stage"`
	Kind       string         `json:"kind"`
	Title      string         `json:"title"`
	Query      string         `json:"query,omitempty"`
	Expected   string         `json:"expected,omitempty"`
	Observed   string         `json:"observed,omitempty"`
	Status     EvidenceStatus `json:"status"`
	CapturedAt time.Time      `json:"captured_at,omitzero"`
	Source     string         `json:"source,omitempty"`
}
