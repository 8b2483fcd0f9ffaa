package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/stages"
)

// testContext is a Context on the sample project, sized like an 80x24 body.
func testContext(t *testing.T) *Context {
	t.Helper()
	s, id := sampleStore(t)
	c := newContext(context.Background(), testOptions(s, id))
	c.Width, c.Height = 80, 20
	p, err := s.LoadProject(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	c.Project, c.Views = p, stages.Compute(p)
	return c
}

// settle feeds a screen's commands back into it until none are left.
func settle(t *testing.T, c *Context, update func(tea.Msg) tea.Cmd, cmd tea.Cmd) {
	t.Helper()
	for queue := exec(cmd); len(queue) > 0; {
		msg := queue[0]
		queue = queue[1:]
		if r, ok := msg.(renderedMsg); ok {
			c.storeRendering(r)
		}
		queue = append(queue, exec(update(msg))...)
	}
}

func items(n int) []workflow.Item {
	out := make([]workflow.Item, n)
	for i := range out {
		out[i] = workflow.Item{ID: fmt.Sprint(i), Title: fmt.Sprintf("item %d", i), Badge: "b", Detail: fmt.Sprintf("# Item %d\n\nbody", i)}
	}
	return out
}

func TestPaneMovesAndScrollsItsWindow(t *testing.T) {
	c := testContext(t)
	p := newPane(c, "nothing")
	settle(t, c, func(m tea.Msg) tea.Cmd { _, cmd := p.update(m); return cmd }, tea.Batch(p.setSize(80, 5), p.setItems(items(12))))
	tests := []struct {
		key            string
		cursor, offset int
	}{
		{"j", 1, 0}, {"j", 2, 0}, {"G", 11, 7}, {"k", 10, 7}, {"g", 0, 0}, {"pgdown", 4, 0}, {"pgdown", 8, 4}, {"k", 7, 4},
	}
	for _, tt := range tests {
		msg := press(tt.key)
		if tt.key == "pgdown" {
			msg = tea.KeyPressMsg{Code: tea.KeyPgDown}
		}
		if used, _ := p.update(msg); !used {
			t.Fatalf("%s not used", tt.key)
		}
		if p.cursor != tt.cursor || p.offset != tt.offset {
			t.Fatalf("after %s: cursor %d offset %d, want %d %d", tt.key, p.cursor, p.offset, tt.cursor, tt.offset)
		}
	}
	if !strings.Contains(ansi.Strip(p.view()), "› item 7") {
		t.Errorf("selected row not drawn:\n%s", p.view())
	}
	// Replacing the items keeps the selection on the same id.
	p.setItems(items(12)[5:])
	if it, _ := p.selected(); it.ID != "7" {
		t.Errorf("selection moved to %s", it.ID)
	}
	if used, _ := p.update(press("x")); used {
		t.Error("the pane used a key it has no binding for")
	}
}

func TestPaneRendersOffTheUpdatePath(t *testing.T) {
	c := testContext(t)
	p := newPane(c, "")
	cmd := tea.Batch(p.setSize(80, 10), p.setItems(items(2)))
	if !strings.Contains(p.vp.View(), "rendering…") {
		t.Fatalf("before the render arrives the detail says so: %q", p.vp.View())
	}
	settle(t, c, func(m tea.Msg) tea.Cmd { _, cmd := p.update(m); return cmd }, cmd)
	if !strings.Contains(ansi.Strip(p.vp.View()), "Item 0") {
		t.Fatalf("detail not rendered: %q", p.vp.View())
	}
	// The same text at the same width is rendered once.
	n := len(c.md)
	_, cmd = p.update(press("j"))
	settle(t, c, func(m tea.Msg) tea.Cmd { _, cmd := p.update(m); return cmd }, cmd)
	if _, cmd := p.update(press("k")); cmd != nil {
		t.Error("going back to a rendered item asked for another rendering")
	}
	if len(c.md) != n+1 {
		t.Errorf("cache grew from %d to %d entries for one new item", n, len(c.md))
	}
}

func TestStageScreenDecisionKeys(t *testing.T) {
	c := testContext(t)
	s := newStageScreen(c, workflow.StageMigration)
	s.setSize(80, 20)
	s.setView(c.Views[workflow.StageMigration])
	if cmd := s.update(press("a")); cmd != nil || s.capturing() {
		t.Fatal("a on a file row opened the decision form")
	}
	s.update(press("G")) // the last row is the cleanup decision
	s.update(press("b"))
	if !s.capturing() || *s.editor.form.choice != workflow.Blocked || s.editor.form.focus != 1 {
		t.Fatalf("b should open the form on the owner field with blocked chosen")
	}
	if !strings.Contains(ansi.Strip(s.view()), "Change decision: Run broad production cleanup") {
		t.Errorf("form view:\n%s", s.view())
	}
	s.update(press("esc"))
	if s.capturing() {
		t.Error("esc did not close the form")
	}
}

func TestStageScreenShowsInputErrors(t *testing.T) {
	c := testContext(t)
	s := newStageScreen(c, workflow.StageReview)
	s.setSize(80, 20)
	s.setView(stages.View{Stage: workflow.StageReview, Err: fmt.Errorf("migrations/001.sql:2:5: syntax error: at or near \"x\"")})
	it, ok := s.pane.selected()
	if !ok || it.ID != "error" || !strings.Contains(it.Detail, "migrations/001.sql:2:5") {
		t.Errorf("first row %+v", it)
	}
}

func TestDecisionsScreenRows(t *testing.T) {
	c := testContext(t)
	s := newDecisionsScreen(c)
	settle(t, c, s.update, tea.Batch(s.setSize(120, 20), s.refresh()))
	v := ansi.Strip(s.view())
	for _, want := range []string{"State", "Owner", "Reason", "accepted", "needs evidence", "blocked/rejected", "Priya Raman", "Operationally unrelated"} {
		if !strings.Contains(v, want) {
			t.Errorf("decisions view lacks %q:\n%s", want, v)
		}
	}
	if got := s.keys(); len(got) == 0 {
		t.Error("no keys")
	}
}

func TestFormFields(t *testing.T) {
	c := testContext(t)
	f := newForm(c, "t", "", []string{"Owner", "Reason"}, []string{"dba"}).withChoice(workflow.NeedsEvidence)
	f.start(false)
	steps := []struct {
		key   string
		focus int
		state workflow.DecisionState
	}{
		{"right", 0, workflow.Blocked}, {"right", 0, workflow.Accepted}, {"left", 0, workflow.Blocked},
		{"e", 0, workflow.NeedsEvidence}, {"tab", 1, workflow.NeedsEvidence}, {"a", 1, workflow.NeedsEvidence},
		{"tab", 2, workflow.NeedsEvidence}, {"tab", 0, workflow.NeedsEvidence}, {"shift+tab", 2, workflow.NeedsEvidence},
	}
	for _, st := range steps {
		msg := press(st.key)
		switch st.key {
		case "right":
			msg = tea.KeyPressMsg{Code: tea.KeyRight}
		case "left":
			msg = tea.KeyPressMsg{Code: tea.KeyLeft}
		}
		if res, _ := f.update(msg); res != formEditing {
			t.Fatalf("%s ended the form", st.key)
		}
		if f.focus != st.focus || *f.choice != st.state {
			t.Fatalf("after %s: focus %d state %s, want %d %s", st.key, f.focus, *f.choice, st.focus, st.state)
		}
	}
	if f.value(0) != "dbaa" {
		t.Errorf("a typed in the owner field should be text: %q", f.value(0))
	}
	if res, _ := f.update(press("enter")); res != formSubmitted {
		t.Error("enter does not submit")
	}
	if res, _ := f.update(press("esc")); res != formCancelled {
		t.Error("esc does not cancel")
	}
}

func TestProjectsScreenKeys(t *testing.T) {
	c := testContext(t)
	c.Project = workflow.Project{}
	s := newProjectsScreen(c)
	s.setSize(80, 20)
	s.setProjects(nil)
	var names []string
	for _, b := range s.keys() {
		names = append(names, b.Help().Desc)
	}
	if got := strings.Join(names, ","); got != "new project,add checkout sample" {
		t.Errorf("keys of an empty list: %s", got)
	}
	if cmd := s.update(press("D")); cmd != nil || s.capturing() {
		t.Error("D with nothing selected opened a form")
	}
	ps, err := c.Opts.Store.Projects(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s.setProjects(ps)
	s.update(press("D"))
	s.update(typeText("wrong")[0])
	if cmd := s.update(press("enter")); cmd != nil || !strings.Contains(s.form.err, "exactly") {
		t.Errorf("delete with the wrong name: err %q", s.form.err)
	}
}
