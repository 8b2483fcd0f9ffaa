package audit

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
)

// Thresholds of xid-wraparound (reference §4.8): info above
// autovacuum_freeze_max_age (autovacuum should be freezing already), a
// warning above half of the 2^31 XIDs (postgres-checkup, check_postgres warn
// at 1.2–1.3 B), an error above 1.4 B or with fewer than 40 M left
// (check_postgres critical; the server itself starts warning at 40 M).
const (
	xidSpace             = 1 << 31
	xidWarn              = xidSpace / 2
	xidCritical          = 1_400_000_000
	xidCriticalLeft      = 40_000_000
	defaultFreezeMaxAge  = 200_000_000 // PostgreSQL's default autovacuum_freeze_max_age
	xidFreezeMaxAgeParam = "autovacuum_freeze_max_age"
)

// checkXIDWraparound measures the database's and each table's XID age
// against the 2^31 XIDs before wraparound and against
// autovacuum_freeze_max_age (the setting when the probe read it, else
// PostgreSQL's default).
// defaultMultixactFreezeMaxAge is PostgreSQL's default
// autovacuum_multixact_freeze_max_age.
const defaultMultixactFreezeMaxAge = 400_000_000

func checkXIDWraparound(a *analysis) outcome {
	var o outcome
	present := a.s.Database.XIDAge > 0 || slices.ContainsFunc(a.s.Tables, func(t TableStats) bool { return t.XIDAge > 0 })
	if !a.gate(&o, SectionXID, present, "the snapshot has no transaction ID ages (collected live only)") {
		return o
	}
	if !present {
		o.skip = "the snapshot has no transaction ID ages"
		return o
	}
	freezeMax, known := a.settingInt(xidFreezeMaxAgeParam)
	if !known || freezeMax <= 0 {
		freezeMax = defaultFreezeMaxAge
	}
	db := a.s.Database
	if db.XIDAge > 0 {
		o.observe("database XID age %s: %s of the 2^31 XIDs before wraparound, %s of %s", count(db.XIDAge),
			percent(float64(db.XIDAge)/xidSpace), percent(float64(db.XIDAge)/float64(freezeMax)), xidFreezeMaxAgeParam)
		if f, ok := xidFinding(a, "database "+db.Name, db.XIDAge, db.MXIDAge, freezeMax, known, nil); ok {
			o.findings = append(o.findings, f)
		}
	} else {
		o.degrade("the snapshot has no database XID age (age(datfrozenxid)): only tables are measured")
	}
	tables := make([]*TableStats, len(a.s.Tables))
	for i := range a.s.Tables {
		tables[i] = &a.s.Tables[i]
	}
	slices.SortStableFunc(tables, func(x, y *TableStats) int { return cmp.Compare(y.XIDAge, x.XIDAge) })
	measured := 0
	for _, t := range tables {
		if t.XIDAge == 0 {
			continue
		}
		measured++
		if f, ok := xidFinding(a, t.Qualified(), t.XIDAge, t.MXIDAge, freezeMax, known, t); ok {
			o.findings = append(o.findings, f)
		}
	}
	if measured > 0 {
		o.observe("%d %s measured; the oldest is %s at %s", measured, plural(measured, "table", "tables"), tables[0].Qualified(), count(tables[0].XIDAge))
	}
	return o
}

