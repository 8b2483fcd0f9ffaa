// Package validate computes the Validate stage: the staging checks a team keeps
// as evidence (constraints, row counts, EXPLAIN captures, application smoke
// tests), what each expected and observed, and which decisions rest on them.
package validate

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/internal/jsonpos"
)

// The kinds of staging check, stored in workflow.Evidence.Kind.
const (
	KindConstraint = "constraint" // a constraint or index is in place, or can be
	KindRowCount   = "row-count"  // row counts and backfill checks
	KindExplain    = "explain"    // an EXPLAIN capture of a real query
	KindSmokeTest  = "smoke-test" // an application smoke test, verified with SQL
)

// Kinds returns the staging check kinds in display order.
func Kinds() []string { return []string{KindConstraint, KindRowCount, KindExplain, KindSmokeTest} }

// record is one staging check as the evidence file stores it.
type record struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	Title      string    `json:"title"`
	Query      string    `json:"query"`
	Expected   string    `json:"expected"`
	Observed   string    `json:"observed"`
	Status     string    `json:"status"`
	CapturedAt time.Time `json:"captured_at"`
	Source     string    `json:"source"`
}

// ParseEvidence reads a staging evidence file: a JSON array of checks, each
//
//	{"id", "kind", "title", "query", "expected", "observed", "status",
//	 "captured_at", "source"}
//
// with kind one of constraint, row-count, explain or smoke-test; status one
// of passed, failed or missing; query the exact read-only SQL that was (or is
// to be) run; observed and captured_at set once a check has run and empty
// while it is missing. Every error is a *jsonpos.Error naming
// name:line:col and the cause.
func ParseEvidence(name string, data []byte) ([]workflow.Evidence, error) {
	doc, err := jsonpos.Parse(name, data)
	if err != nil {
		return nil, err
	}
	var recs []record
	if err := doc.Decode(&recs); err != nil {
		return nil, err
	}
	out := make([]workflow.Evidence, 0, len(recs))
	first := make(map[string]int, len(recs))
	for i, r := range recs {
		ev, field, err := r.evidence()
		if err != nil {
			return nil, doc.Locate(fmt.Errorf("check %s: %w", r.label(i), err), i, field)
		}
		if j, dup := first[ev.ID]; dup {
			return nil, doc.Locate(fmt.Errorf("check %q appears twice (first on line %d)", ev.ID, doc.Pos(j).Line), i, "id")
		}
		first[ev.ID] = i
		out = append(out, ev)
	}
	return out, nil
}

// label names a record in errors: its id, or its place in the file.
func (r record) label(i int) string {
	if id := strings.TrimSpace(r.ID); id != "" {
		return id
	}
	return fmt.Sprintf("#%d", i+1)
}

// evidence checks a record and converts it. On failure it also returns the
// name of the field at fault.
func (r record) evidence() (workflow.Evidence, string, error) {
	id := strings.TrimSpace(r.ID)
	switch {
	case id == "":
		return workflow.Evidence{}, "id", errors.New("no id")
	case strings.ContainsFunc(id, isSpaceOrControl):
		return workflow.Evidence{}, "id", fmt.Errorf("id %q contains white space", id)
	case !slices.Contains(Kinds(), r.Kind):
		return workflow.Evidence{}, "kind", fmt.Errorf("unknown kind %q (want %s)", r.Kind, strings.Join(Kinds(), ", "))
	case strings.TrimSpace(r.Title) == "":
		return workflow.Evidence{}, "title", errors.New("no title")
	case strings.TrimSpace(r.Expected) == "":
		return workflow.Evidence{}, "expected", errors.New("no expected result: a check must say what would prove it")
	}
	status, err := workflow.ParseEvidenceStatus(r.Status)
	if err != nil {
		return workflow.Evidence{}, "status", err
	}
	if err := checkQuery(r.Kind, r.Query); err != nil {
		return workflow.Evidence{}, "query", err
	}
	observed := strings.TrimSpace(r.Observed)
	switch {
	case status == workflow.EvidenceMissing && observed != "":
		return workflow.Evidence{}, "observed", errors.New("status missing, but an observation is recorded: say passed or failed")
	case status != workflow.EvidenceMissing && observed == "":
		return workflow.Evidence{}, "observed", fmt.Errorf("status %s without an observation: record what the query returned", status)
	case status != workflow.EvidenceMissing && r.CapturedAt.IsZero():
		return workflow.Evidence{}, "captured_at", fmt.Errorf("status %s without captured_at: record when the query ran", status)
	}
	return workflow.Evidence{
		ID:         id,
		Stage:      workflow.StageValidate,
		Kind:       r.Kind,
		Title:      strings.TrimSpace(r.Title),
		Query:      strings.TrimSpace(r.Query),
		Expected:   strings.TrimSpace(r.Expected),
		Observed:   observed,
		Status:     status,
		CapturedAt: r.CapturedAt,
		Source:     strings.TrimSpace(r.Source),
	}, "", nil
}

func isSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }
