package workflow

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// ProjectMeta names and describes a project.
type ProjectMeta struct {
	// ID is the project's stable key in the store, derived from its first name.
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	// Sample marks a project imported from the built-in checkout sample.
	Sample bool `json:"sample,omitempty"`
}

// DocumentKind says what an input document is for.
type DocumentKind string

// The input document kinds a project holds.
const (
	KindNotes           DocumentKind = "notes"            // product notes, markdown
	KindSchema          DocumentKind = "schema"           // schema draft, SQL
	KindMigration       DocumentKind = "migration"        // migration SQL, applied in name order
	KindStatsSnapshot   DocumentKind = "stats-snapshot"   // operational statistics, JSON
	KindStagingEvidence DocumentKind = "staging-evidence" // staging checks and their results, JSON
)

// Stage returns the stage that consumes documents of this kind first.
func (k DocumentKind) Stage() Stage {
	switch k {
	case KindMigration:
		return StageMigration
	case KindStagingEvidence:
		return StageValidate
	case KindStatsSnapshot:
		return StageAudit
	}
	return StageBuild
}

// Document is one input file of a project, kept verbatim.
type Document struct {
	Kind DocumentKind `json:"kind"`
	// Name is the file name it came from, e.g. "migrations/001_checkout_core.sql".
	Name string `json:"name"`
	Text string `json:"text"`
}

// Project is everything pgrollout knows about one schema change.
type Project struct {
	Meta      ProjectMeta
	Documents []Document
	Decisions []Decision
}

// DocumentsOf returns the project's documents of one kind, in stored order.
func (p Project) DocumentsOf(k DocumentKind) []Document {
	var out []Document
	for _, d := range p.Documents {
		if d.Kind == k {
			out = append(out, d)
		}
	}
	return out
}

// DecisionsOf returns the decisions raised at a stage; for Compare, all of them.
func (p Project) DecisionsOf(s Stage) []Decision {
	if s == StageCompare {
		return p.Decisions
	}
	var out []Decision
	for _, d := range p.Decisions {
		if d.Stage == s {
			out = append(out, d)
		}
	}
	return out
}

// Decision returns the decision with the given id.
func (p Project) Decision(id string) (Decision, bool) {
	for _, d := range p.Decisions {
		if d.ID == id {
			return d, true
		}
	}
	return Decision{}, false
}

// DecisionOn returns the project's decision that rests on a finding key.
func (p Project) DecisionOn(finding string) (Decision, bool) {
	for _, d := range p.Decisions {
		if slices.Contains(d.Findings, finding) {
			return d, true
		}
	}
	return Decision{}, false
}

// stageInputs lists the document kinds a stage works from.
func stageInputs(s Stage) []DocumentKind {
	switch s {
	case StageBuild:
		return []DocumentKind{KindNotes, KindSchema}
	case StageReview:
		return []DocumentKind{KindSchema, KindMigration}
	case StageMigration:
		return []DocumentKind{KindMigration}
	case StageValidate:
		return []DocumentKind{KindStagingEvidence}
	case StageAudit:
		return []DocumentKind{KindStatsSnapshot}
	}
	return nil
}

// Status derives a stage's status: empty without inputs; blocked when one of
// its decisions is blocked; needs evidence when one waits for proof; done when
// it has inputs and every decision raised there is accepted. Compare sums up
// all decisions and is open while there are none.
func (p Project) Status(s Stage) StageStatus {
	ds := p.DecisionsOf(s)
	t := CountDecisions(ds)
	switch {
	case t.Blocked > 0:
		return StatusBlocked
	case t.NeedsEvidence > 0:
		return StatusNeedsEvidence
	}
	if s == StageCompare {
		if len(p.Documents) == 0 {
			return StatusEmpty
		}
		if t.Total() == 0 {
			return StatusOpen
		}
		return StatusDone
	}
	for _, k := range stageInputs(s) {
		if len(p.DocumentsOf(k)) > 0 {
			return StatusDone
		}
	}
	if t.Total() > 0 {
		return StatusDone
	}
	return StatusEmpty
}

// Validate checks the project's name and every decision.
func (p Project) Validate() error {
	if err := ValidateName(p.Meta.Name); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, d := range p.Decisions {
		if err := d.Validate(); err != nil {
			return fmt.Errorf("project %q: %w", p.Meta.Name, err)
		}
		if seen[d.ID] {
			return fmt.Errorf("project %q: decision %s appears twice", p.Meta.Name, d.ID)
		}
		seen[d.ID] = true
	}
	return nil
}

// ValidateName checks a project name: 1 to 80 characters, not blank, no control characters.
func ValidateName(name string) error {
	n := strings.TrimSpace(name)
	switch {
	case n == "":
		return errors.New("a project needs a name")
	case len([]rune(n)) > 80:
		return fmt.Errorf("project name %q is longer than 80 characters", n)
	case strings.ContainsFunc(n, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return fmt.Errorf("project name %q contains control characters", n)
	}
	return nil
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// Slug turns a project name into an identifier: lower case, words joined by '-'.
func Slug(name string) string {
	s := strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if s == "" {
		return "project"
	}
	return s
}
