package workflow

import "strings"

// Item is one row a stage shows: a table of the model, a statement under
// review, a staging check, an audit signal. The detail is markdown, so the same
// item serves the terminal screen and the exported handoff files.
type Item struct {
	// ID is unique within the stage and stable across re-computation.
	ID    string
	Title string
	// Badge is a short status word shown beside the title ("error", "passed", "3 FKs").
	Badge string
	// Tone tells the screen how to colour the badge.
	Tone Tone
	// Detail is the item's markdown body.
	Detail string
	// Copy, when set, is the text the screen's copy key puts on the
	// clipboard (a migration step's SQL).
	Copy string
	// Decision, when set, is the decision the row is decided through: the
	// decision itself for a decision row, the decision resting on a finding,
	// or a new, undecided one (no history yet) to create for it.
	Decision *Decision
}

// Tone classifies a badge for display.
type Tone int

// Tones, from neutral to alarming.
const (
	ToneNeutral Tone = iota
	ToneGood
	ToneWarn
	ToneBad
)

// ToneOf maps a decision state to a tone.
func ToneOf(s DecisionState) Tone {
	switch s {
	case Accepted:
		return ToneGood
	case NeedsEvidence:
		return ToneWarn
	}
	return ToneBad
}

// DecisionItemPrefix starts the item ID of every decision row.
const DecisionItemPrefix = "decision:"

// DecisionItem presents a decision as a stage row: its state as the badge and
// its owner, reason, links and history as the detail.
func DecisionItem(d Decision) Item {
	return Item{
		ID:       DecisionItemPrefix + d.ID,
		Title:    d.Title,
		Badge:    strings.TrimSuffix(d.State().Label(), "/rejected"),
		Tone:     ToneOf(d.State()),
		Detail:   DecisionMarkdown(d, 1),
		Decision: &d,
	}
}

// DecidedThrough sets the item of a finding to be decided through the
// project's decision resting on the finding key, whose state becomes the
// badge and whose history is added to the detail; without one, through
// undecided (no history yet), the badge left as it is.
func (p Project) DecidedThrough(it Item, key string, undecided Decision) Item {
	d, ok := p.DecisionOn(key)
	if ok {
		it.Badge, it.Tone = strings.TrimSuffix(d.State().Label(), "/rejected"), ToneOf(d.State())
		it.Detail += "\n" + DecisionMarkdown(d, 2)
	} else {
		d = undecided
	}
	it.Decision = &d
	return it
}
