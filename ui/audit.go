package ui

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/pgrollout/pgrollout/workflow/audit"
)

// LiveAudit runs a live audit (audit.Live in the real program).
type LiveAudit func(ctx context.Context, dsn string, interval time.Duration, progress func(string)) (audit.LiveResult, error)

// auditDialog asks for a connection, runs a read-only live audit with its
// progress on screen, and stores the snapshot in the open project.
type auditDialog struct {
	c      *Context
	form   *form
	cancel context.CancelFunc
	// running is set from submit until the audit ends; progress is its
	// last message.
	running  bool
	progress string
}

// auditProgressMsg carries one progress message and the channel to wait on
// for the next.
type auditProgressMsg struct {
	text string
	ch   <-chan string
}

// auditDoneMsg ends a live audit: stored names the project document it was
// saved as.
type auditDoneMsg struct {
	res    audit.LiveResult
	stored string
	err    error
}

func newAuditDialog(c *Context) *auditDialog {
	f := newForm(c, "Live audit of a database (read-only)",
		"empty connection = the PG* environment and ~/.pgpass; the password is used for this audit only and never stored",
		[]string{"Connection", "Interval"}, []string{c.Opts.AuditDSN, ""})
	f.setWidth(c.Width * 2 / 3)
	return &auditDialog{c: c, form: f}
}

// update feeds the form, or while the audit runs lets esc cancel it;
// closed is true when the dialog is gone.
func (d *auditDialog) update(msg tea.Msg) (closed bool, cmd tea.Cmd) {
	if d.running {
		if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "esc" && d.cancel != nil {
			d.cancel()
			d.progress = "cancelling…"
		}
		return false, nil
	}
	res, cmd := d.form.update(msg)
	switch res {
	case formCancelled:
		return true, nil
	case formSubmitted:
		var interval time.Duration
		if v := d.form.value(1); v != "" {
			var err error
			if interval, err = time.ParseDuration(v); err != nil || interval < 0 {
				d.form.err = "interval: a duration such as 60s, or empty"
				return false, nil
			}
		}
		return false, d.start(d.form.value(0), interval)
	}
	return false, cmd
}

// start runs the audit in the background, forwarding its progress.
func (d *auditDialog) start(dsn string, interval time.Duration) tea.Cmd {
	if d.c.Opts.Live == nil {
		d.form.err = "live audits are not available in this build"
		return nil
	}
	ctx, cancel := context.WithCancel(d.c.Ctx)
	d.cancel, d.running, d.progress = cancel, true, "starting"
	ch := make(chan string, 16)
	c, projectID, live := d.c, d.c.Project.Meta.ID, d.c.Opts.Live
	run := func() tea.Msg {
		defer cancel()
		defer close(ch)
		res, err := live(ctx, dsn, interval, func(s string) {
			select {
			case ch <- s:
			default: // the screen is behind: drop this one
			}
		})
		if err != nil {
			return auditDoneMsg{err: err}
		}
		doc, err := audit.Document(res.Snapshot)
		if err != nil {
			return auditDoneMsg{err: err}
		}
		if err := c.Opts.Store.AddDocument(c.Ctx, projectID, doc); err != nil {
			return auditDoneMsg{err: err}
		}
		return auditDoneMsg{res: res, stored: doc.Name}
	}
	return tea.Batch(run, waitProgress(ch))
}

// waitProgress waits for the next progress message.
func waitProgress(ch <-chan string) tea.Cmd {
	return func() tea.Msg {
		s, ok := <-ch
		if !ok {
			return nil
		}
		return auditProgressMsg{text: s, ch: ch}
	}
}

func (d *auditDialog) view(width int) string {
	if !d.running {
		return d.form.view(width)
	}
	s := d.c.Styles
	return s.Title.Render("Live audit") + "\n\n  " + d.progress + "…\n\n  " + s.Faint.Render("esc cancels")
}

// summary says in one line how an audit went.
func (r auditDoneMsg) summary() string {
	n := len(r.res.Report.Findings)
	return fmt.Sprintf("audited %s: %d findings; stored as %s", r.res.Snapshot.Database.Name, n, r.stored)
}
