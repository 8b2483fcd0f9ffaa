package audit

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
)

// Analyze runs every check over a snapshot and returns the report: each
// check's status (evaluated, degraded or skipped, with the reason, derived
// from what the snapshot holds) and the findings, most severe first and, at
// one severity, in check order. It reads nothing but the snapshot, so a
// stored or hand-written snapshot gives the same report offline as the live
// collection did.
func Analyze(s *Snapshot) Report {
	a := newAnalysis(s)
	r := Report{
		ServerVersion: s.ServerVersion,
		Database:      s.Database.Name,
		CapturedAt:    s.CapturedAt,
		Window:        a.window,
	}
	for _, c := range checkList() {
		o := c.run(a)
		r.Capabilities = append(r.Capabilities, CheckResult{
			Check: c.id, Status: o.status(), Reason: o.reason(), Observations: o.observations,
		})
		for _, f := range o.findings {
			f.Check = c.id
			r.Findings = append(r.Findings, f)
		}
	}
	slices.SortStableFunc(r.Findings, func(x, y Finding) int { return cmp.Compare(y.Severity.Rank(), x.Severity.Rank()) })
	return r
}

// check is one entry of checkList.
type check struct {
	id  string
	run func(*analysis) outcome
}

// checkList pairs every check id of Checks with the function that runs it,
// in report order.
func checkList() []check {
	return []check{
		{CheckSeqScanPressure, checkSeqScanPressure},
		{CheckTempWrites, checkTempWrites},
		{CheckUnusedIndex, checkUnusedIndex},
		{CheckDuplicateIndex, checkDuplicateIndex},
		{CheckRedundantIndex, checkRedundantIndex},
		{CheckInvalidIndex, checkInvalidIndex},
		{CheckFKMissingIndex, checkFKMissingIndex},
		{CheckIndexBloat, checkIndexBloat},
		{CheckTableBloat, checkTableBloat},
		{CheckCacheHitRatio, checkCacheHitRatio},
		{CheckXIDWraparound, checkXIDWraparound},
		{CheckSequenceExhaustion, checkSequenceExhaustion},
	}
}

// outcome is what one check found.
type outcome struct {
	// skip, when set, is why the check could not run.
	skip string
	// degraded lists why it ran on partial data.
	degraded     []string
	observations []string
	findings     []Finding
}

func (o *outcome) status() CheckStatus {
	switch {
	case o.skip != "":
		return StatusSkipped
	case len(o.degraded) > 0:
		return StatusDegraded
	}
	return StatusEvaluated
}

func (o *outcome) reason() string {
	if o.skip != "" {
		return o.skip
	}
	return strings.Join(o.degraded, "; ")
}

// degrade records a reason the check's data is partial, once.
func (o *outcome) degrade(reason string) {
	if !slices.Contains(o.degraded, reason) {
		o.degraded = append(o.degraded, reason)
	}
}

// observe records one line of what the check looked at.
func (o *outcome) observe(format string, args ...any) {
	o.observations = append(o.observations, fmt.Sprintf(format, args...))
}

// analysis is a snapshot with what several checks derive from it.
type analysis struct {
	s *Snapshot
	// names chooses the names of the indexes the remediations create,
	// so that no two findings hand out the same one.
	names *indexNamer
	// window is the statistics window in words; windowDur its length
	// (zero when unknown) and windowExact whether it is measured from a
	// statistics reset rather than bounded by the server start.
	window      string
	windowDur   time.Duration
	windowExact bool
	// pointInTime is the window of a reading that is not a counter: the
	// capture time.
	pointInTime string
	tables      map[string]TableStats
	sections    map[string]Section
	// indexes and foreignKeys hold those of each table, by qualified
	// table name.
	indexes     map[string][]*IndexStats
	foreignKeys map[string][]ForeignKeyStats
	// shapes holds the valid indexes whose shape is known, by table, made
	// on first use (comparableIndexes); shapeCount counts them and
	// unknownShapes those whose shape is not known.
	shapes                    [][]shaped
	shapeCount, unknownShapes int
}

func newAnalysis(s *Snapshot) *analysis {
	a := &analysis{s: s, tables: map[string]TableStats{}, sections: map[string]Section{}, indexes: map[string][]*IndexStats{}}
	for i := range s.Indexes {
		x := &s.Indexes[i]
		t := x.QualifiedTable()
		a.indexes[t] = append(a.indexes[t], x)
	}
	a.foreignKeys = map[string][]ForeignKeyStats{}
	for _, fk := range s.ForeignKeys {
		t := qualify(fk.Schema, fk.Table)
		a.foreignKeys[t] = append(a.foreignKeys[t], fk)
	}
	a.windowDur, a.windowExact = s.Window()
	a.window = windowPhrase(s)
	a.pointInTime = "point in time: " + md.Time(s.CapturedAt)
	for _, t := range s.Tables {
		a.tables[t.Qualified()] = t
	}
	for _, sec := range s.Sections {
		a.sections[sec.Name] = sec
	}
	return a
}

