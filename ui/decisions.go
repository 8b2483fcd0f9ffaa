package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/pgrollout/pgrollout/workflow"
)

// decisionsScreen lists every decision of the project with its state, owner
// and reason, and lets the user change one.
type decisionsScreen struct {
	c      *Context
	pane   pane
	editor decisionEditor
}

func newDecisionsScreen(c *Context) *decisionsScreen {
	s := &decisionsScreen{c: c, pane: newPane(c, "No decisions yet.\nEvery item ends as accepted, needs evidence or blocked/rejected."), editor: decisionEditor{c: c}}
	s.pane.table = &tableLayout{header: s.header, row: s.row}
	return s
}

// columns splits the width between state, decision, owner and reason.
func columns(width int) (state, title, owner, reason int) {
	state = 16
	title = max(20, (width-state)*35/100)
	owner = max(14, (width-state)*22/100)
	reason = max(10, width-state-title-owner-6)
	return
}

func (s *decisionsScreen) header(width int) string {
	sw, tw, ow, _ := columns(width)
	return "  " + pad("State", sw) + " " + pad("Decision", tw) + " " + pad("Owner", ow) + " Reason"
}

// row draws one decision: state, title, owner and the first line of the reason.
func (s *decisionsScreen) row(it workflow.Item, sel bool, width int) string {
	if it.Decision == nil {
		return ""
	}
	d := *it.Decision
	st := s.c.Styles
	sw, tw, ow, rw := columns(width)
	mark, title := "  ", st.Row
	if sel {
		mark, title = "› ", st.Selected
	}
	owner := d.Owner()
	if owner == "" {
		owner = "(no owner)"
	}
	reason := strings.Join(strings.Fields(d.Reason()), " ")
	return mark + st.Tone(it.Tone).Render(pad(d.State().Label(), sw)) + " " + title.Render(pad(d.Title, tw)) + " " +
		pad(owner, ow) + " " + st.Faint.Render(ansi.Truncate(reason, rw, "…"))
}

// pad cuts or fills s to exactly w cells.
func pad(s string, w int) string {
	s = ansi.Truncate(s, w, "…")
	return s + strings.Repeat(" ", max(0, w-ansi.StringWidth(s)))
}

// refresh rebuilds the rows from the open project.
func (s *decisionsScreen) refresh() tea.Cmd {
	items := make([]workflow.Item, 0, len(s.c.Project.Decisions))
	for _, d := range s.c.Project.Decisions {
		items = append(items, workflow.DecisionItem(d))
	}
	return s.pane.setItems(items)
}

func (s *decisionsScreen) setSize(w, h int) tea.Cmd {
	s.editor.setWidth(w)
	return s.pane.setSize(w, h)
}

func (s *decisionsScreen) capturing() bool { return s.editor.active() }

func (s *decisionsScreen) update(msg tea.Msg) tea.Cmd {
	if took, cmd := s.editor.route(msg, func() (workflow.Decision, bool) { return s.c.decisionAt(&s.pane) }); took {
		return cmd
	}
	_, cmd := s.pane.update(msg)
	return cmd
}

func (s *decisionsScreen) view() string {
	if s.editor.active() {
		return s.editor.view(s.pane.width)
	}
	return s.pane.view()
}

func (s *decisionsScreen) keys() []key.Binding {
	k := s.c.Keys
	switch {
	case s.editor.active():
		return s.editor.form.keys()
	case s.pane.detailFocus:
		return []key.Binding{k.Up, k.Down, k.PageDown, k.Back}
	case len(s.pane.items) == 0:
		return nil
	}
	return []key.Binding{k.Up, k.Down, k.Open, k.Change, k.Accept, k.NeedEvidence, k.Block, k.Back}
}
