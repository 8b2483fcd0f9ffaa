package inputs

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/internal/jsonpos"
)

// decisionRecord is one decision as decisions.json stores it.
type decisionRecord struct {
	ID       string         `json:"id"`
	Title    string         `json:"title"`
	Stage    string         `json:"stage"`
	Object   string         `json:"object"`
	Findings []string       `json:"findings"`
	Evidence []string       `json:"evidence"`
	History  []changeRecord `json:"history"`
}

// changeRecord is one entry of a decision's history.
type changeRecord struct {
	At     time.Time `json:"at"`
	State  string    `json:"state"`
	Owner  string    `json:"owner"`
	Reason string    `json:"reason"`
	By     string    `json:"by"`
}

// ParseDecisions reads decisions.json: a JSON array of decisions,
//
//	{"id", "title", "stage", "object", "findings": [...], "evidence": [...],
//	 "history": [{"at", "state", "owner", "reason", "by"}, ...]}
//
// stage being a stage key ("review"), state one of accepted, needs-evidence
// or blocked (rejected is read as blocked), at an RFC 3339 time. Each history
// entry is applied in order through workflow.Decision.Change, so a change
// needs a reason, an accepted one an owner, and time only moves forward.
// Every error is a *jsonpos.Error naming name:line:col and the cause.
func ParseDecisions(name string, data []byte) ([]workflow.Decision, error) {
	return parseDecisions(name, data, nil)
}

// parseDecisions is ParseDecisions that also checks, when citable is not
// nil, that every evidence reference is in it.
func parseDecisions(name string, data []byte, citable map[string]bool) ([]workflow.Decision, error) {
	doc, err := jsonpos.Parse(name, data)
	if err != nil {
		return nil, err
	}
	var recs []decisionRecord
	if err := doc.Decode(&recs); err != nil {
		return nil, err
	}
	out := make([]workflow.Decision, 0, len(recs))
	first := map[string]int{}
	for i, r := range recs {
		d, err := r.decision(doc, i, citable)
		if err != nil {
			return nil, err
		}
		if j, dup := first[d.ID]; dup {
			return nil, doc.Locate(fmt.Errorf("decision %q appears twice (first on line %d)", d.ID, doc.Pos(j).Line), i, "id")
		}
		first[d.ID] = i
		out = append(out, d)
	}
	return out, nil
}

// decision checks the i-th record and rebuilds the decision from its history.
func (r decisionRecord) decision(doc *jsonpos.Doc, i int, citable map[string]bool) (workflow.Decision, error) {
	id := strings.TrimSpace(r.ID)
	label := id
	if label == "" {
		label = fmt.Sprintf("#%d", i+1)
	}
	fail := func(err error, path ...any) error {
		return doc.Locate(fmt.Errorf("decision %s: %w", label, err), append([]any{i}, path...)...)
	}
	switch {
	case id == "":
		return workflow.Decision{}, fail(errors.New("no id"), "id")
	case strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return workflow.Decision{}, fail(fmt.Errorf("id %q contains white space", id), "id")
	case strings.TrimSpace(r.Title) == "":
		return workflow.Decision{}, fail(errors.New("no title"), "title")
	case strings.TrimSpace(r.Stage) == "":
		return workflow.Decision{}, fail(errors.New("no stage"), "stage")
	}
	stage, err := workflow.ParseStage(strings.TrimSpace(r.Stage))
	if err != nil {
		return workflow.Decision{}, fail(err, "stage")
	}
	for j, f := range r.Findings {
		if strings.TrimSpace(f) == "" {
			return workflow.Decision{}, fail(errors.New("blank finding id"), "findings", j)
		}
	}
	for j, e := range r.Evidence {
		switch {
		case strings.TrimSpace(e) == "":
			return workflow.Decision{}, fail(errors.New("blank evidence id"), "evidence", j)
		case citable != nil && !citable[strings.TrimSpace(e)]:
			return workflow.Decision{}, fail(fmt.Errorf("evidence %q is neither a staging check nor a file of the project", e), "evidence", j)
		}
	}
	d := workflow.Decision{
		ID:       id,
		Title:    strings.TrimSpace(r.Title),
		Stage:    stage,
		Object:   strings.TrimSpace(r.Object),
		Findings: trimAll(r.Findings),
		Evidence: trimAll(r.Evidence),
	}
	for j, c := range r.History {
		change, field, err := c.change(d)
		if err == nil {
			d, err = d.Change(change)
		}
		if err != nil {
			return workflow.Decision{}, doc.Locate(fmt.Errorf("decision %s, change %d: %w", label, j+1, err), i, "history", j, field)
		}
	}
	return d, nil
}

// change checks a history entry against the decision so far. On failure it
// also returns the name of the field at fault.
func (c changeRecord) change(d workflow.Decision) (workflow.DecisionChange, string, error) {
	if c.At.IsZero() {
		return workflow.DecisionChange{}, "at", errors.New("no time: say when the change was made (at)")
	}
	if strings.TrimSpace(c.State) == "" {
		return workflow.DecisionChange{}, "state", errors.New("no state (want accepted, needs-evidence or blocked)")
	}
	state, err := workflow.ParseDecisionState(c.State)
	if err != nil {
		return workflow.DecisionChange{}, "state", err
	}
	change := workflow.DecisionChange{At: c.At, State: state, Owner: c.Owner, Reason: c.Reason, By: strings.TrimSpace(c.By)}
	if err := change.Validate(); err != nil {
		field := "reason"
		if errors.Is(err, workflow.ErrNoOwner) {
			field = "owner"
		}
		return workflow.DecisionChange{}, field, err
	}
	if n := len(d.History); n > 0 && c.At.Before(d.History[n-1].At) {
		return workflow.DecisionChange{}, "at", fmt.Errorf("%s is before the previous change (%s): history only moves forward",
			c.At.UTC().Format(time.RFC3339), d.History[n-1].At.UTC().Format(time.RFC3339))
	}
	return change, "", nil
}

// trimAll trims every string of a list, keeping nil as nil.
func trimAll(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.TrimSpace(s)
	}
	return out
}
