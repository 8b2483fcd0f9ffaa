package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/stages"
)

// screen is one view of the app. The root routes messages to it and asks it
// for its keys, so the footer always shows what the active screen handles.
type screen interface {
	update(msg tea.Msg) tea.Cmd
	view() string
	setSize(w, h int) tea.Cmd
	// keys lists the screen's bindings for the footer, most useful first.
	keys() []key.Binding
	// capturing is true while a form is open: every key then goes to it.
	capturing() bool
}

// Messages that cross screens.
type (
	// projectLoadedMsg carries a project read from the store and its computed stages.
	projectLoadedMsg struct {
		project workflow.Project
		views   []stages.View
		// open is set when the user asked to open the project: show its stages.
		open bool
	}
	// projectsMsg carries the store's project list.
	projectsMsg struct{ projects []workflow.ProjectMeta }
	// projectsChangedMsg says the project list changed; open names a project to open next.
	projectsChangedMsg struct {
		open   string
		status string
	}
	// projectClosedMsg says the open project was deleted.
	projectClosedMsg struct{}
	// decisionSavedMsg says a decision change was stored.
	decisionSavedMsg struct{ decision workflow.Decision }
	// errMsg is an error for the footer.
	errMsg struct{ err error }
)

// loadProject reads a project and computes its stages off the UI path; open
// says the user asked for it, so its stages are shown.
func (c *Context) loadProject(id string, open bool) tea.Cmd {
	return func() tea.Msg {
		p, err := c.Opts.Store.LoadProject(c.Ctx, id)
		if err != nil {
			return errMsg{err}
		}
		return projectLoadedMsg{project: p, views: stages.Compute(p), open: open}
	}
}

// listProjects reads the project list.
func (c *Context) listProjects() tea.Cmd {
	return func() tea.Msg {
		ps, err := c.Opts.Store.Projects(c.Ctx)
		if err != nil {
			return errMsg{err}
		}
		return projectsMsg{ps}
	}
}
