package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/pgrollout/pgrollout/workflow"
)

// projectsScreen is the project switcher: open, create, rename, delete, and
// add the checkout sample.
type projectsScreen struct {
	c        *Context
	pane     pane
	projects []workflow.ProjectMeta
	form     *form
	// action is what submitting the open form does: "new", "rename" or "delete".
	action string
}

func newProjectsScreen(c *Context) *projectsScreen {
	return &projectsScreen{c: c, pane: newPane(c, "No projects in this store yet.\nn: new project\ns: add the checkout sample")}
}

func (s *projectsScreen) setProjects(ps []workflow.ProjectMeta) tea.Cmd {
	s.projects = ps
	items := make([]workflow.Item, 0, len(ps))
	for _, p := range ps {
		badge := p.CreatedAt.UTC().Format("2006-01-02")
		if p.Sample {
			badge = "sample"
		}
		var b strings.Builder
		fmt.Fprintf(&b, "# %s\n\n", p.Name)
		if p.Description != "" {
			fmt.Fprintf(&b, "%s\n\n", p.Description)
		}
		fmt.Fprintf(&b, "- **Id:** `%s`\n- **Created:** %s\n- **Store:** `%s`\n", p.ID, p.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"), s.c.Opts.Store.Path())
		if p.ID == s.c.Project.Meta.ID {
			badge = "open"
		}
		items = append(items, workflow.Item{ID: p.ID, Title: p.Name, Badge: badge, Detail: b.String()})
	}
	return s.pane.setItems(items)
}

func (s *projectsScreen) selected() (workflow.ProjectMeta, bool) {
	if s.pane.cursor < 0 || s.pane.cursor >= len(s.projects) {
		return workflow.ProjectMeta{}, false
	}
	return s.projects[s.pane.cursor], true
}

func (s *projectsScreen) setSize(w, h int) tea.Cmd {
	if s.form != nil {
		s.form.setWidth(w / 2)
	}
	return s.pane.setSize(w, h)
}

func (s *projectsScreen) capturing() bool { return s.form != nil }

func (s *projectsScreen) update(msg tea.Msg) tea.Cmd {
	if e, ok := msg.(errMsg); ok && s.form != nil {
		s.form.err = e.err.Error()
		return nil
	}
	if s.form != nil {
		res, cmd := s.form.update(msg)
		switch res {
		case formCancelled:
			s.form = nil
		case formSubmitted:
			return s.submit()
		}
		return cmd
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		_, cmd := s.pane.update(msg)
		return cmd
	}
	keys := s.c.Keys
	p, hasSel := s.selected()
	switch {
	case key.Matches(k, keys.Open) && hasSel:
		return func() tea.Msg { return projectsChangedMsg{open: p.ID} }
	case key.Matches(k, keys.New):
		s.openForm("new", newForm(s.c, "New project", "a new project starts empty at Build", []string{"Name", "Description"}, nil))
	case key.Matches(k, keys.Rename) && hasSel:
		s.openForm("rename", newForm(s.c, "Rename project", "the project keeps its id and everything in it", []string{"Name"}, []string{p.Name}))
	case key.Matches(k, keys.Delete) && hasSel:
		s.openForm("delete", newForm(s.c, "Delete project "+p.Name,
			"this removes its inputs and decision history from the store; type the project's name to confirm", []string{"Name"}, nil))
	case key.Matches(k, keys.AddSample) && s.c.Opts.Sample != nil:
		return s.addSample()
	default:
		_, cmd := s.pane.update(msg)
		return cmd
	}
	return s.form.start(false)
}

func (s *projectsScreen) openForm(action string, f *form) {
	s.action, s.form = action, f
	f.setWidth(s.pane.width / 2)
}

// submit carries out the open form's action in the store.
func (s *projectsScreen) submit() tea.Cmd {
	c, f := s.c, s.form
	p, _ := s.selected()
	switch s.action {
	case "new":
		name, desc := f.value(0), f.value(1)
		if err := workflow.ValidateName(name); err != nil {
			f.err = err.Error()
			return nil
		}
		return s.done(func() (projectsChangedMsg, error) {
			m, err := c.Opts.Store.CreateProject(c.Ctx, workflow.Project{Meta: workflow.ProjectMeta{Name: name, Description: desc, CreatedAt: c.Opts.Now().UTC()}})
			return projectsChangedMsg{open: m.ID, status: "created project " + name}, err
		})
	case "rename":
		name := f.value(0)
		if err := workflow.ValidateName(name); err != nil {
			f.err = err.Error()
			return nil
		}
		return s.done(func() (projectsChangedMsg, error) {
			err := c.Opts.Store.RenameProject(c.Ctx, p.ID, name)
			return projectsChangedMsg{status: fmt.Sprintf("renamed %s to %s", p.Name, name)}, err
		})
	case "delete":
		if f.value(0) != p.Name {
			f.err = fmt.Sprintf("type %q exactly to delete it", p.Name)
			return nil
		}
		return s.done(func() (projectsChangedMsg, error) {
			err := c.Opts.Store.DeleteProject(c.Ctx, p.ID)
			return projectsChangedMsg{status: "deleted project " + p.Name}, err
		})
	}
	return nil
}

// done runs a store change off the UI path; on success the form closes.
func (s *projectsScreen) done(fn func() (projectsChangedMsg, error)) tea.Cmd {
	return func() tea.Msg {
		m, err := fn()
		if err != nil {
			return errMsg{err}
		}
		return m
	}
}

// addSample imports the checkout sample as a new project.
func (s *projectsScreen) addSample() tea.Cmd {
	c := s.c
	return func() tea.Msg {
		p, err := c.Opts.Sample()
		if err != nil {
			return errMsg{err}
		}
		p.Meta.CreatedAt = c.Opts.Now().UTC()
		m, err := c.Opts.Store.ImportProject(c.Ctx, p)
		if err != nil {
			return errMsg{err}
		}
		return projectsChangedMsg{open: m.ID, status: "added the checkout sample as " + m.Name}
	}
}

// closeForm is called by the root when a store change succeeded.
func (s *projectsScreen) closeForm() { s.form = nil }

func (s *projectsScreen) view() string {
	if s.form != nil {
		return s.form.view(s.pane.width)
	}
	return s.pane.view()
}

func (s *projectsScreen) keys() []key.Binding {
	k := s.c.Keys
	if s.form != nil {
		return s.form.keys()
	}
	var ks []key.Binding
	if len(s.projects) > 0 {
		ks = []key.Binding{k.Up, k.Down, k.Open, k.Rename, k.Delete}
	}
	ks = append(ks, k.New)
	if s.c.Opts.Sample != nil {
		ks = append(ks, k.AddSample)
	}
	if s.c.Project.Meta.ID != "" {
		ks = append(ks, k.Back)
	}
	return ks
}
