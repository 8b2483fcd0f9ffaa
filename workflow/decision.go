package workflow

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// DecisionState is where an item ends: accepted, needs evidence, or blocked/rejected.
type DecisionState string

// The three decision states.
const (
	Accepted      DecisionState = "accepted"
	NeedsEvidence DecisionState = "needs-evidence"
	Blocked       DecisionState = "blocked"
)

// DecisionStates returns the three states in display order.
func DecisionStates() []DecisionState { return []DecisionState{Accepted, NeedsEvidence, Blocked} }

// Label returns the state as people read it.
func (s DecisionState) Label() string {
	switch s {
	case Accepted:
		return "accepted"
	case NeedsEvidence:
		return "needs evidence"
	case Blocked:
		return "blocked/rejected"
	}
	return string(s)
}

// ParseDecisionState accepts the stored form or the label, case-insensitively:
// "accepted", "needs-evidence"/"needs evidence", "blocked"/"rejected"/"blocked/rejected".
func ParseDecisionState(s string) (DecisionState, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "accepted", "accept":
		return Accepted, nil
	case "needs-evidence", "needs evidence", "evidence":
		return NeedsEvidence, nil
	case "blocked", "rejected", "blocked/rejected", "block", "reject":
		return Blocked, nil
	}
	return "", fmt.Errorf("unknown decision state %q (want accepted, needs-evidence or blocked)", s)
}

// ErrNoOwner is returned when a decision would be accepted without an owner.
var ErrNoOwner = errors.New("a decision without an owner cannot be accepted: it stays blocked until ownership is clear")

// ErrNoReason is returned when a decision change carries no reason.
var ErrNoReason = errors.New("a decision needs a reason")

// DecisionChange is one entry of a decision's history. Entries are only ever appended.
type DecisionChange struct {
	At     time.Time     `json:"at"`
	State  DecisionState `json:"state"`
	Owner  string        `json:"owner"`
	Reason string        `json:"reason"`
	// By names who made the change (a user name, or "sample").
	By string `json:"by,omitempty"`
}

// Validate checks a change against the decision rules.
func (c DecisionChange) Validate() error {
	if _, err := ParseDecisionState(string(c.State)); err != nil {
		return err
	}
	if strings.TrimSpace(c.Reason) == "" {
		return ErrNoReason
	}
	if c.State == Accepted && strings.TrimSpace(c.Owner) == "" {
		return ErrNoOwner
	}
	return nil
}

// Decision is the explicit outcome of one item: what is decided, by whom, why,
// and on what findings and evidence it rests. Its current state is the last
// entry of its history.
type Decision struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Stage Stage  `json:"stage"`
	// Object is the schema object or rollout item the decision is about.
	Object   string           `json:"object,omitempty"`
	Findings []string         `json:"findings,omitempty"`
	Evidence []string         `json:"evidence,omitempty"`
	History  []DecisionChange `json:"history"`
}

// Current returns the latest change, or a blocked placeholder when the
// decision has no history yet (nobody owns it, so it cannot go ahead).
func (d Decision) Current() DecisionChange {
	if len(d.History) == 0 {
		return DecisionChange{State: Blocked, Reason: "no decision recorded yet: ownership is not clear"}
	}
	return d.History[len(d.History)-1]
}

// State is the decision's current state.
func (d Decision) State() DecisionState { return d.Current().State }

// Owner is the decision's current owner.
func (d Decision) Owner() string { return d.Current().Owner }

// Reason is the reason given for the current state.
func (d Decision) Reason() string { return d.Current().Reason }

// Change returns the decision with c appended to its history, after checking
// the decision rules. The receiver is left as it was.
func (d Decision) Change(c DecisionChange) (Decision, error) {
	c.Owner = strings.TrimSpace(c.Owner)
	c.Reason = strings.TrimSpace(c.Reason)
	if err := c.Validate(); err != nil {
		return d, fmt.Errorf("decision %s: %w", d.ID, err)
	}
	if n := len(d.History); n > 0 && c.At.Before(d.History[n-1].At) {
		return d, fmt.Errorf("decision %s: change at %s is older than the last one (%s)",
			d.ID, c.At.Format(time.RFC3339), d.History[n-1].At.Format(time.RFC3339))
	}
	h := make([]DecisionChange, len(d.History), len(d.History)+1)
	copy(h, d.History)
	d.History = append(h, c)
	return d, nil
}

// Validate checks a whole decision: an ID and a title, a valid stage, and a
// history in which every change obeys the rules and time only moves forward.
func (d Decision) Validate() error {
	if strings.TrimSpace(d.ID) == "" {
		return errors.New("decision without an id")
	}
	if strings.TrimSpace(d.Title) == "" {
		return fmt.Errorf("decision %s: no title", d.ID)
	}
	if !d.Stage.Valid() {
		return fmt.Errorf("decision %s: invalid stage %d", d.ID, int(d.Stage))
	}
	for i, c := range d.History {
		if err := c.Validate(); err != nil {
			return fmt.Errorf("decision %s, change %d: %w", d.ID, i+1, err)
		}
		if i > 0 && c.At.Before(d.History[i-1].At) {
			return fmt.Errorf("decision %s, change %d: older than the change before it", d.ID, i+1)
		}
	}
	return nil
}

// Tally counts decisions per state.
type Tally struct {
	Accepted, NeedsEvidence, Blocked int
}

// Total is the number of decisions counted.
func (t Tally) Total() int { return t.Accepted + t.NeedsEvidence + t.Blocked }

// CountDecisions tallies decisions by their current state.
func CountDecisions(ds []Decision) Tally {
	var t Tally
	for _, d := range ds {
		switch d.State() {
		case Accepted:
			t.Accepted++
		case NeedsEvidence:
			t.NeedsEvidence++
		default:
			t.Blocked++
		}
	}
	return t
}
