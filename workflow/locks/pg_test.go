package locks

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgrollout/pgrollout/workflow/schema"
)

// TestTableOnPostgres proves the lock table against the test server (see
// internal/pgtest): every row that applies to the server's version runs its
// example against Baseline(), and the test reads what the server did.
//
//   - The relations each lock of the row is about are the ones Classify
//     names for its role in the example.
//   - A transactional row runs in a transaction that is rolled back, in one
//     shared clone of the baseline. Before the rollback the test reads the
//     backend's own pg_locks and the relfilenodes: the strongest mode held on
//     each relation must be exactly the row's mode, and the relfilenode must
//     change exactly when the row says Rewrite or NewFile (a NewFile relation
//     must also be empty). Scan is checked through the transaction's own
//     sequential scan counts (checkScans). Running inside BEGIN proves the
//     row is right not to set NoTransaction. A row naming no lock must lock
//     no relation that existed before it; any other statement may hold a
//     write-blocking lock beyond its row's only on what the table leaves out
//     by design (checkOthers).
//   - A NoTransaction row must fail inside a transaction block (SQLSTATE
//     25001). It then runs outside one, in a clone of its own, while other
//     sessions hold the locks its plan (noTransactionPlans) lists; each time
//     the statement waits on one of them the test reads the statement's
//     pg_locks (granted or awaited) and releases that session. Modes and
//     relfilenodes are then compared as above; scans are not, as another
//     session's statistics reach the views only after a delay.
//   - A few rows need a state the baseline lacks to show their facts
//     (rowSetups); they run in a clone of their own, prepared first.
//
// Rows for other server versions are skipped, naming their range.
func TestTableOnPostgres(t *testing.T) {
	ctx := context.Background()
	lab := newPGLab(ctx, t)
	model := baselineModel(t, "")
	work := lab.connect(ctx, t, lab.clone(ctx, t))
	setups := rowSetups()
	plans := noTransactionPlans()
	for _, r := range Table() {
		// A row that applies runs on the server's version; one that does
		// not is named after its own range, so no two subtests share a name.
		name := fmt.Sprintf("%s/pg%d", r.Kind, lab.version)
		if !r.Applies(lab.version) {
			name = fmt.Sprintf("%s/pg%s", r.Kind, rangeTag(r))
		}
		t.Run(name, func(t *testing.T) {
			if !r.Applies(lab.version) {
				t.Skipf("row %q applies to PostgreSQL %s; the server is PostgreSQL %d", r.Kind, versionRange(r), lab.version)
			}
			switch {
			case r.NoTransaction:
				runOutside(ctx, t, lab, r, model, plans[r.Kind])
			case setups[r.Kind] != nil:
				db := lab.clone(ctx, t)
				conn := lab.connect(ctx, t, db)
				setups[r.Kind](ctx, t, lab, db, conn, roleNames(t, r, model, lab.version))
				runInside(ctx, t, conn, r, model, lab.version)
			default:
				runInside(ctx, t, work, r, model, lab.version)
			}
		})
	}
}

// versionRange renders a row's MinPG and MaxPG.
func versionRange(r Row) string {
	switch {
	case r.MinPG > 0 && r.MaxPG > 0:
		return strconv.Itoa(r.MinPG) + " to " + strconv.Itoa(r.MaxPG)
	case r.MinPG > 0:
		return strconv.Itoa(r.MinPG) + " and later"
	case r.MaxPG > 0:
		return "up to " + strconv.Itoa(r.MaxPG)
	}
	return "every version"
}

// rangeTag renders a row's range for a subtest name: "10-11", "17+", "-11".
func rangeTag(r Row) string {
	switch {
	case r.MinPG > 0 && r.MaxPG > 0:
		return strconv.Itoa(r.MinPG) + "-" + strconv.Itoa(r.MaxPG)
	case r.MinPG > 0:
		return strconv.Itoa(r.MinPG) + "+"
	case r.MaxPG > 0:
		return "-" + strconv.Itoa(r.MaxPG)
	}
	return "any"
}

// roleNames returns the first relation Classify names for each role of a
// row's example.
func roleNames(t *testing.T, r Row, m *schema.Model, pg int) map[Role]string {
	t.Helper()
	out := map[Role]string{}
	for _, e := range Classify(one(t, r.Example), m, pg).Effects {
		if _, ok := out[e.Role]; !ok {
			out[e.Role] = e.Relation
		}
	}
	return out
}

