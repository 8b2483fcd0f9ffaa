package ui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/stages"
)

// Minimum terminal size; below it the app asks for a larger terminal.
const (
	MinWidth  = 80
	MinHeight = 24
)

type mode int

const (
	modeStage mode = iota
	modeDecisions
	modeProjects
)

// App is the root model: it switches between the six stage screens, the
// Decisions view and the project switcher, handles the global keys and draws
// the header and footer. Everything else belongs to the screens.
type App struct {
	c         *Context
	mode      mode
	stage     workflow.Stage
	stages    []*stageScreen
	decisions *decisionsScreen
	projects  *projectsScreen
	export    *exportDialog
	audit     *auditDialog
	help      help.Model
	status    string
	statusErr bool
	// listed is set once the first project list has arrived.
	listed bool
}

// New builds the app for a store.
func New(ctx context.Context, o Options) *App {
	c := newContext(ctx, o)
	a := &App{c: c, decisions: newDecisionsScreen(c), projects: newProjectsScreen(c), help: help.New()}
	for _, s := range workflow.Stages() {
		a.stages = append(a.stages, newStageScreen(c, s))
	}
	a.help.Styles = c.Styles.Help
	if o.ProjectID == "" {
		a.mode = modeProjects
	}
	return a
}

// Init asks for the background colour, the project list and the project to open.
func (a *App) Init() tea.Cmd {
	cmds := []tea.Cmd{a.c.listProjects()}
	if !a.c.Opts.Plain {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	if a.c.Opts.ProjectID != "" {
		cmds = append(cmds, a.c.loadProject(a.c.Opts.ProjectID, true))
	}
	return tea.Batch(cmds...)
}

func (a *App) active() screen {
	switch a.mode {
	case modeDecisions:
		return a.decisions
	case modeProjects:
		return a.projects
	}
	return a.stages[a.stage]
}

func (a *App) screens() []screen {
	out := []screen{a.decisions, a.projects}
	for _, s := range a.stages {
		out = append(out, s)
	}
	return out
}

// broadcast sends msg to every screen.
func (a *App) broadcast(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for _, s := range a.screens() {
		cmds = append(cmds, s.update(msg))
	}
	return tea.Batch(cmds...)
}

func (a *App) hasProject() bool { return a.c.Project.Meta.ID != "" }

// Update routes a message: results to the screens that own them, global keys
// here, every other key to the active screen.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.c.Width, a.c.Height = msg.Width, msg.Height
		return a, a.layout()
	case tea.BackgroundColorMsg:
		if !a.c.Opts.Plain && msg.IsDark() != a.c.Dark {
			a.c.setDark(msg.IsDark())
			a.help.Styles = a.c.Styles.Help
			return a, a.layout()
		}
		return a, nil
	case renderedMsg:
		a.c.storeRendering(msg)
		return a, a.broadcast(msg)
	case projectLoadedMsg:
		return a, a.setProject(msg)
	case projectsMsg:
		cmd := a.projects.setProjects(msg.projects)
		first := !a.listed
		a.listed = true
		if first && a.c.Opts.ProjectID == "" && len(msg.projects) == 1 {
			// A store with one project opens it at start.
			return a, tea.Batch(cmd, a.c.loadProject(msg.projects[0].ID, true))
		}
		return a, cmd
	case projectsChangedMsg:
		return a, a.projectsChanged(msg)
	case projectClosedMsg:
		cmd := a.setProject(projectLoadedMsg{})
		a.mode = modeProjects
		return a, cmd
	case decisionSavedMsg:
		a.setStatus("saved: "+msg.decision.Title+" is "+msg.decision.State().Label(), false)
		return a, tea.Batch(a.broadcast(msg), a.c.loadProject(a.c.Project.Meta.ID, false))
	case decisionSaveFailedMsg:
		return a, a.broadcast(msg)
	case copiedMsg:
		a.setStatus("copied the SQL of "+msg.what+" to the clipboard (OSC 52)", false)
		return a, nil
	case auditProgressMsg:
		if a.audit != nil && a.audit.running {
			a.audit.progress = msg.text
		}
		return a, waitProgress(msg.ch)
	case auditDoneMsg:
		a.audit = nil
		if msg.err != nil {
			a.setStatus("audit: "+msg.err.Error(), true)
			return a, nil
		}
		a.setStatus(msg.summary(), false)
		return a, a.c.loadProject(a.c.Project.Meta.ID, false)
	case exportDoneMsg:
		a.export = nil
		a.setStatus(fmt.Sprintf("exported %d files to %s", len(msg.paths), msg.dir), false)
		return a, nil
	case errMsg:
		if a.export != nil {
			a.export.form.err = msg.err.Error()
			return a, nil
		}
		if a.mode == modeProjects && a.projects.capturing() {
			return a, a.projects.update(msg)
		}
		a.setStatus(msg.err.Error(), true)
		return a, nil
	case tea.KeyPressMsg:
		return a, a.key(msg)
	}
	if a.export != nil {
		return a, a.exportUpdate(msg)
	}
	return a, a.active().update(msg)
}

