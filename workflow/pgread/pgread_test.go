package pgread

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgrollout/pgrollout/internal/pgtest"
)

func TestRedacted(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"postgres://bob:s3cret@db.example:5432/app?sslmode=require", "postgres://bob@db.example:5432/app?sslmode=require"},
		{"postgresql://bob:s3cret@db/app", "postgresql://bob@db/app"},
		{"postgres://bob@db/app", "postgres://bob@db/app"},
		{"postgres://db/app", "postgres://db/app"},
		{"postgres://:s3cret@db/app", "postgres://@db/app"},
		{"postgres://bob:p%40ss@db/app", "postgres://bob@db/app"},
		{"postgres://bob:p@ss@db/app", "postgres://bob@db/app"},                      // unescaped '@': the last one ends the user info
		{"postgres://bob:pa/ss@db/app", "postgres://bob@db/app"},                     // unescaped '/': ambiguous, cut to the '@'
		{"postgres://bob@h1:5432,h2:5433/d@b", "postgres://bob@h1:5432,h2:5433/d@b"}, // '@' in the database name
		{"postgres://bob@db/app?password=s3cret&sslmode=disable", "postgres://bob@db/app?sslmode=disable"},
		{"postgres://db/app?sslmode=disable&password=s3cret", "postgres://db/app?sslmode=disable"},
		{"postgres://db/app?sslpassword=keypw&pass%77ord=s3cret&application_name=x", "postgres://db/app?application_name=x"},
		{"host=db user=bob password=s3cret dbname=app", "host=db user=bob dbname=app"},
		{"host=db password = 's3 cr\\'et' dbname=app", "host=db dbname=app"},
		{"password=s3cret", ""},
		{"host=db PASSWORD=s3cret sslpassword=k", "host=db"},
		{"host=db dbname='my app'", "host=db dbname='my app'"},
		{"host=db password='unterminated", "host=db "},
		{"not a dsn password=s3cret", "not a dsn "},
	}
	for _, c := range cases {
		if got := Redacted(c.in); got != c.want {
			t.Errorf("Redacted(%q) = %q, want %q", c.in, got, c.want)
		}
		for _, pw := range []string{"s3cret", "s3 cr", "keypw", "p@ss", "pa/ss"} {
			if strings.Contains(Redacted(c.in), pw) {
				t.Errorf("Redacted(%q) = %q still holds %q", c.in, Redacted(c.in), pw)
			}
		}
	}
}

