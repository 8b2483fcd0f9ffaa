package ui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"

	"github.com/pgrollout/pgrollout/workflow"
)

// Styles is the one place colours are chosen. Every colour is an ANSI-256
// index, so it survives SSH and tmux; NO_COLOR and --no-color strip colour
// when the frame is written (the Ascii profile), keeping bold and reverse.
type Styles struct {
	Title, Subtitle, Faint       lipgloss.Style
	StageActive, StageIdle       lipgloss.Style
	Selected, Row                lipgloss.Style
	Good, Warn, Bad, Neutral     lipgloss.Style
	Rule, Error, Status, FormKey lipgloss.Style
	// Help styles the footer and the full help.
	Help help.Styles
	// Markdown is the glamour style name for detail panes.
	Markdown string
}

// NewStyles builds the styles for a dark or light background.
func NewStyles(dark bool) Styles {
	pick := lipgloss.LightDark(dark)
	fg := func(light, darkC string) lipgloss.Style {
		return lipgloss.NewStyle().Foreground(pick(lipgloss.Color(light), lipgloss.Color(darkC)))
	}
	s := Styles{
		Title:       fg("25", "75").Bold(true),
		Subtitle:    fg("240", "250"),
		Faint:       fg("244", "244"),
		StageActive: lipgloss.NewStyle().Bold(true).Reverse(true),
		StageIdle:   lipgloss.NewStyle(),
		Selected:    fg("25", "81").Bold(true),
		Row:         lipgloss.NewStyle(),
		Good:        fg("28", "78"),
		Warn:        fg("130", "214"),
		Bad:         fg("124", "203"),
		Neutral:     fg("240", "248"),
		Rule:        fg("250", "238"),
		Error:       fg("124", "203").Bold(true),
		Status:      fg("28", "114"),
		FormKey:     fg("25", "75").Bold(true),
		Markdown:    "dark",
	}
	keyStyle, descStyle, sepStyle := fg("25", "110").Bold(true), fg("240", "249"), fg("250", "239")
	s.Help = help.Styles{
		Ellipsis: sepStyle, ShortKey: keyStyle, ShortDesc: descStyle, ShortSeparator: sepStyle,
		FullKey: keyStyle, FullDesc: descStyle, FullSeparator: sepStyle,
	}
	if !dark {
		s.Markdown = "light"
	}
	return s
}

// Tone returns the style for a badge tone.
func (s Styles) Tone(t workflow.Tone) lipgloss.Style {
	switch t {
	case workflow.ToneGood:
		return s.Good
	case workflow.ToneWarn:
		return s.Warn
	case workflow.ToneBad:
		return s.Bad
	}
	return s.Neutral
}

// StatusMark is the symbol and tone shown for a stage status in the stepper.
func StatusMark(st workflow.StageStatus) (string, workflow.Tone) {
	switch st {
	case workflow.StatusDone:
		return "✓", workflow.ToneGood
	case workflow.StatusNeedsEvidence:
		return "?", workflow.ToneWarn
	case workflow.StatusBlocked:
		return "✗", workflow.ToneBad
	case workflow.StatusOpen:
		return "○", workflow.ToneNeutral
	}
	return "·", workflow.ToneNeutral
}
