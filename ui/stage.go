package ui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/stages"
)

// stageScreen shows one stage: its computed items and the decisions raised
// there, with the decision editor on decision rows.
type stageScreen struct {
	c      *Context
	stage  workflow.Stage
	pane   pane
	editor decisionEditor
}

func newStageScreen(c *Context, s workflow.Stage) *stageScreen {
	return &stageScreen{c: c, stage: s, pane: newPane(c, emptyText(s)), editor: decisionEditor{c: c}}
}

// emptyText tells the user what a stage needs before it can show anything.
func emptyText(s workflow.Stage) string {
	switch s {
	case workflow.StageBuild:
		return "No product notes or schema draft yet.\nA new project starts here."
	case workflow.StageReview, workflow.StageMigration:
		return "No migration SQL yet."
	case workflow.StageValidate:
		return "No staging evidence yet."
	case workflow.StageAudit:
		return "No audit snapshot yet.\nThe audit is optional."
	}
	return "No decisions yet."
}

// setView loads the stage's computed items; an input error becomes the first row.
func (s *stageScreen) setView(v stages.View) tea.Cmd {
	items := v.Items
	if v.Err != nil {
		items = append([]workflow.Item{{
			ID: "error", Title: "Input error", Badge: "error", Tone: workflow.ToneBad,
			Detail: fmt.Sprintf("# Input error\n\n```\n%v\n```\n\nFix the input and load the project again.", v.Err),
		}}, items...)
	}
	return s.pane.setItems(items)
}

func (s *stageScreen) setSize(w, h int) tea.Cmd {
	s.editor.setWidth(w)
	return s.pane.setSize(w, h)
}

func (s *stageScreen) capturing() bool { return s.editor.active() }

func (s *stageScreen) update(msg tea.Msg) tea.Cmd {
	if took, cmd := s.editor.route(msg, func() (workflow.Decision, bool) { return s.c.decisionAt(&s.pane) }); took {
		return cmd
	}
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, s.c.Keys.Copy) {
		if it, ok := s.pane.selected(); ok && it.Copy != "" {
			return copyCmd(it)
		}
	}
	_, cmd := s.pane.update(msg)
	return cmd
}

// copiedMsg reports text put on the clipboard.
type copiedMsg struct{ what string }

// copyCmd puts the item's Copy text on the terminal's clipboard (OSC 52,
// which also works over SSH) and reports it.
func copyCmd(it workflow.Item) tea.Cmd {
	return tea.Batch(tea.SetClipboard(it.Copy), func() tea.Msg { return copiedMsg{what: it.Title} })
}

func (s *stageScreen) view() string {
	if s.editor.active() {
		return s.editor.view(s.pane.width)
	}
	return s.pane.view()
}

func (s *stageScreen) keys() []key.Binding {
	k := s.c.Keys
	if s.editor.active() {
		return s.editor.form.keys()
	}
	if s.pane.detailFocus {
		return []key.Binding{k.Up, k.Down, k.PageDown, k.Back}
	}
	ks := []key.Binding{k.Up, k.Down, k.Open}
	if it, ok := s.pane.selected(); ok && it.Copy != "" {
		ks = append(ks, k.Copy)
	}
	if _, ok := s.c.decisionAt(&s.pane); ok {
		ks = append(ks, k.Change, k.Accept, k.NeedEvidence, k.Block)
	}
	return ks
}