func TestPasswords(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"postgres://bob:p%40ss@db/app", []string{"p%40ss", "p@ss"}},
		{"postgres://db/app?password=a%20b", []string{"a%20b", "a b"}},
		{"host=db password='x\\'y'", []string{"x'y"}},
		{"host=db", nil},
	}
	for _, c := range cases {
		got := passwords(c.in)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("passwords(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	err := scrub(errors.New("auth failed for p@ss and p%40ss"), passwords("postgres://bob:p%40ss@db/app"), []string{"bob", "db", "app"})
	if strings.Contains(err.Error(), "p@ss") || strings.Contains(err.Error(), "p%40ss") {
		t.Errorf("scrubbed error still holds the password: %v", err)
	}
}

// TestErrorsHideThePassword connects where nothing listens, and with a
// connection string that does not parse: neither error may show the password.
func TestErrorsHideThePassword(t *testing.T) {
	ctx := context.Background()
	for _, dsn := range []string{
		"postgres://bob:Sup3rSecretPw@127.0.0.1:1/app?sslmode=disable&connect_timeout=2",
		"host=127.0.0.1 port=1 user=bob password=Sup3rSecretPw sslmode=disable connect_timeout=2",
		"postgres://bob:Sup3rSecretPw@127.0.0.1:notaport/app",
		"host=127.0.0.1 password=Sup3rSecretPw port=notaport",
		"host=127.0.0.1 password='Sup3rSecretPw",
	} {
		_, err := Open(ctx, dsn)
		if err == nil {
			t.Fatalf("Open(%s) succeeded", Redacted(dsn))
		}
		if strings.Contains(err.Error(), "Sup3rSecretPw") {
			t.Errorf("error shows the password: %v", err)
		}
		t.Logf("%s -> %v", Redacted(dsn), err)
	}
}

// TestErrorsDoNotTellAPublicPassword: a password equal to (or part of) the
// user, host, port or database must not show through the masking; the
// error reads the same as with an unrelated password. (A password that is
// a word of the message itself, "user" say, is still masked there.)
func TestErrorsDoNotTellAPublicPassword(t *testing.T) {
	ctx := context.Background()
	open := func(dsn string) string {
		t.Helper()
		_, err := Open(ctx, dsn)
		if err == nil {
			t.Fatalf("Open(%s) succeeded", Redacted(dsn))
		}
		return err.Error()
	}
	cases := []struct{ name, url, kv string }{
		{"connect", "postgres://appuser:%s@127.0.0.1:1/appdb?sslmode=disable&connect_timeout=2",
			"host=127.0.0.1 port=1 user=appuser dbname=appdb sslmode=disable connect_timeout=2 password=%s"},
		{"parse", "postgres://appuser:%s@127.0.0.1:notaport/appdb",
			"host=127.0.0.1 user=appuser dbname=appdb port=notaport password=%s"},
	}
	for _, c := range cases {
		for _, form := range []string{c.url, c.kv} {
			want := open(fmt.Sprintf(form, "Unrelated9"))
			for _, pw := range []string{"appuser", "app", "appdb", "127.0.0.1", "1", "notaport"} {
				if got := open(fmt.Sprintf(form, pw)); got != want {
					t.Errorf("%s, password %q:\n got %s\nwant %s", c.name, pw, got, want)
				}
			}
		}
	}
}

func TestPassfileAndServiceAreRead(t *testing.T) {
	dir := t.TempDir()
	pass := filepath.Join(dir, "pgpass")
	if err := os.WriteFile(pass, []byte("dbhost:6543:appdb:bob:FromPassfile\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	svc := filepath.Join(dir, "pg_service.conf")
	if err := os.WriteFile(svc, []byte("[audit]\nhost=dbhost\nport=6543\ndbname=appdb\nuser=bob\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD", "PGSSLMODE", "PGOPTIONS", "PGAPPNAME"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("PGPASSFILE", pass)
	t.Setenv("PGSERVICEFILE", svc)
	t.Setenv("PGSERVICE", "audit")
	cfg, err := pgx.ParseConfig("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "dbhost" || cfg.Port != 6543 || cfg.Database != "appdb" || cfg.User != "bob" {
		t.Errorf("PGSERVICE not applied: %s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
	}
	if cfg.Password != "FromPassfile" {
		t.Errorf("PGPASSFILE not read: password %q", cfg.Password)
	}
}

// open connects with the read-only settings to a fresh database holding one
// table, t(id int).
func open(t *testing.T, opts ...Option) (*Conn, pgtest.DB) {
	t.Helper()
	db := pgtest.NewDB(t)
	admin := db.Connect(t)
	if _, err := admin.Exec(context.Background(), "CREATE TABLE t (id int)"); err != nil {
		t.Fatal(err)
	}
	c, err := Open(context.Background(), db.DSN, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c, db
}

func TestWritesFail(t *testing.T) {
	c, _ := open(t)
	ctx := context.Background()
	sibling, err := c.Sibling(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sibling.Close(ctx)
	// Each way a read-only transaction begins: on the first session, on a
	// sibling, and on a sibling in a snapshot the first one exported.
	begins := []struct {
		name string
		run  func(fn func(pgx.Tx) error) error
	}{
		{"ReadOnly", func(fn func(pgx.Tx) error) error { return c.ReadOnly(ctx, fn) }},
		{"Sibling.ReadOnly", func(fn func(pgx.Tx) error) error { return sibling.ReadOnly(ctx, fn) }},
		{"Sibling.ReadOnlyIn", func(fn func(pgx.Tx) error) error {
			return c.ReadOnly(ctx, func(tx pgx.Tx) error {
				var id string
				if err := tx.QueryRow(ctx, ExportSnapshotSQL).Scan(&id); err != nil {
					t.Fatalf("export: %v", err)
				}
				return sibling.ReadOnlyIn(ctx, id, fn)
			})
		}},
	}
	for _, b := range begins {
		for _, sql := range []string{
			"INSERT INTO public.t VALUES (1)",
			"CREATE TABLE public.u (id int)",
			"SET default_transaction_read_only = off; INSERT INTO public.t VALUES (1)",
			"SET transaction_read_only = off",
			"SELECT pg_catalog.nextval('x')",
			"CREATE TEMP TABLE tmp (id int)",
		} {
			err := b.run(func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, sql)
				return err
			})
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) {
				t.Errorf("%s: %s: got %v, want a server error", b.name, sql, err)
				continue
			}
			want := map[string]string{
				"SET transaction_read_only = off": "25001", // must be set before any query: BEGIN ran one
				"SELECT pg_catalog.nextval('x')":  "42P01", // no such sequence, but never a write either
			}[sql]
			if want == "" {
				want = "25006" // read_only_sql_transaction
			}
			if pgErr.Code != want {
				t.Errorf("%s: %s: got %s %s, want %s", b.name, sql, pgErr.Code, pgErr.Message, want)
			}
		}
	}
	// Outside BEGIN READ ONLY the session default holds too.
	for _, s := range []*Conn{c, sibling} {
		if _, err := s.conn.Exec(ctx, "INSERT INTO public.t VALUES (1)"); err == nil || !strings.Contains(err.Error(), "read-only") {
			t.Errorf("INSERT outside a transaction: %v, want a read-only error", err)
		}
	}
	var n int
	if err := c.ReadOnly(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, "SELECT count(*) FROM public.t").Scan(&n)
	}); err != nil || n != 0 {
		t.Errorf("count after failed writes: %d, %v", n, err)
	}
}

func TestSessionSettings(t *testing.T) {
	c, _ := open(t, WithStatementTimeout(12*time.Second), WithLockTimeout(1500*time.Millisecond))
	ctx := context.Background()
	want := map[string]string{
		"application_name":                    "pgrollout",
		"default_transaction_read_only":       "on",
		"transaction_read_only":               "on",
		"transaction_isolation":               "repeatable read",
		"statement_timeout":                   "12s",
		"lock_timeout":                        "1500ms",
		"idle_in_transaction_session_timeout": "1min",
		"search_path":                         "pg_catalog",
		"TimeZone":                            "UTC",
	}
	err := c.ReadOnly(ctx, func(tx pgx.Tx) error {
		for name, w := range want {
			var got string
			if err := tx.QueryRow(ctx, "SHOW "+name).Scan(&got); err != nil {
				return err
			}
			if got != w {
				t.Errorf("SHOW %s = %q, want %q", name, got, w)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	before := c.Queries()
	_ = c.ReadOnly(ctx, func(tx pgx.Tx) error { _, err := tx.Exec(ctx, "SELECT 1"); return err })
	if got := c.Queries() - before; got != 3 {
		t.Errorf("BEGIN, SELECT, ROLLBACK counted as %d queries, want 3", got)
	}
	if !strings.Contains(c.Target(), "@127.0.0.1:") && !strings.Contains(c.Target(), "@localhost:") {
		t.Logf("target %s", c.Target())
	}
}

// TestEnvironment connects with dsn "" from PGHOST, PGPORT, PGUSER,
// PGDATABASE (and PGPASSWORD, PGSSLMODE when the test server has them).
func TestEnvironment(t *testing.T) {
	db := pgtest.NewDB(t)
	cfg, err := pgx.ParseConfig(db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PGHOST", cfg.Host)
	t.Setenv("PGPORT", fmt.Sprint(cfg.Port))
	t.Setenv("PGUSER", cfg.User)
	t.Setenv("PGDATABASE", cfg.Database)
	t.Setenv("PGPASSWORD", cfg.Password)
	if cfg.TLSConfig == nil {
		t.Setenv("PGSSLMODE", "disable")
	}
	t.Setenv("PGSERVICE", "")
	c, err := Open(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	var name string
	if err := c.ReadOnly(context.Background(), func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), "SELECT current_database()").Scan(&name)
	}); err != nil {
		t.Fatal(err)
	}
	if name != db.Name {
		t.Errorf("connected to %s, want %s", name, db.Name)
	}
	if c.DSN() != "" || !strings.HasSuffix(c.Target(), "/"+db.Name) {
		t.Errorf("DSN %q, target %q", c.DSN(), c.Target())
	}
}

// TestFailedStatementKeepsConnection checks that an error inside ReadOnly
// leaves the connection usable for the next transaction.
func TestFailedStatementKeepsConnection(t *testing.T) {
	c, _ := open(t)
	ctx := context.Background()
	err := c.ReadOnly(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "SELECT * FROM no_such_table")
		return err
	})
	if err == nil {
		t.Fatal("want an error")
	}
	if err := c.ReadOnly(ctx, func(tx pgx.Tx) error { _, err := tx.Exec(ctx, "SELECT 1"); return err }); err != nil {
		t.Fatal(err)
	}
}

// TestDSNCannotOverrideSafety gives settings in upper case in the DSN: the
// server treats names case-insensitively, so ours must win every time.
func TestDSNCannotOverrideSafety(t *testing.T) {
	db := pgtest.NewDB(t)
	dsn := db.DSN + "&LOCK_TIMEOUT=0&STATEMENT_TIMEOUT=0&DEFAULT_TRANSACTION_READ_ONLY=off&Application_Name=other"
	for range 8 { // map order decided the winner before: try several times
		c, err := Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		err = c.ReadOnly(context.Background(), func(tx pgx.Tx) error {
			for name, want := range map[string]string{"lock_timeout": "2s", "statement_timeout": "30s",
				"default_transaction_read_only": "on", "application_name": "pgrollout"} {
				var got string
				if err := tx.QueryRow(context.Background(), "SHOW "+name).Scan(&got); err != nil {
					return err
				}
				if got != want {
					t.Errorf("SHOW %s = %q, want %q", name, got, want)
				}
			}
			return nil
		})
		_ = c.Close(context.Background())
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestSiblingReadsTheExportedSnapshot: a sibling's transaction begun in the
// first session's exported snapshot does not see what was committed after
// it, while one of its own does; its statements count in the first
// session's Queries.
func TestSiblingReadsTheExportedSnapshot(t *testing.T) {
	c, db := open(t)
	admin := db.Connect(t)
	ctx := context.Background()
	sibling, err := c.Sibling(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sibling.Close(ctx)
	count := func(tx pgx.Tx) (n int) {
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM pg_class WHERE relname = 'later'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := c.Queries()
	var inSnapshot, own int
	err = c.ReadOnly(ctx, func(tx pgx.Tx) error {
		var id string
		if err := tx.QueryRow(ctx, ExportSnapshotSQL).Scan(&id); err != nil {
			return err
		}
		if _, err := admin.Exec(ctx, "CREATE TABLE public.later (id int)"); err != nil {
			return err
		}
		if err := sibling.ReadOnlyIn(ctx, id, func(tx pgx.Tx) error { inSnapshot = count(tx); return nil }); err != nil {
			return err
		}
		return sibling.ReadOnly(ctx, func(tx pgx.Tx) error { own = count(tx); return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	if inSnapshot != 0 || own != 1 {
		t.Errorf("table created after the export: seen %d times in the exported snapshot (want 0), %d in a new one (want 1)", inSnapshot, own)
	}
	// BEGIN; SELECT export; ROLLBACK on c, and BEGIN; SELECT; ROLLBACK
	// twice on the sibling.
	if got := c.Queries() - before; got != 9 {
		t.Errorf("queries counted on the first session: %d, want 9 (the sibling's included)", got)
	}
	for _, id := range []string{"", "x'; DROP TABLE t; --", "00000003-0000001B-1 "} {
		if err := sibling.ReadOnlyIn(ctx, id, func(pgx.Tx) error { return nil }); err == nil || !strings.Contains(err.Error(), "not a snapshot identifier") {
			t.Errorf("ReadOnlyIn(%q): %v, want it refused", id, err)
		}
	}
	// A snapshot no session holds: the server refuses the import, and the
	// session is left out of the failed transaction, ready for the next.
	called := false
	err = sibling.ReadOnlyIn(ctx, "00000003-0000001B-1", func(pgx.Tx) error { called = true; return nil })
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || called {
		t.Errorf("import of a snapshot nobody exported: %v (fn called: %v), want a server error", err, called)
	}
	if err := sibling.ReadOnly(ctx, func(tx pgx.Tx) error { own = count(tx); return nil }); err != nil || own != 1 {
		t.Errorf("after a refused import: %v, %d tables named later", err, own)
	}
}