// xidFinding returns the finding on one XID age, and false below every
// threshold. t is the table, nil for the database.
func xidFinding(a *analysis, object string, age, mxidAge, freezeMax int64, known bool, t *TableStats) (Finding, bool) {
	// Multixact IDs wrap around the same way and stop writes the same
	// way: judge by the older of the two counters.
	what, unit, param := "transaction ID", "transactions", xidFreezeMaxAgeParam
	if mxidAge > age {
		what, unit, param, age = "multixact ID", "multixacts", "autovacuum_multixact_freeze_max_age", mxidAge
		if mfm, ok := a.settingInt("autovacuum_multixact_freeze_max_age"); ok && mfm > 0 {
			freezeMax = mfm
		} else {
			freezeMax = defaultMultixactFreezeMaxAge
		}
	}
	left := int64(xidSpace) - age
	var sev workflow.Severity
	switch {
	case age > xidCritical || left < xidCriticalLeft:
		sev = workflow.SeverityError
	case age > xidWarn:
		sev = workflow.SeverityWarning
	case age > freezeMax:
		sev = workflow.SeverityInfo
	default:
		return Finding{}, false
	}
	f := finding(sev, object, a.pointInTime)
	f.Message = fmt.Sprintf("The oldest unfrozen %s of %s is %s %s old: %s of the way to wraparound",
		what, object, count(age), unit, percent(float64(age)/xidSpace))
	if sev == workflow.SeverityInfo {
		f.Message += fmt.Sprintf(", past %s (%s), so an anti-wraparound autovacuum should be running or due.", param, count(freezeMax))
	} else {
		f.Message += fmt.Sprintf(", %s XIDs left.", count(left))
	}
	f.ev("XID age", count(age))
	f.ev("Share of 2^31 used", percent(float64(age)/xidSpace))
	f.ev("XIDs left to wraparound", count(left))
	f.ev("Share of "+xidFreezeMaxAgeParam, percent(float64(age)/float64(freezeMax)))
	f.ev(xidFreezeMaxAgeParam, count(freezeMax))
	if mxidAge > 0 {
		f.ev("Multixact age", count(mxidAge))
	}
	f.Why = "PostgreSQL must freeze old rows before the transaction ID counter wraps around. If it cannot, the server warns " +
		"from 40 million XIDs left and stops assigning new ones at 3 million left: no writes until a VACUUM completes, " +
		"an outage measured in hours on large tables."
	if t != nil {
		f.ev("Size with indexes and TOAST", md.Bytes(t.TotalBytes))
		f.ev("Last autovacuum", md.Time(t.LastAutovacuum))
		f.Remediation = fmt.Sprintf("-- Is an (anti-wraparound) vacuum running on it now?\n"+
			"SELECT pid, phase, heap_blks_scanned, heap_blks_total FROM pg_stat_progress_vacuum WHERE relid = '%s'::regclass;\n"+
			"-- If not, freeze it (reads the whole table; takes no lock that blocks reads or writes):\n"+
			"VACUUM (FREEZE, VERBOSE) %s;", quoted(t.Schema, t.Name), quoted(t.Schema, t.Name))
	} else {
		f.Remediation = "-- The tables holding the database's age back, oldest first:\n" +
			"SELECT c.oid::regclass AS table, age(c.relfrozenxid) AS xid_age\n" +
			"FROM pg_class c WHERE c.relkind IN ('r', 'm', 't') ORDER BY 2 DESC LIMIT 10;\n" +
			"-- What holds the xmin horizon back (freezing cannot pass it):\n" +
			"SELECT pid, state, xact_start, backend_xmin FROM pg_stat_activity\n" +
			"WHERE backend_xmin IS NOT NULL ORDER BY age(backend_xmin) DESC LIMIT 5;\n" +
			"SELECT slot_name, active, xmin, catalog_xmin FROM pg_replication_slots;\n" +
			"SELECT gid, prepared, owner FROM pg_prepared_xacts;\n" +
			"-- Then VACUUM (FREEZE, VERBOSE) the oldest tables."
	}
	f.Undo = "-- Nothing to undo: freezing only rewrites tuple headers."
	if !known {
		f.caveat("%s was not in the snapshot: PostgreSQL's default, %s, is assumed.", xidFreezeMaxAgeParam, count(defaultFreezeMaxAge))
	}
	if t != nil {
		f.caveat("A table's own autovacuum_freeze_max_age storage parameter, if set, overrides the server setting.")
	}
	f.caveat("Long transactions, abandoned replication slots and prepared transactions hold freezing back: vacuum cannot freeze past them.")
	return f, true
}