// exportUpdate feeds the export dialog and closes it when cancelled.
func (a *App) exportUpdate(msg tea.Msg) tea.Cmd {
	cancelled, cmd := a.export.update(msg)
	if cancelled {
		a.export = nil
	}
	return cmd
}

func (a *App) setStatus(s string, isErr bool) { a.status, a.statusErr = s, isErr }

// setProject takes in a freshly loaded project and its computed stages.
func (a *App) setProject(m projectLoadedMsg) tea.Cmd {
	first := a.c.Project.Meta.ID != m.project.Meta.ID
	a.c.Project, a.c.Views = m.project, m.views
	cmds := []tea.Cmd{a.decisions.refresh(), a.projects.setProjects(a.projects.projects)}
	for i, s := range a.stages {
		var v stages.View // a closed project leaves every stage empty
		if i < len(m.views) {
			v = m.views[i]
		}
		cmds = append(cmds, s.setView(v))
	}
	if first {
		a.stage = workflow.StageBuild
	}
	if first || m.open {
		a.mode = modeStage
	}
	return tea.Batch(cmds...)
}

func (a *App) projectsChanged(m projectsChangedMsg) tea.Cmd {
	a.projects.closeForm()
	a.setStatus(m.status, false)
	cmds := []tea.Cmd{a.c.listProjects()}
	switch {
	case m.open != "":
		cmds = append(cmds, a.c.loadProject(m.open, true))
	case a.hasProject():
		// The open project may have been renamed or deleted: reload it, or close it.
		id := a.c.Project.Meta.ID
		c := a.c
		cmds = append(cmds, func() tea.Msg {
			p, err := c.Opts.Store.LoadProject(c.Ctx, id)
			if err != nil {
				return projectClosedMsg{}
			}
			return projectLoadedMsg{project: p, views: stages.Compute(p)}
		})
	}
	return tea.Batch(cmds...)
}

// key handles one key press.
func (a *App) key(msg tea.KeyPressMsg) tea.Cmd {
	k := a.c.Keys
	if key.Matches(msg, k.ForceQuit) {
		return tea.Quit
	}
	a.status = ""
	if a.export != nil {
		return a.exportUpdate(msg)
	}
	if a.audit != nil {
		closed, cmd := a.audit.update(msg)
		if closed {
			a.audit = nil
		}
		return cmd
	}
	if a.tooSmall() {
		if key.Matches(msg, k.Quit) {
			return tea.Quit
		}
		return nil
	}
	s := a.active()
	if s.capturing() {
		return s.update(msg)
	}
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		a.help.ShowAll = !a.help.ShowAll
		return a.layout()
	case key.Matches(msg, k.Projects):
		a.mode = modeProjects
		return a.c.listProjects()
	}
	if !a.hasProject() {
		if key.Matches(msg, k.NextStage, k.PrevStage, k.Decisions, k.Export) || stageKey(k, msg) >= 0 {
			a.setStatus("open or create a project first (enter, n, s)", true)
			return nil
		}
		return s.update(msg)
	}
	switch {
	case stageKey(k, msg) >= 0:
		a.mode, a.stage = modeStage, workflow.Stage(stageKey(k, msg))
	case key.Matches(msg, k.NextStage):
		a.mode, a.stage = modeStage, a.stage.Next()
	case key.Matches(msg, k.PrevStage):
		a.mode, a.stage = modeStage, a.stage.Prev()
	case key.Matches(msg, k.Decisions):
		a.mode = modeDecisions
	case key.Matches(msg, k.Export):
		a.export = newExportDialog(a.c)
		return a.export.form.start(false)
	case key.Matches(msg, k.Audit) && a.mode == modeStage && a.stage == workflow.StageAudit && a.c.Opts.Live != nil:
		a.audit = newAuditDialog(a.c)
		return a.audit.form.start(false)
	case key.Matches(msg, k.Back) && a.mode != modeStage && !a.paneFocused():
		a.mode = modeStage
	default:
		return s.update(msg)
	}
	return nil
}

