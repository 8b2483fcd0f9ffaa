package ui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/pgrollout/pgrollout/workflow"
)

// decisionEditor is the change-a-decision dialog shared by the Decisions view
// and the stage screens: state, owner and reason, all required, saved as one
// appended history entry.
type decisionEditor struct {
	c      *Context
	form   *form
	target workflow.Decision
	saving bool
}

// decisionSaveFailedMsg reports a refused or failed save; the dialog stays open.
type decisionSaveFailedMsg struct{ err error }

// handles reports whether msg is a key that opens the editor on a decision.
func (e *decisionEditor) handles(msg tea.KeyPressMsg) bool {
	k := e.c.Keys
	return key.Matches(msg, k.Change, k.Accept, k.NeedEvidence, k.Block)
}

// open starts editing d; a/e/b preset the state and jump to the owner field.
func (e *decisionEditor) open(d workflow.Decision, msg tea.KeyPressMsg) tea.Cmd {
	k := e.c.Keys
	state, preset := d.State(), true
	switch {
	case key.Matches(msg, k.Accept):
		state = workflow.Accepted
	case key.Matches(msg, k.NeedEvidence):
		state = workflow.NeedsEvidence
	case key.Matches(msg, k.Block):
		state = workflow.Blocked
	default:
		preset = false
	}
	e.target = d
	e.form = newForm(e.c, "Change decision: "+d.Title,
		"now "+d.State().Label()+"; owner and reason are required; the history keeps every change",
		[]string{"Owner", "Reason"}, []string{d.Owner(), ""}).withChoice(state)
	e.setWidth(e.c.Width)
	return e.form.start(preset)
}

// setWidth fits the open dialog's fields to a screen width.
func (e *decisionEditor) setWidth(w int) {
	if e.form != nil {
		e.form.setWidth(w / 2)
	}
}

func (e *decisionEditor) active() bool { return e.form != nil }

// route gives the editor the first say over msg: save results, every key
// while the dialog is open, and the keys that open it on the decision pick
// returns. It reports whether it took the message.
func (e *decisionEditor) route(msg tea.Msg, pick func() (workflow.Decision, bool)) (bool, tea.Cmd) {
	switch msg := msg.(type) {
	case decisionSavedMsg, decisionSaveFailedMsg:
		return true, e.update(msg)
	case tea.KeyPressMsg:
		if !e.active() && e.handles(msg) {
			if d, ok := pick(); ok {
				return true, e.open(d, msg)
			}
			return true, nil
		}
	}
	if e.active() {
		return true, e.update(msg)
	}
	return false, nil
}

func (e *decisionEditor) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case decisionSaveFailedMsg:
		e.saving = false
		if e.form != nil {
			e.form.err = msg.err.Error()
		}
		return nil
	case decisionSavedMsg:
		e.saving, e.form = false, nil
		return nil
	}
	if e.form == nil || e.saving {
		return nil
	}
	res, cmd := e.form.update(msg)
	switch res {
	case formCancelled:
		e.form = nil
	case formSubmitted:
		return e.submit()
	}
	return cmd
}

func (e *decisionEditor) submit() tea.Cmd {
	ch := workflow.DecisionChange{
		At:     e.c.Opts.Now().UTC(),
		State:  *e.form.choice,
		Owner:  e.form.value(0),
		Reason: e.form.value(1),
		By:     e.c.Opts.User,
	}
	switch {
	case ch.Owner == "" && ch.State == workflow.Accepted:
		e.form.err = workflow.ErrNoOwner.Error()
		return nil
	case ch.Owner == "":
		e.form.err = "an owner is required: who answers for this decision?"
		return nil
	case ch.Reason == "":
		e.form.err = "a reason is required"
		return nil
	}
	e.saving = true
	c, pid, target := e.c, e.c.Project.Meta.ID, e.target
	_, stored := c.Project.Decision(target.ID)
	return func() tea.Msg {
		if !stored {
			// A finding's first decision: created with its first change in one write.
			d, err := target.Change(ch)
			if err == nil {
				err = c.Opts.Store.AddDecision(c.Ctx, pid, d)
			}
			if err != nil {
				return decisionSaveFailedMsg{fmt.Errorf("not saved: %w", err)}
			}
			return decisionSavedMsg{d}
		}
		d, err := c.Opts.Store.AppendDecisionChange(c.Ctx, pid, target.ID, ch)
		if err != nil {
			return decisionSaveFailedMsg{fmt.Errorf("not saved: %w", err)}
		}
		return decisionSavedMsg{d}
	}
}

func (e *decisionEditor) view(width int) string { return e.form.view(width) }

// decisionAt returns the decision the pane's selected row is decided
// through, if it has one.
func (c *Context) decisionAt(p *pane) (workflow.Decision, bool) {
	it, ok := p.selected()
	if !ok || it.Decision == nil {
		return workflow.Decision{}, false
	}
	return *it.Decision, true
}