// runInside runs a transactional row's example in a transaction on conn,
// reads the backend's locks and the relfilenodes, rolls back and compares.
func runInside(ctx context.Context, t *testing.T, conn *pgx.Conn, r Row, m *schema.Model, pg int) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	subs, unbound := subjects(ctx, t, conn, r, m, pg)
	before, err := userRelations(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	scansBefore, err := seqScans(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if err := execExample(ctx, conn, r.Example); err != nil {
		t.Fatalf("the example fails inside a transaction block: %v", err)
	}
	held, err := heldLocks(ctx, conn, conn.PgConn().PID())
	if err != nil {
		t.Fatal(err)
	}
	scansAfter, err := seqScans(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	files, err := filesAfter(ctx, conn, subs)
	if err != nil {
		t.Fatal(err)
	}
	after, err := userRelations(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	// A relation given new files without a rewrite (TRUNCATE) is empty.
	var kept []string
	for _, s := range subs {
		if !s.lock.NewFile || files[s.oid].gone {
			continue
		}
		var empty bool
		if err := conn.QueryRow(ctx, "SELECT NOT EXISTS (SELECT FROM ONLY "+quoteRelation(s.name)+")").Scan(&empty); err != nil {
			t.Fatalf("read %s after the statement: %v", s.name, err)
		}
		if !empty {
			kept = append(kept, s.name)
		}
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	checkSubjects(t, subs, held, files)
	checkScans(t, subs, scansBefore, scansAfter)
	for _, name := range kept {
		t.Errorf("%s: the row says it gets new, empty files, but it still has rows", name)
	}
	checkOthers(t, r, subs, unbound, before, after, held)
}

// checkOthers looks at the relations the statement locked beyond the
// row's. A row that names no lock must lock no relation that existed
// before. Otherwise a lock that blocks writes must be on what the table
// leaves out by design: an index, a sequence, a child or partition of a
// relation of the row (recursion) or a relation the statement drops with
// it (CASCADE); weaker ones are only logged. The roles the example has no
// relation for are logged too.
func checkOthers(t *testing.T, r Row, subs []subject, unbound []Role, before, after map[uint32]userRelation, held map[uint32]Mode) {
	for _, role := range unbound {
		t.Logf("no relation plays the role %q in the example: that lock is not checked on the server", role)
	}
	isSubject := func(oid uint32) bool {
		return slices.ContainsFunc(subs, func(s subject) bool { return s.oid == oid })
	}
	// descends reports whether a relation inherits, at any depth, from a
	// relation of the row.
	var descends func(oid uint32, depth int) bool
	descends = func(oid uint32, depth int) bool {
		for _, p := range before[oid].parents {
			if isSubject(p) || depth < 8 && descends(p, depth+1) {
				return true
			}
		}
		return false
	}
	for oid, mode := range held {
		rel, existed := before[oid]
		switch {
		case !existed || isSubject(oid):
		case len(r.Locks) == 0:
			t.Errorf("the row names no lock, but the statement holds %s on %s", mode, rel.name)
		case mode.Dangerous() && !strings.Contains("iIS", rel.kind) && !descends(oid, 0) && after[oid].name != "":
			t.Errorf("the statement holds %s on %s, which the row does not name", mode, rel.name)
		case after[oid].name == "":
			t.Logf("also locked and dropped, left out of the row: %s %s", rel.name, mode)
		default:
			t.Logf("also locked, left out of the row: %s %s", rel.name, mode)
		}
	}
}

// blocker is a lock another session holds, in an open transaction, on the
// relation of a role while a NoTransaction row's statement runs.
type blocker struct {
	role Role
	mode Mode
}

// noTransactionPlans lists, for each NoTransaction row with locks, the
// sessions that make its statement wait, either to get a lock that
// conflicts with theirs (the awaited mode is read) or, holding its locks,
// until they end (the CONCURRENTLY forms wait out older transactions). A
// statement that never waits on them, or holds or awaits other modes
// meanwhile, fails the test.
func noTransactionPlans() map[Kind][]blocker {
	return map[Kind][]blocker{
		// Waits for the writers of the table while it holds its lock.
		KindCreateIndexConcurrently: {{RoleTarget, RowExclusive}},
		// Waits for every session using the table while it holds its locks
		// on the table and the index. Its last step, once no transaction
		// can use the index any more, takes ACCESS EXCLUSIVE on the index;
		// no session can hold a lock on the index alone to make that step
		// wait, so it is not observed.
		KindDropIndexConcurrently: {{RoleTarget, AccessShare}},
		// Waits for the writers of the table while it holds its locks on
		// the table and the index.
		KindReindexConcurrently: {{RoleTarget, RowExclusive}},
		// Waits to get its lock: SHARE UPDATE EXCLUSIVE conflicts with itself.
		KindVacuum: {{RoleTarget, ShareUpdateExclusive}},
		// Waits to get its lock: only ACCESS EXCLUSIVE conflicts with ACCESS
		// SHARE.
		KindVacuumFull: {{RoleTarget, AccessShare}},
		// The first transaction waits for the sessions using the parent; the
		// second waits for its ACCESS EXCLUSIVE lock on the partition.
		KindDetachConcurrently: {{RoleTarget, AccessShare}, {RolePartition, AccessShare}},
	}
}

// runOutside runs a NoTransaction row: it must be refused inside a
// transaction block; outside one, in a clone of its own, its locks are read
// while it waits on the blockers of its plan.
func runOutside(ctx context.Context, t *testing.T, lab *pgLab, r Row, m *schema.Model, plan []blocker) {
	db := lab.clone(ctx, t)
	stmt := lab.connect(ctx, t, db)
	observer := lab.connect(ctx, t, db)

	tx, err := stmt.Begin(ctx)
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	err = execExample(ctx, stmt, r.Example)
	if rbErr := tx.Rollback(ctx); rbErr != nil {
		t.Fatalf("rollback: %v", rbErr)
	}
	if state := sqlState(err); state != "25001" {
		t.Errorf("inside a transaction block the example gives %v (SQLSTATE %q); the row says NoTransaction, PostgreSQL's refusal is 25001", err, state)
	}

	subs, unbound := subjects(ctx, t, observer, r, m, lab.version)
	if len(subs) > 0 && len(plan) == 0 {
		t.Fatalf("no blocker plan for %q: add one to noTransactionPlans", r.Kind)
	}
	type session struct {
		conn     *pgx.Conn
		released bool
	}
	var sessions []*session
	release := func(s *session) {
		if !s.released {
			s.released = true
			if _, err := s.conn.Exec(ctx, "ROLLBACK"); err != nil {
				t.Errorf("release a blocker: %v", err)
			}
		}
	}
	for _, b := range plan {
		i := slices.IndexFunc(subs, func(s subject) bool { return s.lock.Role == b.role })
		if i < 0 {
			t.Fatalf("blocker on role %q: the example has no such relation", b.role)
		}
		c := lab.connect(ctx, t, db)
		exec(ctx, t, c, "BEGIN")
		exec(ctx, t, c, "LOCK TABLE "+quoteRelation(subs[i].name)+" IN "+b.mode.String()+" MODE")
		sessions = append(sessions, &session{conn: c})
	}

	run := start(ctx, stmt, r.Example)
	// stop releases every blocker and waits for the statement, so that no
	// session is in use when the test ends.
	stop := func() error {
		for _, s := range sessions {
			release(s)
		}
		return run.wait(30 * time.Second)
	}
	observed := map[uint32]Mode{}
	waits := 0
	deadline := time.Now().Add(60 * time.Second)
	for {
		if time.Now().After(deadline) {
			_ = stop()
			t.Fatalf("the statement did not get past its blockers in 60 s")
		}
		pids, err := waitBlocked(ctx, observer, run)
		if err != nil {
			_ = stop()
			t.Fatal(err)
		}
		if pids == nil {
			break
		}
		locks, err := heldLocks(ctx, observer, run.pid)
		if err != nil {
			_ = stop()
			t.Fatal(err)
		}
		for oid, mode := range locks {
			observed[oid] = max(observed[oid], mode)
		}
		ours := false
		for _, s := range sessions {
			if !s.released && slices.Contains(pids, s.conn.PgConn().PID()) {
				release(s)
				ours = true
				waits++
			}
		}
		if !ours {
			// Someone else (an autovacuum worker, cancelled once it blocks
			// a lock request) is in the way: wait for it.
			time.Sleep(10 * time.Millisecond)
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("the example fails outside a transaction block: %v", err)
	}
	if len(plan) > 0 && waits == 0 {
		t.Errorf("the statement never waited on the blockers %v: it takes weaker locks than the row says", plan)
	}
	files, err := filesAfter(ctx, observer, subs)
	if err != nil {
		t.Fatal(err)
	}
	checkSubjects(t, subs, observed, files)
	for _, role := range unbound {
		t.Logf("no relation plays the role %q in the example: that lock is not checked on the server", role)
	}
}

// setupFunc prepares a clone of the baseline for a row whose example shows
// its facts only from a state the baseline lacks. names maps the example's
// roles to relations; conn is a session on the clone.
type setupFunc func(ctx context.Context, t *testing.T, lab *pgLab, db string, conn *pgx.Conn, names map[Role]string)

// rowSetups lists the rows that need a prepared clone.
func rowSetups() map[Kind]setupFunc {
	return map[Kind]setupFunc{
		KindSetTablespace:   setupTablespace,
		KindSetAccessMethod: setupAccessMethod,
		KindDetachFinalize:  setupPendingDetach,
	}
}

// setupTablespace moves the target into a tablespace of its own, so that
// the example's SET TABLESPACE pg_default moves it back (in the baseline it
// is a no-op). The tablespace is created in place, inside the data
// directory, which needs a superuser and allow_in_place_tablespaces; it is
// dropped with the clone.
func setupTablespace(ctx context.Context, t *testing.T, lab *pgLab, db string, conn *pgx.Conn, names map[Role]string) {
	t.Helper()
	ts := db + "_ts"
	if _, err := conn.Exec(ctx, "SET allow_in_place_tablespaces = on"); err != nil {
		t.Skipf("cannot create an in-place tablespace to move %s from (%v): SET TABLESPACE not checked", names[RoleTarget], err)
	}
	// CREATE TABLESPACE refuses a transaction block: one statement per call.
	if _, err := conn.Exec(ctx, "CREATE TABLESPACE "+ts+" LOCATION ''"); err != nil {
		t.Skipf("cannot create an in-place tablespace to move %s from (%v): SET TABLESPACE not checked", names[RoleTarget], err)
	}
	t.Cleanup(func() {
		// The clone's files must go before the tablespace can.
		lab.dropDatabase(t, db)
		if _, err := lab.admin.Exec(context.Background(), "DROP TABLESPACE IF EXISTS "+ts); err != nil {
			t.Errorf("drop tablespace %s: %v", ts, err)
		}
	})
	exec(ctx, t, conn, "ALTER TABLE "+quoteRelation(names[RoleTarget])+" SET TABLESPACE "+ts)
}

// setupAccessMethod gives the target another table access method (heap's
// handler under a second name), so that the example's SET ACCESS METHOD heap
// changes it (in the baseline it is a no-op).
func setupAccessMethod(ctx context.Context, t *testing.T, _ *pgLab, _ string, conn *pgx.Conn, names map[Role]string) {
	t.Helper()
	exec(ctx, t, conn, "CREATE ACCESS METHOD heap2 TYPE TABLE HANDLER heap_tableam_handler")
	exec(ctx, t, conn, "ALTER TABLE "+quoteRelation(names[RoleTarget])+" SET ACCESS METHOD heap2")
}

// setupPendingDetach leaves the partition half detached, as an interrupted
// DETACH PARTITION ... CONCURRENTLY does: the detach is cancelled while its
// second transaction waits for a session using the parent.
func setupPendingDetach(ctx context.Context, t *testing.T, lab *pgLab, db string, conn *pgx.Conn, names map[Role]string) {
	t.Helper()
	parent, part := quoteRelation(names[RoleTarget]), quoteRelation(names[RolePartition])
	user := lab.connect(ctx, t, db)
	observer := lab.connect(ctx, t, db)
	exec(ctx, t, user, "BEGIN")
	exec(ctx, t, user, "LOCK TABLE "+parent+" IN ACCESS SHARE MODE")
	run := start(ctx, conn, "ALTER TABLE "+parent+" DETACH PARTITION "+part+" CONCURRENTLY")
	pids, err := waitBlocked(ctx, observer, run)
	if err == nil && pids == nil {
		err = fmt.Errorf("DETACH CONCURRENTLY did not wait for the session using %s: %v", parent, run.err)
	}
	if err == nil {
		_, err = observer.Exec(ctx, "SELECT pg_cancel_backend($1::int)", run.pid)
	}
	if err != nil {
		exec(ctx, t, user, "ROLLBACK")
		_ = run.wait(30 * time.Second)
		t.Fatalf("leave %s detach-pending: %v", part, err)
	}
	if err := run.wait(30 * time.Second); sqlState(err) != "57014" {
		t.Fatalf("cancelled DETACH CONCURRENTLY: %v, want SQLSTATE 57014", err)
	}
	exec(ctx, t, user, "ROLLBACK")
	var pending bool
	if err := observer.QueryRow(ctx, "SELECT inhdetachpending FROM pg_inherits WHERE inhrelid = to_regclass($1)", part).Scan(&pending); err != nil || !pending {
		t.Fatalf("%s is not detach-pending after the cancelled DETACH CONCURRENTLY (%v)", part, err)
	}
}
