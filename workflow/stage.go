// Package workflow holds the domain shared by every pgrollout stage: projects,
// stages, findings, decisions and evidence. The stage packages below it compute
// their items from a Project; nothing here knows about the terminal or the store.
package workflow

import (
	"fmt"
	"strconv"
	"strings"
)

// Stage is one of the six steps a schema change walks through.
type Stage int

// The six stages, in the order a change walks them.
const (
	StageBuild Stage = iota
	StageReview
	StageMigration
	StageValidate
	StageAudit
	StageCompare
)

// Stages returns the six stages in order.
func Stages() []Stage {
	return []Stage{StageBuild, StageReview, StageMigration, StageValidate, StageAudit, StageCompare}
}

// String returns the stage's display name ("Build", "Review", ...).
func (s Stage) String() string {
	switch s {
	case StageBuild:
		return "Build"
	case StageReview:
		return "Review"
	case StageMigration:
		return "Migration"
	case StageValidate:
		return "Validate"
	case StageAudit:
		return "Audit"
	case StageCompare:
		return "Compare"
	}
	return "Stage(" + strconv.Itoa(int(s)) + ")"
}

// Next is the stage after s; Compare wraps around to Build.
func (s Stage) Next() Stage { return (s + 1) % Stage(len(Stages())) }

// Prev is the stage before s; Build wraps around to Compare.
func (s Stage) Prev() Stage { return (s + Stage(len(Stages())) - 1) % Stage(len(Stages())) }

// Valid reports whether s is one of the six stages.
func (s Stage) Valid() bool { return s >= StageBuild && s <= StageCompare }

// Key returns the lower-case identifier used in files and on the command line.
func (s Stage) Key() string { return strings.ToLower(s.String()) }

// MarshalText encodes the stage as its key, so stored records stay readable.
func (s Stage) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("invalid stage %d", int(s))
	}
	return []byte(s.Key()), nil
}

// UnmarshalText decodes a stage key such as "review".
func (s *Stage) UnmarshalText(b []byte) error {
	st, err := ParseStage(string(b))
	if err != nil {
		return err
	}
	*s = st
	return nil
}

// ParseStage accepts a stage key or name, case-insensitively.
func ParseStage(name string) (Stage, error) {
	for _, s := range Stages() {
		if strings.EqualFold(name, s.Key()) {
			return s, nil
		}
	}
	return 0, fmt.Errorf("unknown stage %q (want one of build, review, migration, validate, audit, compare)", name)
}

// StageStatus summarises where a stage stands for a project.
type StageStatus string

// The statuses a stage can have. They are derived from the project's inputs and
// decisions, never stored.
const (
	StatusEmpty         StageStatus = "empty"
	StatusOpen          StageStatus = "open"
	StatusDone          StageStatus = "done"
	StatusNeedsEvidence StageStatus = "needs evidence"
	StatusBlocked       StageStatus = "blocked"
)