func (a *App) paneFocused() bool {
	switch a.mode {
	case modeDecisions:
		return a.decisions.pane.detailFocus
	case modeProjects:
		return a.projects.pane.detailFocus
	}
	return a.stages[a.stage].pane.detailFocus
}

// stageKey returns the stage index a 1-6 key selects, or -1.
func stageKey(k KeyMap, msg tea.KeyPressMsg) int {
	for i, b := range k.Stage {
		if key.Matches(msg, b) {
			return i
		}
	}
	return -1
}

func (a *App) tooSmall() bool { return a.c.Width < MinWidth || a.c.Height < MinHeight }

// layout gives every screen the body size left by the header and the footer.
func (a *App) layout() tea.Cmd {
	a.help.SetWidth(a.c.Width)
	h := a.c.Height - headerHeight - 1 - lipgloss.Height(a.helpView())
	var cmds []tea.Cmd
	for _, s := range a.screens() {
		cmds = append(cmds, s.setSize(a.c.Width, max(1, h)))
	}
	return tea.Batch(cmds...)
}

const headerHeight = 3

// View draws the header, the active screen and the footer, or the
// enlarge-the-terminal message.
func (a *App) View() tea.View {
	var content string
	if a.tooSmall() {
		content = a.tooSmallView()
	} else {
		body := a.active().view()
		if a.export != nil {
			body = a.export.form.view(a.c.Width)
		}
		if a.audit != nil {
			body = a.audit.view(a.c.Width)
		}
		helpView := a.helpView()
		h := a.c.Height - headerHeight - 1 - lipgloss.Height(helpView)
		body = lipgloss.NewStyle().Width(a.c.Width).Height(h).MaxHeight(h).Render(body)
		content = strings.Join([]string{a.header(), body, a.statusLine(), helpView}, "\n")
	}
	v := tea.NewView(content)
	v.AltScreen = true
	v.MouseMode = tea.MouseModeNone
	v.WindowTitle = "pgrollout"
	if a.hasProject() {
		v.WindowTitle = "pgrollout · " + a.c.Project.Meta.Name
	}
	return v
}

func (a *App) tooSmallView() string {
	msg := fmt.Sprintf("pgrollout needs a terminal of at least %dx%d.\nThis one is %dx%d: enlarge the terminal.\n\nq quits.",
		MinWidth, MinHeight, a.c.Width, a.c.Height)
	return lipgloss.Place(a.c.Width, a.c.Height, lipgloss.Center, lipgloss.Center, msg)
}

// header draws the title line, the stage stepper and a rule.
func (a *App) header() string {
	s := a.c.Styles
	w := a.c.Width
	left := s.Title.Render("pgrollout")
	if a.hasProject() {
		left += "  " + s.Subtitle.Render(a.c.Project.Meta.Name)
		if a.c.Project.Meta.Sample {
			left += s.Faint.Render(" (sample)")
		}
	}
	right := s.Subtitle.Render(ansi.Truncate(a.where(), w/2, "…"))
	left = ansi.Truncate(left, max(1, w-lipgloss.Width(right)-1), "…")
	gap := max(1, w-lipgloss.Width(left)-lipgloss.Width(right))
	title := left + strings.Repeat(" ", gap) + right

	stepper := a.stepper(true)
	if lipgloss.Width(stepper) > w {
		stepper = ansi.Truncate(a.stepper(false), w, "…")
	}
	return title + "\n" + stepper + "\n" + s.Rule.Render(strings.Repeat("─", w))
}

