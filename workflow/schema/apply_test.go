package schema

import (
	"errors"
	"strings"
	"testing"
)

const baseSchema = `
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL);
CREATE TABLE orders (
  id bigint PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers ON DELETE CASCADE,
  status varchar(16) DEFAULT 'new'
);
CREATE INDEX orders_status_idx ON orders (status);
`

func TestApply(t *testing.T) {
	base := lines(
		"table customers",
		"  id bigint not null",
		"  email text not null",
		"  pk customers_pkey (id)",
		"table orders",
		"  id bigint not null",
		"  customer_id bigint not null",
		"  status varchar(16) default 'new'",
		"  pk orders_pkey (id)",
		"  fk orders_customer_id_fkey (customer_id) -> customers (id) on delete cascade",
		"index orders_status_idx on orders btree (status)",
	)
	tests := []applyCase{
		// CREATE TABLE
		{
			name:  "create table with column and table constraints",
			setup: "CREATE SCHEMA app; CREATE TABLE app.customers (id bigint PRIMARY KEY)",
			stmt: `CREATE TABLE app.orders (
				id bigint GENERATED ALWAYS AS IDENTITY,
				customer_id bigint REFERENCES app.customers,
				ref varchar(64) NOT NULL UNIQUE,
				total numeric(12,2) CHECK (total >= 0),
				created_at timestamp with time zone NOT NULL DEFAULT now(),
				CONSTRAINT orders_pk PRIMARY KEY (id),
				UNIQUE (customer_id, ref),
				CHECK (total < 1000000 OR customer_id IS NULL))`,
			want: lines(
				"schema app",
				"table app.customers",
				"  id bigint not null",
				"  pk customers_pkey (id)",
				"table app.orders",
				"  id bigint not null identity always",
				"  customer_id bigint",
				"  ref varchar(64) not null",
				"  total numeric(12,2)",
				"  created_at timestamptz not null default now()",
				"  pk orders_pk (id)",
				"  unique orders_ref_key (ref)",
				"  unique orders_customer_id_ref_key (customer_id, ref)",
				"  fk orders_customer_id_fkey (customer_id) -> app.customers (id) on delete no action",
				"  check orders_total_check: total >= 0",
				"  check orders_check: total < 1000000 OR customer_id IS NULL",
			),
		},
		{
			name: "create table: duplicate column",
			stmt: "CREATE TABLE t (a int, b int, a text)",
			err:  `column "a" specified more than once`,
		},
		{
			name: "create table: already exists",
			stmt: "CREATE TABLE public.orders (id int)",
			err:  `relation "public.orders" already exists`,
		},
		{
			name: "create table if not exists: no change",
			stmt: "CREATE TABLE IF NOT EXISTS orders (id int)",
			want: base,
		},
		{
			name:  "create table: default name avoids a taken one",
			setup: "CREATE TABLE t_a_key (x int)",
			stmt:  "CREATE TABLE t (a int UNIQUE, b int REFERENCES elsewhere.u (id))",
			want: lines(
				"table t_a_key",
				"  x integer",
				"table t",
				"  a integer",
				"  b integer",
				"  unique t_a_key1 (a)",
				"  fk t_b_fkey (b) -> elsewhere.u (id) on delete no action",
			),
		},
		{
			name:  "create table: reference to a table without primary key",
			setup: "CREATE TABLE p (id int)",
			stmt:  "CREATE TABLE c (p_id int REFERENCES p)",
			err:   `there is no primary key for referenced table "p"`,
		},
		{
			name: "create table: foreign key to an unknown column",
			stmt: "CREATE TABLE c (x bigint REFERENCES customers (nope))",
			err:  `column "nope" referenced in foreign key constraint does not exist`,
		},
		// ALTER TABLE ADD / DROP COLUMN
		{
			name: "add column with not null and default",
			stmt: "ALTER TABLE orders ADD COLUMN paid_at timestamptz NOT NULL DEFAULT now(), ADD note text",
			want: strings.Replace(base, "  pk orders_pkey", "  paid_at timestamptz not null default now()\n  note text\n  pk orders_pkey", 1),
		},
		{
			name: "add column: already exists",
			stmt: "ALTER TABLE orders ADD COLUMN status text",
			err:  `column "status" of relation "orders" already exists`,
		},
		{
			name: "add column if not exists: no change",
			stmt: "ALTER TABLE orders ADD COLUMN IF NOT EXISTS status text",
			want: base,
		},
		{
			name: "alter table: unknown table",
			stmt: "ALTER TABLE nope ADD COLUMN x int",
			err:  `relation "nope" does not exist`,
		},
		{
			name: "alter table if exists: unknown table is no change",
			stmt: "ALTER TABLE IF EXISTS nope ADD COLUMN x int",
			want: base,
		},
		{
			name: "drop column takes its indexes along",
			stmt: "ALTER TABLE orders DROP COLUMN status",
			want: strings.Replace(strings.Replace(base, "  status varchar(16) default 'new'\n", "", 1),
				"index orders_status_idx on orders btree (status)\n", "", 1),
		},
		{
			name: "drop column referenced by another table",
			stmt: "ALTER TABLE customers DROP COLUMN id",
			err:  "cannot drop column id of table customers because constraint orders_customer_id_fkey on table orders depends on it",
		},
		{
			name: "drop column cascade drops the reference",
			stmt: "ALTER TABLE customers DROP COLUMN id CASCADE",
			want: strings.Replace(strings.Replace(base, "  id bigint not null\n  email text not null\n  pk customers_pkey (id)\n", "  email text not null\n", 1),
				"  fk orders_customer_id_fkey (customer_id) -> customers (id) on delete cascade\n", "", 1),
		},
		{
			name: "drop column: unknown column",
			stmt: "ALTER TABLE orders DROP COLUMN nope",
			err:  `column "nope" of relation "orders" does not exist`,
		},
		{
			name: "drop column if exists: no change",
			stmt: "ALTER TABLE orders DROP COLUMN IF EXISTS nope",
			want: base,
		},
		// ADD / DROP / VALIDATE CONSTRAINT
		{
			name: "add foreign key not valid, check and unique",
			stmt: `ALTER TABLE orders
				ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID,
				ADD CONSTRAINT status_known CHECK (status IN ('new', 'paid')) NOT VALID,
				ADD UNIQUE (customer_id, status)`,
			want: strings.Replace(strings.Replace(base, "  pk orders_pkey (id)\n", "  pk orders_pkey (id)\n  unique orders_customer_id_status_key (customer_id, status)\n", 1),
				"on delete cascade\n", "on delete cascade\n"+
					"  fk orders_customer_fk (customer_id) -> customers (id) on delete no action not valid\n"+
					"  check status_known: status IN ('new', 'paid') not valid\n", 1),
		},
		{
			name:  "validate constraint",
			setup: baseSchema + "ALTER TABLE orders ADD CONSTRAINT c CHECK (id > 0) NOT VALID",
			stmt:  "ALTER TABLE orders VALIDATE CONSTRAINT c",
			want:  strings.Replace(base, "on delete cascade\n", "on delete cascade\n  check c: id > 0\n", 1),
		},
		{
			name: "validate constraint: unknown",
			stmt: "ALTER TABLE orders VALIDATE CONSTRAINT nope",
			err:  `constraint "nope" of relation "orders" does not exist`,
		},
		{
			name:  "unique using index takes the index over",
			setup: baseSchema + "CREATE UNIQUE INDEX CONCURRENTLY customers_email_idx ON customers (email)",
			stmt:  "ALTER TABLE customers ADD CONSTRAINT customers_email_key UNIQUE USING INDEX customers_email_idx",
			want:  strings.Replace(base, "  pk customers_pkey (id)\n", "  pk customers_pkey (id)\n  unique customers_email_key (email) using index customers_email_idx\n", 1),
		},
		{
			name:  "unique using a partial index",
			setup: baseSchema + "CREATE UNIQUE INDEX e_idx ON customers (email) WHERE email <> ''",
			stmt:  "ALTER TABLE customers ADD CONSTRAINT e_key UNIQUE USING INDEX e_idx",
			err:   `"e_idx" is a partial index`,
		},
		{
			name: "unique using a non-unique index",
			stmt: "ALTER TABLE orders ADD CONSTRAINT s_key UNIQUE USING INDEX orders_status_idx",
			err:  `"orders_status_idx" is not a unique index`,
		},
		{
			name: "second primary key",
			stmt: "ALTER TABLE orders ADD PRIMARY KEY (customer_id)",
			err:  `multiple primary keys for table "orders" are not allowed`,
		},
		{
			name: "constraint on an unknown column",
			stmt: "ALTER TABLE orders ADD UNIQUE (nope)",
			err:  `column "nope" of relation "orders" does not exist`,
		},
		{
			name: "drop constraint",
			stmt: "ALTER TABLE orders DROP CONSTRAINT orders_customer_id_fkey",
			want: strings.Replace(base, "  fk orders_customer_id_fkey (customer_id) -> customers (id) on delete cascade\n", "", 1),
		},
		{
			name: "drop constraint: unknown",
			stmt: "ALTER TABLE orders DROP CONSTRAINT nope",
			err:  `constraint "nope" of relation "orders" does not exist`,
		},
		{
			name: "drop constraint if exists: no change",
			stmt: "ALTER TABLE orders DROP CONSTRAINT IF EXISTS nope",
			want: base,
		},
		{
			name: "drop a primary key other tables reference",
			stmt: "ALTER TABLE customers DROP CONSTRAINT customers_pkey",
			err:  "cannot drop constraint customers_pkey on table customers because constraint orders_customer_id_fkey on table orders depends on it",
		},
		// ALTER COLUMN
		{
			name: "set not null, set default, type",
			stmt: "ALTER TABLE orders ALTER COLUMN status SET NOT NULL, ALTER COLUMN status SET DEFAULT 'open', ALTER COLUMN status TYPE text",
			want: strings.Replace(base, "  status varchar(16) default 'new'", "  status text not null default 'open'", 1),
		},
		{
			name: "drop not null, drop default",
			stmt: "ALTER TABLE orders ALTER customer_id DROP NOT NULL, ALTER status DROP DEFAULT",
			want: strings.Replace(strings.Replace(base, "  customer_id bigint not null", "  customer_id bigint", 1),
				"  status varchar(16) default 'new'", "  status varchar(16)", 1),
		},
		{
			name: "drop not null on a primary key column",
			stmt: "ALTER TABLE orders ALTER COLUMN id DROP NOT NULL",
			err:  `column "id" is in a primary key`,
		},
		{
			name: "alter an unknown column",
			stmt: "ALTER TABLE orders ALTER COLUMN nope TYPE text",
			err:  `column "nope" of relation "orders" does not exist`,
		},
		{
			name: "a failing action leaves the earlier ones undone",
			stmt: "ALTER TABLE orders ALTER COLUMN status SET NOT NULL, ALTER COLUMN nope SET NOT NULL",
			err:  `column "nope" of relation "orders" does not exist`,
		},
		// CREATE INDEX
		{
			name: "create unique index concurrently, partial, expression, default name",
			stmt: "CREATE UNIQUE INDEX CONCURRENTLY ON customers (lower(email), id DESC NULLS LAST) INCLUDE (email) WHERE email <> ''",
			want: base + "unique index customers_lower_id_email_idx on customers btree ((lower(email)), id DESC NULLS LAST) INCLUDE (email) WHERE (email <> '')\n",
		},
		{
			name: "create index with a method",
			stmt: "CREATE INDEX orders_status_trgm ON orders USING gin (status gin_trgm_ops)",
			want: base + "index orders_status_trgm on orders gin (status gin_trgm_ops)\n",
		},
		{
			name: "create index: unknown column",
			stmt: "CREATE INDEX ON orders (nope)",
			err:  `column "nope" of relation "orders" does not exist`,
		},
		{
			name: "create index: name taken",
			stmt: "CREATE INDEX orders_pkey ON orders (status)",
			err:  `relation "orders_pkey" already exists`,
		},
		{
			name: "create index if not exists: no change",
			stmt: "CREATE INDEX IF NOT EXISTS orders_status_idx ON orders (customer_id)",
			want: base,
		},
		{
			name: "create index: unknown table",
			stmt: "CREATE INDEX ON nope (a)",
			err:  `relation "nope" does not exist`,
		},
		// DROP TABLE / INDEX
		{
			name: "drop table with its indexes",
			stmt: "DROP TABLE orders",
			want: lines("table customers", "  id bigint not null", "  email text not null", "  pk customers_pkey (id)"),
		},
		{
			name: "drop a referenced table",
			stmt: "DROP TABLE customers",
			err:  "cannot drop table customers because constraint orders_customer_id_fkey on table orders depends on it",
		},
		{
			name: "drop referenced and referencing tables together",
			stmt: "DROP TABLE customers, orders",
			want: "",
		},
		{
			name: "drop a referenced table cascade",
			stmt: "DROP TABLE customers CASCADE",
			want: lines("table orders", "  id bigint not null", "  customer_id bigint not null",
				"  status varchar(16) default 'new'", "  pk orders_pkey (id)", "index orders_status_idx on orders btree (status)"),
		},
		{
			name: "drop table if exists: no change",
			stmt: "DROP TABLE IF EXISTS nope",
			want: base,
		},
		{
			name: "drop index",
			stmt: "DROP INDEX CONCURRENTLY orders_status_idx",
			want: strings.Replace(base, "index orders_status_idx on orders btree (status)\n", "", 1),
		},
		{
			name: "drop the index of a constraint",
			stmt: "DROP INDEX orders_pkey",
			err:  "cannot drop index orders_pkey because constraint orders_pkey on table orders requires it",
		},
		{
			name: "drop index: unknown",
			stmt: "DROP INDEX nope",
			err:  `index "nope" does not exist`,
		},
		// RENAME
		{
			name: "rename table follows references and indexes",
			stmt: "ALTER TABLE customers RENAME TO clients",
			want: strings.Replace(strings.Replace(base, "table customers", "table clients", 1), "-> customers", "-> clients", 1),
		},
		{
			name: "rename table onto an existing name",
			stmt: "ALTER TABLE customers RENAME TO orders",
			err:  `relation "orders" already exists`,
		},
		{
			name: "rename column follows keys and indexes",
			stmt: "ALTER TABLE orders RENAME COLUMN status TO state",
			want: strings.Replace(strings.Replace(base, "  status varchar", "  state varchar", 1), "btree (status)", "btree (state)", 1),
		},
		{
			name: "rename referenced column",
			stmt: "ALTER TABLE customers RENAME COLUMN id TO customer_id",
			want: strings.Replace(strings.Replace(strings.Replace(base, "  id bigint not null\n  email", "  customer_id bigint not null\n  email", 1),
				"customers_pkey (id)", "customers_pkey (customer_id)", 1), "-> customers (id)", "-> customers (customer_id)", 1),
		},
		{
			name: "rename column onto an existing one",
			stmt: "ALTER TABLE orders RENAME COLUMN status TO id",
			err:  `column "id" of relation "orders" already exists`,
		},
		{
			name: "rename index and constraint",
			stmt: "ALTER INDEX orders_status_idx RENAME TO orders_state_idx; ALTER TABLE orders RENAME CONSTRAINT orders_customer_id_fkey TO orders_customer_fk",
			want: strings.Replace(strings.Replace(base, "orders_status_idx", "orders_state_idx", 1), "orders_customer_id_fkey", "orders_customer_fk", 1),
		},
		// ENUM
		{
			name: "create enum and add values",
			stmt: "CREATE TYPE app.status AS ENUM ('new', 'paid'); ALTER TYPE app.status ADD VALUE 'open' BEFORE 'paid'; ALTER TYPE app.status ADD VALUE IF NOT EXISTS 'new'",
			want: "enum app.status: new, open, paid\n" + base,
		},
		{
			name:  "create enum: already exists",
			setup: "CREATE TYPE status AS ENUM ('a')",
			stmt:  "CREATE TYPE public.status AS ENUM ('b')",
			err:   `type "public.status" already exists`,
		},
		{
			name:  "add an existing enum value",
			setup: "CREATE TYPE status AS ENUM ('a')",
			stmt:  "ALTER TYPE status ADD VALUE 'a'",
			err:   `enum label "a" already exists`,
		},
		// Statements the model does not track.
		{
			name: "DML and transaction control are ignored",
			stmt: "BEGIN; UPDATE orders SET status = 'x'; DELETE FROM nope; SET lock_timeout = '3s'; COMMIT",
			want: base,
		},
	}
	checkApply(t, baseSchema, tests)
}

