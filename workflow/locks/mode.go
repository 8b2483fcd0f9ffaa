// Package locks knows what PostgreSQL locks a statement takes: the lock mode
// per relation, whether the table is rewritten or scanned, and on which server
// versions. The review's lock facts and the migration plan both read this one
// table: Table lists its rows (each with an example statement that runs
// against Baseline), Lookup finds a row by kind and version, and Classify
// turns a parsed statement and the schema model into Facts.
package locks

// Mode is a table-level lock mode, weakest first.
type Mode int

// The eight table lock modes of PostgreSQL, weakest first. None means the
// statement takes no lock on an existing relation.
const (
	None Mode = iota
	AccessShare
	RowShare
	RowExclusive
	ShareUpdateExclusive
	Share
	ShareRowExclusive
	Exclusive
	AccessExclusive
)

// String returns the mode as PostgreSQL's documentation names it.
func (m Mode) String() string {
	switch m {
	case AccessShare:
		return "ACCESS SHARE"
	case RowShare:
		return "ROW SHARE"
	case RowExclusive:
		return "ROW EXCLUSIVE"
	case ShareUpdateExclusive:
		return "SHARE UPDATE EXCLUSIVE"
	case Share:
		return "SHARE"
	case ShareRowExclusive:
		return "SHARE ROW EXCLUSIVE"
	case Exclusive:
		return "EXCLUSIVE"
	case AccessExclusive:
		return "ACCESS EXCLUSIVE"
	}
	return "no lock"
}

// PGLocksName returns the mode as pg_locks.mode shows it ("AccessExclusiveLock").
func (m Mode) PGLocksName() string {
	switch m {
	case AccessShare:
		return "AccessShareLock"
	case RowShare:
		return "RowShareLock"
	case RowExclusive:
		return "RowExclusiveLock"
	case ShareUpdateExclusive:
		return "ShareUpdateExclusiveLock"
	case Share:
		return "ShareLock"
	case ShareRowExclusive:
		return "ShareRowExclusiveLock"
	case Exclusive:
		return "ExclusiveLock"
	case AccessExclusive:
		return "AccessExclusiveLock"
	}
	return ""
}

// ConflictsWith reports whether two modes conflict (PostgreSQL's table-level
// lock conflict matrix).
func (m Mode) ConflictsWith(o Mode) bool {
	if m == None || o == None {
		return false
	}
	a, b := min(m, o), max(m, o)
	switch a {
	case AccessShare:
		return b == AccessExclusive
	case RowShare:
		return b >= Exclusive
	case RowExclusive:
		return b >= Share
	case ShareUpdateExclusive:
		return b >= ShareUpdateExclusive
	case Share:
		return b != Share // SHARE does not conflict with itself
	}
	return true // SHARE ROW EXCLUSIVE and stronger conflict with themselves and all above
}

// BlocksReads reports whether the mode blocks plain SELECTs.
func (m Mode) BlocksReads() bool { return m.ConflictsWith(AccessShare) }

// BlocksWrites reports whether the mode blocks INSERT, UPDATE and DELETE.
func (m Mode) BlocksWrites() bool { return m.ConflictsWith(RowExclusive) }

// Blocks says in words what application traffic the mode blocks.
func (m Mode) Blocks() string {
	switch {
	case m.BlocksReads():
		return "reads and writes"
	case m.BlocksWrites():
		return "writes"
	case m == None:
		return "nothing"
	case m.ConflictsWith(ShareUpdateExclusive):
		return "schema changes and VACUUM, not reads or writes"
	}
	return "schema changes only, not reads or writes"
}

// Dangerous reports whether the mode blocks application reads or writes.
func (m Mode) Dangerous() bool { return m.BlocksWrites() }
