package locking

import (
	"testing"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// TestClassifyTypeChange checks the binary-coercion table per version.
func TestClassifyTypeChange(t *testing.T) {
	tests := []struct {
		from, to string
		pg       int
		want     typeChange
	}{
		{"varchar(64)", "varchar(255)", 16, coercible},
		{"varchar(64)", "varchar(64)", 16, coercible},
		{"varchar(64)", "varchar", 16, coercible},
		{"varchar(64)", "text", 16, coercible},
		{"varchar(255)", "varchar(64)", 16, rewrites},
		{"varchar", "varchar(64)", 16, rewrites},
		{"text", "varchar", 16, coercible},
		{"text", "varchar(64)", 16, rewrites},
		{"numeric(12,2)", "numeric(16,2)", 16, coercible},
		{"numeric(12,2)", "numeric", 16, coercible},
		{"numeric(12,2)", "numeric(16,4)", 16, rewrites},
		{"numeric(12,2)", "numeric(10,2)", 16, rewrites},
		{"numeric(12)", "numeric(14,0)", 16, coercible},
		{"numeric", "numeric(12,2)", 16, rewrites},
		{"cidr", "inet", 16, coercible},
		{"inet", "cidr", 16, rewrites},
		{"timestamp(3)", "timestamp(6)", 16, coercible},
		{"timestamp", "timestamp(3)", 16, rewrites},
		{"timestamp", "timestamptz", 16, coercibleInUTC},
		{"timestamptz", "timestamp", 12, coercibleInUTC},
		{"timestamp", "timestamptz", 11, rewrites},
		{"timestamp(6)", "timestamptz(3)", 16, rewrites},
		{"integer", "bigint", 16, rewrites},
		{"varchar(64)[]", "text[]", 16, rewrites},
		{"char(10)", "text", 16, rewrites},
	}
	for _, tt := range tests {
		if got := classifyTypeChange(tt.from, tt.to, tt.pg); got != tt.want {
			t.Errorf("%s -> %s on PG %d: %d, want %d", tt.from, tt.to, tt.pg, got, tt.want)
		}
	}
}

// TestExprVolatility checks the built-in volatility list on parsed defaults.
func TestExprVolatility(t *testing.T) {
	tests := map[string]volatility{
		"now()":                          stable,
		"current_timestamp":              stable,
		"localtimestamp":                 stable,
		"statement_timestamp()":          stable,
		"transaction_timestamp()":        stable,
		"'pending'":                      stable,
		"'{}'::jsonb":                    stable,
		"1 + 2 * length('x')":            stable,
		"ARRAY['a']":                     stable,
		"pg_catalog.now()":               stable,
		"gen_random_uuid()":              volatile,
		"random()":                       volatile,
		"clock_timestamp()":              volatile,
		"uuid_generate_v4()":             volatile,
		"timeofday()":                    volatile,
		"txid_current()":                 stable, // STABLE in pg_proc: one value per transaction
		"nextval('orders_id_seq')":       volatile,
		"lower(gen_random_uuid()::text)": volatile,
		"app.next_code()":                unknown,
	}
	for sql, want := range tests {
		tree, err := pg_query.Parse("SELECT " + sql)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		expr := tree.Stmts[0].Stmt.GetSelectStmt().TargetList[0].GetResTarget().Val
		if got, fn := exprVolatility(expr); got != want {
			t.Errorf("%s: volatility %d (%s), want %d", sql, got, fn, want)
		}
	}
}

// TestHelperFor checks how a NOT NULL helper constraint's name is matched to
// a column.
func TestHelperFor(t *testing.T) {
	tests := []struct {
		name, col string
		want      bool
	}{
		{"orders_status_not_null", "status", true},
		{"status_not_null", "status", true},
		{"orders_note_not_null", "status", false},
		{"note_not_null", "status", false},
		{"orders_status_not_null_check", "status", true},
		{"orders_note_not_null_check", "status", false},
		{"orders_not_null", "status", true},
		{"some_check", "status", true},
	}
	for _, tt := range tests {
		if got := helperFor("app.orders", tt.name, tt.col); got != tt.want {
			t.Errorf("helperFor(%s, %s) = %v, want %v", tt.name, tt.col, got, tt.want)
		}
	}
}

// TestObjectName checks generated names stay within PostgreSQL's 63 bytes.
func TestObjectName(t *testing.T) {
	long := "a_very_long_table_name_that_goes_on_and_on_and_on_and_on_forever"
	if got := objectName(long, []string{"customer_id"}, "fkey"); len(got) > 63 {
		t.Errorf("%s is %d bytes", got, len(got))
	}
	if got := objectName("app.orders", []string{"a", "b"}, "key"); got != "orders_a_b_key" {
		t.Errorf("got %s", got)
	}
}
