package pgtest

import (
	"context"
	"strings"
	"testing"
)

func TestNewDB(t *testing.T) {
	db := NewDB(t)
	conn := db.Connect(t)
	var name string
	if err := conn.QueryRow(context.Background(), "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if name != db.Name {
		t.Fatalf("connected to %s, want %s", name, db.Name)
	}
	if v := ServerVersion(t, conn); v < 13 {
		t.Fatalf("server version %d", v)
	}
}

func TestWithDatabase(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"postgres://u@h:5432/postgres?sslmode=disable", "postgres://u@h:5432/x?sslmode=disable"},
		{"host=h user=u", "host=h user=u dbname=x"},
	} {
		got, err := withDatabase(c.in, "x")
		if err != nil || got != c.want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if got := redact("postgres://u:secret@h/db"); got != "postgres://u:xxxxx@h/db" {
		t.Errorf("redact = %q", got)
	}
}

func TestCatalog(t *testing.T) {
	db := NewDB(t)
	conn := db.Connect(t)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, `CREATE TYPE s AS ENUM ('a', 'b');
CREATE TABLE t (id bigint PRIMARY KEY, v s NOT NULL DEFAULT 'a', n int CHECK (n > 0));
CREATE INDEX t_n_idx ON t (n) WHERE n > 1;`); err != nil {
		t.Fatal(err)
	}
	before := strings.Join(Catalog(t, conn), "\n")
	for _, want := range []string{
		"column public.t.v s NOT NULL DEFAULT 'a'::s",
		"constraint public.t.t_n_check CHECK ((n > 0))",
		"index public.t_n_idx CREATE INDEX t_n_idx ON public.t USING btree (n) WHERE (n > 1)",
		"type public.s enum (a, b)",
	} {
		if !strings.Contains(before, want) {
			t.Errorf("catalog lacks %q:\n%s", want, before)
		}
	}
	if _, err := conn.Exec(ctx, "ALTER TABLE t ADD CONSTRAINT t_id_check CHECK (id > 0) NOT VALID"); err != nil {
		t.Fatal(err)
	}
	if after := strings.Join(Catalog(t, conn), "\n"); !strings.Contains(after, "t_id_check CHECK ((id > 0)) NOT VALID (not validated)") {
		t.Errorf("catalog does not show the NOT VALID constraint:\n%s", after)
	}
}
