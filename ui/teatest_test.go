package ui

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/pgrollout/pgrollout/internal/pgtest"
	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/audit"
)

// colour matches a foreground or background colour escape (SGR 30-49, 90-107,
// 38;5/38;2 and 48;5/48;2).
var colour = regexp.MustCompile(`\x1b\[(?:[0-9]*;)*(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9]+)*m`)

// TestDemoFrames runs the real program on the checkout sample and compares
// the final frame of each stage with a golden file (go test ./ui -update
// refreshes them).
func TestDemoFrames(t *testing.T) {
	s, id := sampleStore(t)
	screens := []struct {
		name, keys, marker string
	}{
		{"build", "", "Why this work"},
		{"review", "2", "unbounded-dml-in-migration:"},
		{"migration", "3", "rewritten"},
		{"validate", "4", "Not captured yet"},
		{"audit", "5", "Statistics snapshot: checkout"},
		{"compare", "6", "one accepted change, one evidence gap, one"},
		{"decisions", "d", "Evidence:"}, // in the detail, rendered after the list
	}
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		for _, sc := range screens {
			t.Run(fmt.Sprintf("%dx%d/%s", size[0], size[1], sc.name), func(t *testing.T) {
				tm := teatest.NewTestModel(t, New(context.Background(), testOptions(s, id)),
					teatest.WithInitialTermSize(size[0], size[1]),
					teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
				var stream bytes.Buffer
				waitFor := func(marker string) {
					teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
						stream.Write(b)
						return bytes.Contains(stream.Bytes(), []byte(marker))
					}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
				}
				waitFor("Product notes")
				if sc.keys != "" {
					tm.Type(sc.keys)
				}
				waitFor(sc.marker)
				tm.Type("q")
				fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*App)
				if !bytes.Contains(stream.Bytes(), []byte("\x1b[?1049h")) {
					t.Error("the program did not switch to the alternate screen")
				}
				if colour.Match(stream.Bytes()) {
					t.Error("colour escapes under the Ascii profile")
				}
				teatest.RequireEqualOutput(t, []byte(ansi.Strip(fm.View().Content)))
			})
		}
	}
}

// program starts the app at 120x40 and returns it with a function that
// waits (up to limit) until the terminal output so far contains a marker.
func program(t *testing.T, o Options, limit time.Duration) (*teatest.TestModel, func(string)) {
	tm := teatest.NewTestModel(t, New(context.Background(), o),
		teatest.WithInitialTermSize(120, 40),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	var stream bytes.Buffer
	return tm, func(marker string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			stream.Write(b)
			return bytes.Contains(stream.Bytes(), []byte(marker))
		}, teatest.WithDuration(limit), teatest.WithCheckInterval(20*time.Millisecond))
	}
}

// TestCopyStepSQL presses y on the first migration step: the terminal gets
// the step's SQL as an OSC 52 clipboard sequence and the status line says so.
func TestCopyStepSQL(t *testing.T) {
	s, id := sampleStore(t)
	tm, waitFor := program(t, testOptions(s, id), 10*time.Second)
	waitFor("Product notes")
	tm.Type("3")
	waitFor("rewritten")
	tm.Type("j")
	waitFor("copy SQL")
	tm.Type("y")
	sql := "ALTER TABLE orders ADD COLUMN IF NOT EXISTS channel text;"
	waitFor("\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(sql)))
	waitFor("clipboard")
	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

// TestLiveAuditDialog runs a live audit from the Audit screen against a
// scratch database: the progress shows, the status line reports the stored
// snapshot, and the project holds it afterwards.
func TestLiveAuditDialog(t *testing.T) {
	db := pgtest.NewDB(t)
	s, id := sampleStore(t)
	o := testOptions(s, id)
	o.Live = audit.Live
	o.AuditDSN = db.DSN
	tm, waitFor := program(t, o, 20*time.Second)
	waitFor("Product notes")
	tm.Type("5")
	waitFor("live")
	tm.Type("L")
	waitFor("Connection")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor("audits/")
	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	p, err := s.LoadProject(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	docs := p.DocumentsOf(workflow.KindStatsSnapshot)
	if last := docs[len(docs)-1]; !strings.HasPrefix(last.Name, "audits/"+db.Name+"-") {
		t.Errorf("last snapshot %s, want the live audit", last.Name)
	}
}
