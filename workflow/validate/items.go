package validate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
)

// OverviewID is the ID of the overview item that Items puts first.
const OverviewID = "overview"

// check is a staging check with the file it came from.
type check struct {
	workflow.Evidence
	file string
}

// Items computes the Validate stage's items from the project's staging
// evidence documents: first an overview with the number of checks per status
// and kind, then one item per check in file order, its ID the check's ID and
// its badge the status. A project without staging evidence has no items.
// Errors come from parsing the documents (located as FILE:LINE:COL) or from a
// check ID used twice.
func Items(p workflow.Project) ([]workflow.Item, error) {
	checks, err := loadChecks(p)
	if err != nil {
		return nil, err
	}
	if len(checks) == 0 {
		return nil, nil
	}
	items := make([]workflow.Item, 0, len(checks)+1)
	items = append(items, overview(p, checks))
	for _, c := range checks {
		items = append(items, checkItem(p, c))
	}
	return items, nil
}

// loadChecks parses every staging evidence document of the project.
func loadChecks(p workflow.Project) ([]check, error) {
	var out []check
	from := map[string]string{}
	for _, doc := range p.DocumentsOf(workflow.KindStagingEvidence) {
		evs, err := ParseEvidence(doc.Name, []byte(doc.Text))
		if err != nil {
			return nil, err
		}
		for _, ev := range evs {
			if ev.ID == OverviewID {
				return nil, fmt.Errorf("%s: check id %q is reserved for the overview item", doc.Name, ev.ID)
			}
			if prev, dup := from[ev.ID]; dup {
				return nil, fmt.Errorf("%s: check %q is already defined in %s", doc.Name, ev.ID, prev)
			}
			from[ev.ID] = doc.Name
			out = append(out, check{Evidence: ev, file: doc.Name})
		}
	}
	return out, nil
}

// toneOf colours a check's status.
func toneOf(s workflow.EvidenceStatus) workflow.Tone {
	switch s {
	case workflow.EvidencePassed:
		return workflow.ToneGood
	case workflow.EvidenceFailed:
		return workflow.ToneBad
	}
	return workflow.ToneWarn
}

// citing returns the decisions whose evidence lists name the check.
func citing(p workflow.Project, id string) []workflow.Decision {
	var out []workflow.Decision
	for _, d := range p.Decisions {
		if slices.Contains(d.Evidence, id) {
			out = append(out, d)
		}
	}
	return out
}

// citation describes a decision that cites a check.
func citation(d workflow.Decision) string {
	s := fmt.Sprintf("%s: %s (%s, %s stage", md.Code(d.ID), md.Text(d.Title), d.State().Label(), d.Stage)
	if o := d.Owner(); o != "" {
		s += ", owner " + md.Text(o)
	}
	return s + ")"
}

// statuses lists the evidence statuses in display order.
func statuses() []workflow.EvidenceStatus {
	return []workflow.EvidenceStatus{workflow.EvidencePassed, workflow.EvidenceFailed, workflow.EvidenceMissing}
}

