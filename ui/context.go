// Package ui is pgrollout's terminal interface: a thin root model, one screen
// per view, and a shared Context. Screens read and change projects through
// the Backend and the workflow packages; they never touch SQL or bbolt.
package ui

import (
	"context"
	"time"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/stages"
)

// Backend is what the screens need from the project store.
type Backend interface {
	Path() string
	Projects(ctx context.Context) ([]workflow.ProjectMeta, error)
	CreateProject(ctx context.Context, p workflow.Project) (workflow.ProjectMeta, error)
	ImportProject(ctx context.Context, p workflow.Project) (workflow.ProjectMeta, error)
	LoadProject(ctx context.Context, id string) (workflow.Project, error)
	RenameProject(ctx context.Context, id, newName string) error
	DeleteProject(ctx context.Context, id string) error
	AddDecision(ctx context.Context, projectID string, d workflow.Decision) error
	AppendDecisionChange(ctx context.Context, projectID, decisionID string, c workflow.DecisionChange) (workflow.Decision, error)
	AddDocument(ctx context.Context, projectID string, d workflow.Document) error
}

// Options configure the app.
type Options struct {
	Store Backend
	// ProjectID opens that project at start; empty shows the project list
	// (or opens the only project there is).
	ProjectID string
	// Plain turns colours off (NO_COLOR, --no-color).
	Plain bool
	// Sample loads the built-in checkout sample's inputs for the "add sample" key.
	Sample func() (workflow.Project, error)
	// ExportDir is the default folder the export key writes to; {id} is the project id.
	ExportDir string
	// Live runs a live audit from the Audit screen; nil turns the key off.
	// AuditDSN prefills its connection field.
	Live     LiveAudit
	AuditDSN string
	// User names the person recorded in decision history.
	User string
	// Now is the clock (tests pin it).
	Now func() time.Time
}

// Context is shared by pointer between the root and every screen: sizes,
// styles, keys, the store and the markdown cache. It holds nothing that
// belongs to one screen.
type Context struct {
	Ctx           context.Context
	Opts          Options
	Width, Height int
	Dark          bool
	Styles        Styles
	Keys          KeyMap
	// Project is the open project (zero ID when none) and Views its computed stages.
	Project workflow.Project
	Views   []stages.View
	md      map[renderKey]string
}

func newContext(ctx context.Context, o Options) *Context {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.User == "" {
		o.User = "pgrollout"
	}
	return &Context{
		Ctx:    ctx,
		Opts:   o,
		Dark:   true,
		Styles: NewStyles(true),
		Keys:   DefaultKeyMap(),
		md:     map[renderKey]string{},
	}
}

// setDark switches the palette after the terminal reported its background.
func (c *Context) setDark(dark bool) {
	c.Dark = dark
	c.Styles = NewStyles(dark)
}