// stepper draws the six stages with their status marks; words adds the status names.
func (a *App) stepper(words bool) string {
	s := a.c.Styles
	var steps []string
	for _, st := range workflow.Stages() {
		status := workflow.StatusEmpty
		if int(st) < len(a.c.Views) {
			status = a.c.Views[st].Status
		}
		mark, tone := StatusMark(status)
		label := fmt.Sprintf("%d %s", int(st)+1, st)
		if words {
			mark += " " + string(status)
		}
		seg := " " + label + " " + s.Tone(tone).Render(mark) + " "
		if st == a.stage && a.mode == modeStage && a.hasProject() {
			seg = s.StageActive.Render(" " + label + " " + mark + " ")
		}
		steps = append(steps, seg)
	}
	if !words {
		return strings.Join(steps, "")
	}
	return strings.Join(steps, s.Rule.Render("│"))
}

// where names the active view for the title line.
func (a *App) where() string {
	switch {
	case a.mode == modeProjects:
		return "Projects · " + a.c.Opts.Store.Path()
	case a.mode == modeDecisions:
		t := workflow.CountDecisions(a.c.Project.Decisions)
		return fmt.Sprintf("Decisions · %d accepted · %d evidence · %d blocked", t.Accepted, t.NeedsEvidence, t.Blocked)
	case !a.hasProject():
		return ""
	}
	status := workflow.StatusEmpty
	if int(a.stage) < len(a.c.Views) {
		status = a.c.Views[a.stage].Status
	}
	return fmt.Sprintf("Stage %d/6 %s · %s", int(a.stage)+1, a.stage, status)
}

// statusLine shows the last confirmation or error, else where the cursor is.
func (a *App) statusLine() string {
	s := a.c.Styles
	switch {
	case a.status != "" && a.statusErr:
		return ansi.Truncate(s.Error.Render("✗ "+a.status), a.c.Width, "…")
	case a.status != "":
		return ansi.Truncate(s.Status.Render("✓ "+a.status), a.c.Width, "…")
	}
	var p *pane
	switch a.mode {
	case modeDecisions:
		p = &a.decisions.pane
	case modeProjects:
		p = &a.projects.pane
	default:
		p = &a.stages[a.stage].pane
	}
	if len(p.items) == 0 {
		return ""
	}
	where := "list"
	if p.detailFocus {
		where = fmt.Sprintf("detail %d%%", int(p.vp.ScrollPercent()*100))
	}
	return s.Faint.Render(fmt.Sprintf("%d/%d · %s", p.cursor+1, len(p.items), where))
}

// helpView renders the footer keys (or the full help), each line cut to the
// terminal's width.
func (a *App) helpView() string {
	lines := strings.Split(a.help.View(a.helpKeys()), "\n")
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, a.c.Width, "…")
	}
	return strings.Join(lines, "\n")
}

// helpKeys combines the active screen's keys with the global ones.
func (a *App) helpKeys() helpKeys {
	k := a.c.Keys
	var screenKeys []key.Binding
	switch {
	case a.export != nil:
		screenKeys = a.export.form.keys()
	case a.audit != nil && a.audit.running:
		screenKeys = []key.Binding{k.Back}
	case a.audit != nil:
		screenKeys = a.audit.form.keys()
	default:
		screenKeys = a.active().keys()
		if a.mode == modeStage && a.stage == workflow.StageAudit && a.c.Opts.Live != nil && a.hasProject() {
			screenKeys = append(screenKeys, k.Audit)
		}
	}
	// Help and quit lead, so they show even when the line is cut at 80 columns.
	short := append([]key.Binding{k.Help, k.Quit}, screenKeys...)
	if a.hasProject() {
		short = append(short, k.Stage[0], k.NextStage, k.Decisions, k.Projects, k.Export)
	}
	if a.export != nil || a.audit != nil || a.active().capturing() {
		short = screenKeys
	}
	return helpKeys{
		short: short,
		full: [][]key.Binding{
			{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Open, k.Back, k.Copy},
			{k.Stage[0], k.NextStage, k.PrevStage, k.Decisions, k.Change, k.Accept, k.NeedEvidence, k.Block},
			{k.Projects, k.New, k.Rename, k.Delete, k.AddSample, k.Export, k.Audit, k.Help, k.Quit, k.ForceQuit},
		},
	}
}

// helpKeys adapts bindings to help.KeyMap.
type helpKeys struct {
	short []key.Binding
	full  [][]key.Binding
}

func (h helpKeys) ShortHelp() []key.Binding  { return h.short }
func (h helpKeys) FullHelp() [][]key.Binding { return h.full }