// overview sums up the checks.
func overview(p workflow.Project, checks []check) workflow.Item {
	count := map[workflow.EvidenceStatus]int{}
	byKind := map[string]map[workflow.EvidenceStatus]int{}
	var files []string
	for _, c := range checks {
		count[c.Status]++
		if byKind[c.Kind] == nil {
			byKind[c.Kind] = map[workflow.EvidenceStatus]int{}
		}
		byKind[c.Kind][c.Status]++
		if !slices.Contains(files, c.file) {
			files = append(files, c.file)
		}
	}

	badge, tone := "all passed", workflow.ToneGood
	switch {
	case count[workflow.EvidenceFailed] > 0:
		badge, tone = fmt.Sprintf("%d failed", count[workflow.EvidenceFailed]), workflow.ToneBad
	case count[workflow.EvidenceMissing] > 0:
		badge, tone = fmt.Sprintf("%d missing", count[workflow.EvidenceMissing]), workflow.ToneWarn
	}

	var b strings.Builder
	fmt.Fprintf(&b, "# Staging checks\n\n%d %s from %s.\n\n", len(checks), plural(len(checks), "check", "checks"), md.CodeList(files))
	header := []string{"Kind"}
	for _, s := range statuses() {
		header = append(header, string(s))
	}
	var rows [][]string
	for _, k := range kindsIn(checks) {
		row := []string{k}
		for _, s := range statuses() {
			row = append(row, strconv.Itoa(byKind[k][s]))
		}
		rows = append(rows, row)
	}
	total := []string{"all"}
	for _, s := range statuses() {
		total = append(total, strconv.Itoa(count[s]))
	}
	md.Table(&b, header, append(rows, total))

	for _, s := range statuses()[1:] {
		var lines []string
		for _, c := range checks {
			if c.Status != s {
				continue
			}
			line := fmt.Sprintf("- %s (%s, %s)", md.Text(c.Title), md.Code(c.ID), c.Kind)
			for _, d := range citing(p, c.ID) {
				line += "\n  - cited by " + citation(d)
			}
			lines = append(lines, line)
		}
		if len(lines) > 0 {
			fmt.Fprintf(&b, "\n## %s\n\n%s\n", heading(s), strings.Join(lines, "\n"))
		}
	}

	var uncited []string
	for _, c := range checks {
		if len(citing(p, c.ID)) == 0 {
			uncited = append(uncited, fmt.Sprintf("- %s (%s, %s)", md.Text(c.Title), md.Code(c.ID), c.Status))
		}
	}
	if len(uncited) > 0 {
		fmt.Fprintf(&b, "\n## Not cited by any decision\n\n%s\n", strings.Join(uncited, "\n"))
	}
	return workflow.Item{ID: OverviewID, Title: "Staging checks", Badge: badge, Tone: tone, Detail: b.String()}
}

// heading titles the overview's list of the checks with a status.
func heading(s workflow.EvidenceStatus) string {
	if s == workflow.EvidenceFailed {
		return "Failed"
	}
	return "Not captured yet"
}

// kindsIn lists the kinds present, in the order of Kinds.
func kindsIn(checks []check) []string {
	var out []string
	for _, k := range Kinds() {
		if slices.ContainsFunc(checks, func(c check) bool { return c.Kind == k }) {
			out = append(out, k)
		}
	}
	return out
}

// checkItem shows one staging check.
func checkItem(p workflow.Project, c check) workflow.Item {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", md.Text(c.Title))
	fmt.Fprintf(&b, "- Check: %s\n", md.Code(c.ID))
	fmt.Fprintf(&b, "- Kind: %s\n", c.Kind)
	fmt.Fprintf(&b, "- Status: **%s**\n", c.Status)
	fmt.Fprintf(&b, "- Captured at: %s\n", md.Time(c.CapturedAt))
	fmt.Fprintf(&b, "- Source: %s\n", md.Text(c.Source))
	fmt.Fprintf(&b, "- File: %s\n", md.Code(c.file))
	fmt.Fprintf(&b, "\n## Query\n\n%s", md.Fence("sql", c.Query))
	fmt.Fprintf(&b, "\n## Expected\n\n%s", block(c.Expected))
	observed := "_Not captured yet._\n"
	if c.Observed != "" {
		observed = block(c.Observed)
	}
	fmt.Fprintf(&b, "\n## Observed\n\n%s", observed)
	b.WriteString("\n## Cited by\n\n")
	ds := citing(p, c.ID)
	if len(ds) == 0 {
		b.WriteString("No decision cites this check yet.\n")
	}
	for _, d := range ds {
		fmt.Fprintf(&b, "- %s\n", citation(d))
	}
	return workflow.Item{ID: c.ID, Title: c.Title, Badge: string(c.Status), Tone: toneOf(c.Status), Detail: b.String()}
}
