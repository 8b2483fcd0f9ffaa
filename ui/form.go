package ui

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/pgrollout/pgrollout/workflow"
)

// form is a small modal of labelled text fields, optionally led by a
// decision-state choice. It only collects values; the screen that opened it
// decides what submitting means.
type form struct {
	c      *Context
	title  string
	hint   string
	labels []string
	inputs []textinput.Model
	// choice is set when the form asks for a decision state; it is field 0.
	choice *workflow.DecisionState
	focus  int
	err    string
}

// formResult is what a screen gets back from form.update.
type formResult int

const (
	formEditing formResult = iota
	formSubmitted
	formCancelled
)

func newForm(c *Context, title, hint string, labels, values []string) *form {
	f := &form{c: c, title: title, hint: hint, labels: labels}
	for i := range labels {
		in := textinput.New()
		in.Prompt = ""
		in.CharLimit = 500
		st := textinput.DefaultStyles(c.Dark)
		st.Cursor.Blink = false // a steady cursor: no redraw every half second over SSH
		in.SetStyles(st)
		if i < len(values) {
			in.SetValue(values[i])
		}
		f.inputs = append(f.inputs, in)
	}
	return f
}

// withChoice makes the form start with a decision-state choice.
func (f *form) withChoice(s workflow.DecisionState) *form {
	f.choice = &s
	return f
}

func (f *form) fieldCount() int {
	if f.choice != nil {
		return len(f.inputs) + 1
	}
	return len(f.inputs)
}

// input returns the text input at field i, or nil for the choice.
func (f *form) input(i int) *textinput.Model {
	if f.choice != nil {
		i--
	}
	if i < 0 || i >= len(f.inputs) {
		return nil
	}
	return &f.inputs[i]
}

// value returns the trimmed value of text field i (0-based among text fields).
func (f *form) value(i int) string { return strings.TrimSpace(f.inputs[i].Value()) }

func (f *form) setWidth(w int) {
	for i := range f.inputs {
		f.inputs[i].SetWidth(max(10, w-4))
	}
}

// start focuses the first text field when the form opens with a choice preset
// by a key (a/e/b), otherwise the first field.
func (f *form) start(skipChoice bool) tea.Cmd {
	f.focus = 0
	if skipChoice && f.choice != nil {
		f.focus = 1
	}
	return f.refocus()
}

func (f *form) refocus() tea.Cmd {
	var cmd tea.Cmd
	for i := 0; i < f.fieldCount(); i++ {
		in := f.input(i)
		if in == nil {
			continue
		}
		if i == f.focus {
			cmd = in.Focus()
		} else {
			in.Blur()
		}
	}
	return cmd
}

func (f *form) update(msg tea.Msg) (formResult, tea.Cmd) {
	k := f.c.Keys
	if msg, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(msg, k.Cancel):
			return formCancelled, nil
		case key.Matches(msg, k.Submit):
			return formSubmitted, nil
		case key.Matches(msg, k.NextField):
			f.focus = (f.focus + 1) % f.fieldCount()
			return formEditing, f.refocus()
		case key.Matches(msg, k.PrevField):
			f.focus = (f.focus + f.fieldCount() - 1) % f.fieldCount()
			return formEditing, f.refocus()
		}
		if f.choice != nil && f.focus == 0 {
			f.cycle(msg)
			return formEditing, nil
		}
	}
	in := f.input(f.focus)
	if in == nil {
		return formEditing, nil
	}
	var cmd tea.Cmd
	*in, cmd = in.Update(msg)
	f.err = ""
	return formEditing, cmd
}

// cycle moves the choice with ←/→ or jumps to it with the accept, needs
// evidence and block keys.
func (f *form) cycle(msg tea.KeyPressMsg) {
	k := f.c.Keys
	states := workflow.DecisionStates()
	i := slices.Index(states, *f.choice)
	switch {
	case key.Matches(msg, k.Accept):
		i = 0
	case key.Matches(msg, k.NeedEvidence):
		i = 1
	case key.Matches(msg, k.Block):
		i = 2
	case msg.String() == "left" || msg.String() == "h":
		i = (i + len(states) - 1) % len(states)
	case key.Matches(msg, k.Cycle):
		i = (i + 1) % len(states)
	default:
		return
	}
	*f.choice = states[i]
	f.err = ""
}

func (f *form) view(width int) string {
	s := f.c.Styles
	var b strings.Builder
	b.WriteString(s.Title.Render(f.title) + "\n")
	if f.hint != "" {
		b.WriteString(s.Faint.Render(f.hint) + "\n")
	}
	b.WriteString("\n")
	for i := 0; i < f.fieldCount(); i++ {
		mark := "  "
		if i == f.focus {
			mark = s.Selected.Render("› ")
		}
		if in := f.input(i); in != nil {
			label := f.labels[i-boolInt(f.choice != nil)]
			b.WriteString(mark + s.FormKey.Render(label) + "\n  " + in.View() + "\n")
			continue
		}
		var opts []string
		for _, st := range workflow.DecisionStates() {
			l := st.Label()
			if st == *f.choice {
				l = s.Tone(workflow.ToneOf(st)).Render("[" + l + "]")
			} else {
				l = s.Faint.Render(" " + l + " ")
			}
			opts = append(opts, l)
		}
		b.WriteString(mark + s.FormKey.Render("State") + "\n  " + strings.Join(opts, " ") + "\n")
	}
	if f.err != "" {
		b.WriteString("\n" + s.Error.Render("✗ "+f.err) + "\n")
	}
	return b.String()
}

// keys lists the form's bindings for the footer.
func (f *form) keys() []key.Binding {
	k := f.c.Keys
	if f.choice != nil && f.focus == 0 {
		return []key.Binding{k.Cycle, k.Accept, k.NeedEvidence, k.Block, k.NextField, k.Submit, k.Cancel}
	}
	return []key.Binding{k.NextField, k.Submit, k.Cancel}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
