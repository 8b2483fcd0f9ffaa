package ui

import (
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/pgrollout/pgrollout/workflow/report"
)

// exportDialog asks where to write the open project's handoff files.
type exportDialog struct {
	c    *Context
	form *form
}

// exportDoneMsg reports the files an export wrote.
type exportDoneMsg struct {
	dir   string
	paths []string
}

func newExportDialog(c *Context) *exportDialog {
	dir := c.Opts.ExportDir
	if dir == "" {
		dir = "pgrollout-{id}"
	}
	dir = strings.ReplaceAll(dir, "{id}", c.Project.Meta.ID)
	f := newForm(c, "Export "+c.Project.Meta.Name,
		"writes the handoff files (README.md, decisions.md, review.md, the rollout package under migration/); existing files are never overwritten",
		[]string{"Folder"}, []string{dir})
	f.setWidth(c.Width / 2)
	return &exportDialog{c: c, form: f}
}

// update feeds the form; cancelled is true when the user closed the dialog.
func (e *exportDialog) update(msg tea.Msg) (cancelled bool, cmd tea.Cmd) {
	res, cmd := e.form.update(msg)
	switch res {
	case formCancelled:
		return true, nil
	case formSubmitted:
		dir := e.form.value(0)
		if dir == "" {
			e.form.err = "name a folder"
			return false, nil
		}
		c, p := e.c, e.c.Project
		return false, func() tea.Msg {
			files, err := report.Files(p, c.Opts.Now().UTC())
			if err != nil {
				return errMsg{err}
			}
			paths, err := report.Write(c.Ctx, dir, files, false)
			if errors.Is(err, report.ErrExists) {
				return errMsg{fmt.Errorf("%w: choose another folder", err)}
			}
			if err != nil {
				return errMsg{err}
			}
			return exportDoneMsg{dir: dir, paths: paths}
		}
	}
	return false, cmd
}
