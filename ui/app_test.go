package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/pgrollout/pgrollout/sample"
	"github.com/pgrollout/pgrollout/store"
	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/inputs"
)

// fixedNow pins the clock so frames and history are reproducible.
func fixedNow() time.Time { return time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC) }

// openStore opens a fresh store file in the test's temp folder.
func openStore(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func loadSample() (workflow.Project, error) {
	p, err := inputs.Load(sample.Checkout())
	p.Meta.Sample = true
	return p, err
}

// sampleStore is a store holding the checkout sample; it returns the project id.
func sampleStore(t *testing.T) (*store.Store, string) {
	t.Helper()
	s := openStore(t)
	p, err := loadSample()
	if err != nil {
		t.Fatal(err)
	}
	p.Meta.CreatedAt = fixedNow()
	m, err := s.CreateProject(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return s, m.ID
}

func testOptions(s Backend, id string) Options {
	return Options{Store: s, ProjectID: id, Plain: true, Sample: loadSample, User: "tester", Now: fixedNow}
}

// press builds the key message a terminal sends for a key name.
func press(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// typeText sends one key press per rune.
func typeText(s string) []tea.Msg {
	var out []tea.Msg
	for _, r := range s {
		if r == ' ' {
			out = append(out, tea.KeyPressMsg{Code: tea.KeySpace, Text: " "})
			continue
		}
		out = append(out, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return out
}

// run feeds messages to the app and runs the commands they return, feeding
// their results back, like the program loop does. Commands that do not finish
// promptly (cursor blinks, terminal queries) are dropped.
func run(t *testing.T, a *App, msgs ...tea.Msg) *App {
	t.Helper()
	queue := append([]tea.Msg(nil), msgs...)
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 10000 {
			t.Fatal("message loop did not settle")
		}
		msg := queue[0]
		queue = queue[1:]
		if _, ok := msg.(tea.QuitMsg); ok {
			continue
		}
		_, cmd := a.Update(msg)
		queue = append(queue, exec(cmd)...)
	}
	return a
}

// exec runs a command and flattens batches.
func exec(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(time.Second):
		return nil
	}
	switch m := msg.(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range m {
			out = append(out, exec(c)...)
		}
		return out
	case tea.QuitMsg:
		return []tea.Msg{m}
	}
	switch msg.(type) {
	case renderedMsg, projectLoadedMsg, projectsMsg, projectsChangedMsg, projectClosedMsg,
		decisionSavedMsg, decisionSaveFailedMsg, errMsg, exportDoneMsg:
		return []tea.Msg{msg}
	}
	return nil // terminal queries, cursor blinks
}

// start builds an app at a size and runs its Init.
func start(t *testing.T, o Options, w, h int) *App {
	t.Helper()
	a := New(context.Background(), o)
	return run(t, a, append(exec(a.Init()), tea.WindowSizeMsg{Width: w, Height: h})...)
}

func frame(a *App) string { return ansi.Strip(a.View().Content) }

func checkFrame(t *testing.T, a *App, w, h int) string {
	t.Helper()
	f := frame(a)
	lines := strings.Split(f, "\n")
	if len(lines) != h {
		t.Errorf("frame has %d lines, want %d:\n%s", len(lines), h, f)
	}
	for i, l := range lines {
		if got := ansi.StringWidth(l); got > w {
			t.Errorf("line %d is %d cells wide, more than %d: %q", i+1, got, w, l)
		}
	}
	return f
}

func TestViewDeclaresTerminalModes(t *testing.T) {
	s, id := sampleStore(t)
	a := start(t, testOptions(s, id), 80, 24)
	v := a.View()
	if !v.AltScreen || v.MouseMode != tea.MouseModeNone {
		t.Errorf("AltScreen=%v MouseMode=%v, want alt screen and no mouse", v.AltScreen, v.MouseMode)
	}
	if !strings.Contains(v.WindowTitle, "Checkout reliability") {
		t.Errorf("window title %q", v.WindowTitle)
	}
}

func TestStageNavigation(t *testing.T) {
	s, id := sampleStore(t)
	tests := []struct {
		keys []string
		mode mode
		want workflow.Stage
	}{
		{nil, modeStage, workflow.StageBuild},
		{[]string{"tab"}, modeStage, workflow.StageReview},
		{[]string{"shift+tab"}, modeStage, workflow.StageCompare},
		{[]string{"tab", "tab", "tab", "tab", "tab", "tab"}, modeStage, workflow.StageBuild},
		{[]string{"4"}, modeStage, workflow.StageValidate},
		{[]string{"6", "tab"}, modeStage, workflow.StageBuild},
		{[]string{"3", "d"}, modeDecisions, workflow.StageMigration},
		{[]string{"3", "d", "esc"}, modeStage, workflow.StageMigration},
		{[]string{"p"}, modeProjects, workflow.StageBuild},
		{[]string{"p", "esc"}, modeStage, workflow.StageBuild},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.keys, ","), func(t *testing.T) {
			a := start(t, testOptions(s, id), 80, 24)
			for _, k := range tt.keys {
				run(t, a, press(k))
			}
			if a.mode != tt.mode || a.stage != tt.want {
				t.Errorf("mode %v stage %v, want mode %v stage %v", a.mode, a.stage, tt.mode, tt.want)
			}
		})
	}
}

func TestQuit(t *testing.T) {
	s, id := sampleStore(t)
	a := start(t, testOptions(s, id), 80, 24)
	for _, k := range []string{"q", "ctrl+c"} {
		_, cmd := a.Update(press(k))
		if cmd == nil {
			t.Fatalf("%s: no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s does not quit", k)
		}
	}
}

func TestFrameSizes(t *testing.T) {
	s, id := sampleStore(t)
	for _, size := range [][2]int{{80, 24}, {120, 40}, {100, 30}, {200, 60}} {
		a := start(t, testOptions(s, id), size[0], size[1])
		for _, k := range []string{"", "2", "3", "4", "5", "6", "d", "p", "?"} {
			if k != "" {
				run(t, a, press(k))
			}
			checkFrame(t, a, size[0], size[1])
		}
	}
}

func TestResizeRelayout(t *testing.T) {
	s, id := sampleStore(t)
	a := start(t, testOptions(s, id), 120, 40)
	run(t, a, tea.WindowSizeMsg{Width: 80, Height: 24})
	checkFrame(t, a, 80, 24)
	run(t, a, tea.WindowSizeMsg{Width: 79, Height: 24})
	f := frame(a)
	if !strings.Contains(f, "enlarge the terminal") || !strings.Contains(f, "79x24") {
		t.Errorf("below 80x24 the frame should ask for a larger terminal:\n%s", f)
	}
	run(t, a, press("2")) // keys other than q do nothing while too small
	if a.stage != workflow.StageBuild {
		t.Error("a stage key worked while the terminal was too small")
	}
	run(t, a, tea.WindowSizeMsg{Width: 80, Height: 23})
	if !strings.Contains(frame(a), "enlarge the terminal") {
		t.Error("80x23 is too small")
	}
	run(t, a, tea.WindowSizeMsg{Width: 130, Height: 45})
	checkFrame(t, a, 130, 45)
}

func TestStepperShowsStatuses(t *testing.T) {
	s, id := sampleStore(t)
	a := start(t, testOptions(s, id), 140, 40)
	f := frame(a)
	for _, want := range []string{"1 Build ✓ done", "3 Migration ✗ blocked", "4 Validate ? needs evidence", "6 Compare ✗ blocked"} {
		if !strings.Contains(f, want) {
			t.Errorf("stepper lacks %q:\n%s", want, strings.Join(strings.Split(f, "\n")[:3], "\n"))
		}
	}
}

func TestFooterComesFromBindings(t *testing.T) {
	s, id := sampleStore(t)
	a := start(t, testOptions(s, id), 120, 40)
	f := frame(a)
	for _, b := range a.active().keys() {
		h := b.Help()
		if !strings.Contains(f, h.Key+" "+h.Desc) {
			t.Errorf("footer lacks %q", h.Key+" "+h.Desc)
		}
	}
	run(t, a, press("?"))
	f = frame(a)
	for _, want := range []string{"change decision", "new project", "add checkout sample", "quit now"} {
		if !strings.Contains(f, want) {
			t.Errorf("full help lacks %q:\n%s", want, f)
		}
	}
	run(t, a, press("?"))
	if strings.Contains(frame(a), "quit now") {
		t.Error("? did not close the full help")
	}
}

// decisionIndex returns the row of a decision in the Decisions view.
func decisionIndex(t *testing.T, a *App, id string) int {
	t.Helper()
	for i, d := range a.c.Project.Decisions {
		if d.ID == id {
			return i
		}
	}
	t.Fatalf("no decision %s", id)
	return -1
}

func TestChangeDecisionIsStoredWithHistory(t *testing.T) {
	s, id := sampleStore(t)
	a := start(t, testOptions(s, id), 80, 24)
	run(t, a, press("d"))
	row := decisionIndex(t, a, "orders-support-lookup-index")
	for range row {
		run(t, a, press("j"))
	}
	before, _ := a.c.Project.Decision("orders-support-lookup-index")
	run(t, a, press("a")) // accept: the form opens on the owner field
	if !a.decisions.capturing() {
		t.Fatal("a did not open the decision form")
	}
	run(t, a, typeText(" and Kim")...)
	run(t, a, press("tab"))
	run(t, a, typeText("EXPLAIN captured on staging: index scan, 0.4 ms")...)
	run(t, a, press("enter"))
	if a.decisions.capturing() {
		t.Fatalf("form still open: %s", frame(a))
	}
	d, _ := a.c.Project.Decision("orders-support-lookup-index")
	if d.State() != workflow.Accepted || len(d.History) != len(before.History)+1 {
		t.Fatalf("decision now %s with %d changes, want accepted with %d", d.State(), len(d.History), len(before.History)+1)
	}
	if got := d.Owner(); got != before.Owner()+" and Kim" {
		t.Errorf("owner %q", got)
	}
	if d.Current().By != "tester" || !d.Current().At.Equal(fixedNow()) {
		t.Errorf("change by %q at %v", d.Current().By, d.Current().At)
	}
	if !strings.Contains(frame(a), "saved") {
		t.Errorf("no confirmation in the footer:\n%s", frame(a))
	}
	// The stored project has it too, with the earlier history in order.
	p, err := s.LoadProject(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := p.Decision("orders-support-lookup-index")
	if len(stored.History) != len(d.History) || stored.History[len(stored.History)-1].Reason != "EXPLAIN captured on staging: index scan, 0.4 ms" {
		t.Errorf("stored history %+v", stored.History)
	}
	if a.c.Views[workflow.StageCompare].Status != workflow.StatusBlocked {
		t.Error("compare should still be blocked by the cleanup")
	}
}

func TestDecisionFormRules(t *testing.T) {
	s, id := sampleStore(t)
	withOwnerCleared := func(k string) []tea.Msg {
		return append(append([]tea.Msg{press(k)}, clearField()...), press("tab"), press("x"))
	}
	tests := []struct {
		name  string
		keys  []tea.Msg
		error string
	}{
		{"accept without owner", withOwnerCleared("a"), "without an owner cannot be accepted"},
		{"blocked without owner", withOwnerCleared("b"), "an owner is required"},
		{"no reason", []tea.Msg{press("e")}, "a reason is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := start(t, testOptions(s, id), 80, 24)
			run(t, a, press("d"))
			before := a.c.Project.Decisions[0]
			run(t, a, tt.keys...)
			run(t, a, press("enter"))
			f := frame(a)
			if !a.decisions.capturing() || !strings.Contains(f, tt.error) {
				t.Fatalf("want the form open with %q:\n%s", tt.error, f)
			}
			p, _ := s.LoadProject(context.Background(), id)
			if len(p.Decisions[0].History) != len(before.History) {
				t.Error("a refused change was stored")
			}
			run(t, a, press("esc"))
			if a.decisions.capturing() {
				t.Error("esc did not close the form")
			}
		})
	}
}

// clearField deletes the focused text field's content.
func clearField() []tea.Msg {
	var out []tea.Msg
	for range 80 {
		out = append(out, tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
	return out
}

func TestDecisionsSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keep.db")
	ctx := context.Background()
	s, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := loadSample()
	m, err := s.CreateProject(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	a := start(t, testOptions(s, m.ID), 80, 24)
	run(t, a, press("d"), press("b"), press("tab"))
	run(t, a, typeText("too risky")...)
	run(t, a, press("enter"))
	s.Close()

	s2, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	a2 := start(t, testOptions(s2, m.ID), 80, 24)
	d := a2.c.Project.Decisions[0]
	if d.State() != workflow.Blocked || d.Reason() != "too risky" {
		t.Errorf("after restart: %s %q", d.State(), d.Reason())
	}
}

func TestProjectSwitcher(t *testing.T) {
	s := openStore(t)
	a := start(t, testOptions(s, ""), 80, 24)
	if a.mode != modeProjects || !strings.Contains(frame(a), "No projects in this store yet") {
		t.Fatalf("an empty store should open the project list:\n%s", frame(a))
	}
	run(t, a, press("2"))
	if !strings.Contains(frame(a), "open or create a project first") {
		t.Errorf("stage key without a project:\n%s", frame(a))
	}

	// Create: a new project starts empty at Build.
	run(t, a, press("n"))
	run(t, a, typeText("Invoices v2")...)
	run(t, a, press("tab"))
	run(t, a, typeText("split invoice lines")...)
	run(t, a, press("enter"))
	if a.mode != modeStage || a.stage != workflow.StageBuild || a.c.Project.Meta.Name != "Invoices v2" {
		t.Fatalf("after create: mode %v stage %v project %q", a.mode, a.stage, a.c.Project.Meta.Name)
	}
	for _, v := range a.c.Views[:5] {
		if v.Status != workflow.StatusEmpty {
			t.Errorf("new project: %s is %s", v.Stage, v.Status)
		}
	}

	// Add the sample, then a duplicate name is refused.
	run(t, a, press("p"), press("s"))
	if a.c.Project.Meta.Name != "Checkout reliability" {
		t.Fatalf("sample not opened: %q", a.c.Project.Meta.Name)
	}
	run(t, a, press("p"), press("n"))
	run(t, a, typeText("invoices V2")...)
	run(t, a, press("enter"))
	if !a.projects.capturing() || !strings.Contains(frame(a), "exists") {
		t.Errorf("duplicate name accepted:\n%s", frame(a))
	}
	run(t, a, press("esc"))

	// Rename the selected project (the list is sorted: Checkout first).
	run(t, a, press("g"), press("r"))
	run(t, a, clearField()...)
	run(t, a, typeText("Checkout launch")...)
	run(t, a, press("enter"))
	ps, _ := s.Projects(context.Background())
	if len(ps) != 2 || ps[0].Name != "Checkout launch" {
		t.Fatalf("after rename: %+v", ps)
	}
	if a.c.Project.Meta.Name != "Checkout launch" {
		t.Errorf("open project not renamed in the header: %q", a.c.Project.Meta.Name)
	}

	// Delete needs the exact name.
	run(t, a, press("g"), press("D"))
	run(t, a, typeText("checkout")...)
	run(t, a, press("enter"))
	if !strings.Contains(frame(a), `type "Checkout launch" exactly`) {
		t.Errorf("wrong name accepted:\n%s", frame(a))
	}
	run(t, a, clearField()...)
	run(t, a, typeText("Checkout launch")...)
	run(t, a, press("enter"))
	ps, _ = s.Projects(context.Background())
	if len(ps) != 1 || ps[0].Name != "Invoices v2" {
		t.Fatalf("after delete: %+v", ps)
	}
	if a.c.Project.Meta.ID != "" || a.mode != modeProjects {
		t.Errorf("the deleted project is still open: %q", a.c.Project.Meta.Name)
	}
}

func TestExportKey(t *testing.T) {
	s, id := sampleStore(t)
	dir := filepath.Join(t.TempDir(), "handoff")
	o := testOptions(s, id)
	o.ExportDir = dir
	a := start(t, o, 80, 24)
	run(t, a, press("x"), press("enter"))
	if !strings.Contains(frame(a), "exported") {
		t.Fatalf("no export confirmation:\n%s", frame(a))
	}
	for _, f := range []string{"README.md", "decisions.md"} {
		if _, err := filepath.Glob(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	// A second export into the same folder is refused and says why.
	run(t, a, press("x"), press("enter"))
	if f := frame(a); !strings.Contains(f, "already exists") {
		t.Errorf("second export:\n%s", f)
	}
}

func TestDetailFocusScrolls(t *testing.T) {
	s, id := sampleStore(t)
	a := start(t, testOptions(s, id), 80, 24)
	run(t, a, press("enter"))
	if !a.stages[0].pane.detailFocus {
		t.Fatal("enter did not focus the detail")
	}
	run(t, a, press("j"))
	if a.stages[0].pane.cursor != 0 {
		t.Error("j moved the list while the detail had focus")
	}
	run(t, a, press("esc"))
	if a.stages[0].pane.detailFocus || a.mode != modeStage {
		t.Error("esc did not return to the list")
	}
	run(t, a, press("j"))
	if a.stages[0].pane.cursor != 1 {
		t.Error("j did not move the list")
	}
}

// TestDecideAFinding decides the first finding of Review and of Audit from
// its stage screen: the decision is stored, found again by the finding's
// key, and shown as the row's badge.
func TestDecideAFinding(t *testing.T) {
	for _, c := range []struct {
		key    string
		stage  workflow.Stage
		prefix string
	}{
		{"2", workflow.StageReview, "finding:"},
		{"5", workflow.StageAudit, ""},
	} {
		t.Run(c.stage.String(), func(t *testing.T) {
			s, id := sampleStore(t)
			a := start(t, testOptions(s, id), 120, 40)
			run(t, a, press(c.key))
			pane := &a.stages[c.stage].pane
			it, ok := pane.selected()
			for i := 0; ok && it.Decision == nil && i < 5; i++ { // past an overview row
				run(t, a, press("down"))
				it, ok = pane.selected()
			}
			if !ok || !strings.HasPrefix(it.ID, c.prefix) || it.Decision == nil {
				t.Fatalf("no finding to decide near the top of %s: %+v", c.stage, it)
			}
			key := it.Decision.Findings[0]
			run(t, a, press("e"))
			run(t, a, typeText("dba")...)
			run(t, a, press("tab"))
			run(t, a, typeText("needs the EXPLAIN")...)
			run(t, a, press("enter"))
			if a.stages[c.stage].capturing() {
				t.Fatalf("form still open:\n%s", frame(a))
			}
			p, err := s.LoadProject(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			d, found := p.DecisionOn(key)
			if !found || d.State() != workflow.NeedsEvidence || !strings.HasSuffix(d.Reason(), "needs the EXPLAIN") {
				t.Fatalf("no needs-evidence decision stored for finding %s: %+v", key, p.Decisions)
			}
			// The row now shows the decision, found again by the finding's key.
			row, _ := pane.selected()
			if row.ID != it.ID || row.Badge != "needs evidence" {
				t.Errorf("after deciding, the row is %s with badge %q", row.ID, row.Badge)
			}
		})
	}
}