// applyCase is a statement replayed onto a model and the model it leaves.
type applyCase struct {
	name  string
	setup string // applied first; the test's default setup when empty
	stmt  string
	want  string // dump after the statement; ignored when err is set
	err   string // substring of the expected error
}

// checkApply runs the cases: a failing statement must return an
// *ApplyError and leave the model as it was.
func checkApply(t *testing.T, defaultSetup string, tests []applyCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setup := tt.setup
			if setup == "" {
				setup = defaultSetup
			}
			m := mustBuild(t, setup)
			before := dump(m)
			stmts, err := Split("change.sql", tt.stmt)
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range stmts {
				if err = m.Apply(st); err != nil {
					break
				}
			}
			if tt.err != "" {
				var ae *ApplyError
				if !errors.As(err, &ae) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want an *ApplyError with %q", err, tt.err)
				}
				if got := dump(m); got != before {
					t.Errorf("a failed statement changed the model:\n%s\nwant\n%s", got, before)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got := dump(m); got != tt.want {
				t.Errorf("model after %q:\n%s\nwant:\n%s", tt.stmt, got, tt.want)
			}
		})
	}
}

func TestApplyErrorPosition(t *testing.T) {
	stmts, err := Split("001.sql", "CREATE TABLE a (id int);\n\n  ALTER TABLE b ADD COLUMN x int;")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Build(stmts)
	want := `001.sql:3:3: ALTER TABLE: relation "b" does not exist`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

func TestApplyKeepsPointers(t *testing.T) {
	m := mustBuild(t, baseSchema)
	orders := m.Table("orders")
	stmts, err := Split("x.sql", "ALTER TABLE orders ADD COLUMN note text")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(stmts[0]); err != nil {
		t.Fatal(err)
	}
	if orders.Column("note") == nil {
		t.Error("a table pointer taken before Apply does not see the new column")
	}
}

func TestLookups(t *testing.T) {
	m := mustBuild(t, baseSchema+"CREATE SCHEMA app; CREATE TABLE app.orders (id int); CREATE TYPE app.s AS ENUM ('a')")
	tests := []struct {
		name string
		got  any
		want string
	}{
		{"unqualified is public", m.Table("public.orders").QualifiedName(), "orders"},
		{"other schema", m.Table("app.orders").QualifiedName(), "app.orders"},
		{"index", m.Index("public.orders_status_idx").QualifiedName(), "orders_status_idx"},
		{"enum", m.Enum("app.s").QualifiedName(), "app.s"},
	}
	for _, tt := range tests {
		if s, ok := tt.got.(interface{ String() string }); !ok || s.String() != tt.want {
			t.Errorf("%s: got %v, want %s", tt.name, tt.got, tt.want)
		}
	}
	if m.Table("nope") != nil || m.Index("nope") != nil || m.Enum("nope") != nil {
		t.Error("lookups of unknown names should be nil")
	}
	refs := m.ReferencesTo(m.Table("customers"))
	if len(refs) != 1 || refs[0].Table.Name != "orders" || refs[0].Name != "orders_customer_id_fkey" {
		t.Errorf("ReferencesTo(customers) = %+v", refs)
	}
}

func TestApplyPartialKeepsWhatItApplied(t *testing.T) {
	stmts, err := Split("t.sql", "CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int, ADD COLUMN a int;\n")
	if err != nil {
		t.Fatal(err)
	}
	m := &Model{}
	if err := m.ApplyPartial(stmts[0]); err != nil {
		t.Fatal(err)
	}
	if err := m.ApplyPartial(stmts[1]); err == nil {
		t.Fatal("adding a column twice should fail")
	}
	if m.Table("t").Column("b") == nil {
		t.Error("ApplyPartial dropped the subcommand it had applied")
	}
	m2 := &Model{}
	_ = m2.Apply(stmts[0])
	_ = m2.Apply(stmts[1])
	if m2.Table("t").Column("b") != nil {
		t.Error("Apply kept part of a failed statement")
	}
}