// windowPhrase says how long the counters have been accumulating and since when.
func windowPhrase(s *Snapshot) string {
	d, exact := s.Window()
	switch {
	case exact:
		return fmt.Sprintf("%s since stats_reset (%s)", span(d), md.Time(s.StatsReset))
	case d > 0:
		return fmt.Sprintf("at least %s, since the server start (%s); stats_reset not recorded", span(d), md.Time(s.PostmasterStart))
	}
	return "unknown: neither stats_reset nor postmaster_start recorded"
}

// gate applies what the snapshot says about one of its sections to a check
// and reports whether the check can go on. A section recorded as skipped
// skips the check and a partial one degrades it, each with the section's
// reason. A section the snapshot does not record is taken as collected when
// present; when it is absent, absent (if set) is why the check is skipped.
func (a *analysis) gate(o *outcome, section string, present bool, absent string) bool {
	if sec, ok := a.sections[section]; ok {
		switch sec.Status {
		case SectionSkipped:
			o.skip = fmt.Sprintf("the %s section was not collected: %s", section, cmp.Or(sec.Reason, "no reason recorded"))
			return false
		case SectionPartial:
			o.degrade(fmt.Sprintf("the %s section was collected in part: %s", section, cmp.Or(sec.Reason, "no reason recorded")))
		}
		return true
	}
	if !present && absent != "" {
		o.skip = absent
		return false
	}
	return true
}

// has reports whether the snapshot holds a section: recorded as collected
// (in full or in part), or not recorded but present.
func (a *analysis) has(section string, present bool) bool {
	if sec, ok := a.sections[section]; ok {
		return sec.Status != SectionSkipped
	}
	return present
}

// counting skips a counter-based check when the probe found track_counts
// off: the counters then do not count.
func (a *analysis) counting(o *outcome) bool {
	if v, ok := a.setting("track_counts"); ok {
		if v == "off" {
			o.skip = "track_counts is off: the statistics counters do not count"
			return false
		}
		return true
	}
	if a.s.Server != nil && !a.s.Server.TrackCounts {
		o.skip = "track_counts is off: the statistics counters do not count"
		return false
	}
	return true
}

// setting returns a server setting recorded by the capability probe.
func (a *analysis) setting(name string) (string, bool) {
	if a.s.Server == nil {
		return "", false
	}
	v, ok := a.s.Server.Settings[name]
	return strings.TrimSpace(v), ok && strings.TrimSpace(v) != ""
}

// settingInt returns an integer setting.
func (a *analysis) settingInt(name string) (int64, bool) {
	v, ok := a.setting(name)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

// memoryUnit matches a memory setting: a number and an optional unit.
var memoryUnit = regexp.MustCompile(`^(-?\d+)\s*(B|kB|MB|GB|TB)?$`)

// settingBytes returns a memory setting in bytes; a bare number counts in
// units of unit bytes (pg_settings.unit: 1024 for kB settings).
func (a *analysis) settingBytes(name string, unit int64) (int64, bool) {
	v, ok := a.setting(name)
	if !ok {
		return 0, false
	}
	m := memoryUnit.FindStringSubmatch(v)
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, false
	}
	mult := map[string]int64{"": unit, "B": 1, "kB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40}[m[2]]
	return n * mult, true
}

// major is the server's major version, 0 when unknown.
func (a *analysis) major() int {
	if a.s.Server != nil && a.s.Server.VersionNum >= 100000 {
		return a.s.Server.VersionNum / 10000
	}
	v := strings.TrimSpace(a.s.ServerVersion)
	end := strings.IndexFunc(v, func(r rune) bool { return r < '0' || r > '9' })
	if end >= 0 {
		v = v[:end]
	}
	n, _ := strconv.Atoi(v)
	return n
}

// perDay averages a counter over the window, and false when the window is
// shorter than an hour or unknown.
func (a *analysis) perDay(n int64) (float64, bool) {
	if a.windowDur < time.Hour {
		return 0, false
	}
	return float64(n) / (a.windowDur.Hours() / 24), true
}

// role names the collecting role for a reason, or "the collecting role".
func (a *analysis) role() string {
	if a.s.Server != nil && a.s.Server.User != "" {
		return "role " + a.s.Server.User
	}
	return "the collecting role"
}

// indexesOn returns the indexes of one table.
func (a *analysis) indexesOn(table string) []*IndexStats { return a.indexes[table] }

// finding starts a finding with the fields every check fills the same way.
func finding(sev workflow.Severity, object, window string) Finding {
	return Finding{Severity: sev, Object: object, Window: window}
}

// ev appends one evidence figure.
func (f *Finding) ev(name, value string) {
	f.Evidence = append(f.Evidence, Evidence{Name: name, Value: value})
}

// caveat appends one caveat.
func (f *Finding) caveat(format string, args ...any) {
	f.Caveats = append(f.Caveats, fmt.Sprintf(format, args...))
}

// replicaCaveat is said of every conclusion drawn from usage counters.
const replicaCaveat = "The counters belong to this server: a replica keeps its own, and queries there may use what this server does not. " +
	"Check pg_stat_user_indexes on every replica before acting."
