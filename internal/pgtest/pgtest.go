// Package pgtest gives tests a scratch PostgreSQL database of their own on
// the server named by PGROLLOUT_TEST_DSN. When no server answers, tests skip
// with a loud message, except under CI=true, where they fail.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultDSN is the server tests use when PGROLLOUT_TEST_DSN is not set.
const DefaultDSN = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// ServerDSN returns the maintenance connection string tests start from.
func ServerDSN() string {
	if dsn := os.Getenv("PGROLLOUT_TEST_DSN"); dsn != "" {
		return dsn
	}
	return DefaultDSN
}

// Server connects to the test server's maintenance database, or skips (fails
// under CI=true) when it does not answer. The connection closes with the test.
func Server(t testing.TB) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, ServerDSN())
	if err != nil {
		unavailable(t, err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// unavailable skips the test loudly, or fails it under CI=true.
func unavailable(t testing.TB, err error) {
	t.Helper()
	msg := fmt.Sprintf("\n*** PostgreSQL at %s is not available: %v\n*** this test needs it; set PGROLLOUT_TEST_DSN or start the server", redact(ServerDSN()), err)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// DB is a scratch database.
type DB struct {
	// Name is the database's name.
	Name string
	// DSN connects to it with the test server's credentials.
	DSN string
}

// NewDB creates a uniquely named empty database and drops it when the test
// ends (terminating any session left on it).
func NewDB(t testing.TB) DB {
	t.Helper()
	return create(t, "")
}

// Copy creates a uniquely named copy of the database (CREATE DATABASE ...
// TEMPLATE), dropped when the test ends. Nothing may be connected to d
// while it is copied.
func (d DB) Copy(t testing.TB) DB {
	t.Helper()
	return create(t, d.Name)
}

// create makes a scratch database, from a template when one is named.
func create(t testing.TB, template string) DB {
	t.Helper()
	admin := Server(t)
	ctx := context.Background()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "pgrollout_test_" + hex.EncodeToString(b[:])
	sql := "CREATE DATABASE " + name
	if template != "" {
		sql += " TEMPLATE " + template
	}
	if _, err := admin.Exec(ctx, sql); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, ServerDSN())
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	dsn, err := withDatabase(ServerDSN(), name)
	if err != nil {
		t.Fatal(err)
	}
	return DB{Name: name, DSN: dsn}
}

// Connect opens a connection to the database, closed with the test.
func (d DB) Connect(t testing.TB) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, d.DSN)
	if err != nil {
		t.Fatalf("connect to %s: %v", d.Name, err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// ServerVersion returns the server's major version (15 for 15.4).
func ServerVersion(t testing.TB, conn *pgx.Conn) int {
	t.Helper()
	var num int
	if err := conn.QueryRow(context.Background(), "SELECT current_setting('server_version_num')::int").Scan(&num); err != nil {
		t.Fatalf("server version: %v", err)
	}
	return num / 10000
}

// withDatabase returns dsn pointing at another database. It accepts URLs and
// key=value strings.
func withDatabase(dsn, db string) (string, error) {
	u, err := url.Parse(dsn)
	if err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + db
		return u.String(), nil
	}
	if _, err := pgx.ParseConfig(dsn); err != nil {
		return "", fmt.Errorf("PGROLLOUT_TEST_DSN: %w", err)
	}
	return dsn + " dbname=" + db, nil
}

// redact hides a password in a URL DSN.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	return dsn
}
