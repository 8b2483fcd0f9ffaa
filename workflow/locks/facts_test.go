package locks

import (
	"strings"
	"testing"
)

func TestFunctionVolatility(t *testing.T) {
	tests := map[string]Volatility{
		"gen_random_uuid":       VolatilityVolatile,
		"pg_catalog.random":     VolatilityVolatile,
		"CLOCK_TIMESTAMP":       VolatilityVolatile,
		"uuid_generate_v4":      VolatilityVolatile,
		"nextval":               VolatilityVolatile,
		"now":                   VolatilityStable,
		"statement_timestamp":   VolatilityStable,
		"transaction_timestamp": VolatilityStable,
		"txid_current":          VolatilityStable,
		"lower":                 VolatilityImmutable,
		"app.next_id":           VolatilityUnknown,
	}
	for name, want := range tests {
		if got := FunctionVolatility(name); got != want {
			t.Errorf("%s: %c, want %c", name, got, want)
		}
	}
}

func TestCoerce(t *testing.T) {
	tests := []struct {
		from, to string
		want     coercion
	}{
		{"varchar(10)", "varchar(10)", binaryCoercible},
		{"varchar(10)", "varchar(11)", binaryCoercible},
		{"varchar(10)", "varchar(9)", needsRewrite},
		{"varchar", "varchar(9)", needsRewrite},
		{"varchar(10)", "text", binaryCoercible},
		{"text", "varchar", binaryCoercible},
		{"text", "varchar(5)", needsRewrite},
		{"numeric(10,2)", "numeric(11,2)", binaryCoercible},
		{"numeric(10,2)", "numeric(11,3)", needsRewrite},
		{"numeric", "numeric(11,2)", needsRewrite},
		{"numeric(5)", "numeric(6,0)", binaryCoercible},
		{"timestamp", "timestamptz", timestampZone},
		{"timestamptz(3)", "timestamp(6)", timestampZone},
		{"timestamptz(3)", "timestamp(2)", needsRewrite},
		{"timestamp", "timestamp(6)", binaryCoercible},
		{"time(2)", "time", binaryCoercible},
		{"time", "time(2)", needsRewrite},
		{"cidr", "inet", binaryCoercible},
		{"inet", "cidr", needsRewrite},
		{"varchar(5)[]", "varchar(6)[]", needsRewrite},
		{"text[]", "text[]", binaryCoercible},
		{"integer", "bigint", needsRewrite},
		{"app.status", "text", needsRewrite},
		{"bit varying(3)", "bit varying", binaryCoercible},
	}
	for _, tc := range tests {
		if got := coerce(tc.from, tc.to); got != tc.want {
			t.Errorf("%s -> %s: %d, want %d", tc.from, tc.to, got, tc.want)
		}
	}
}

func TestFactsHelpers(t *testing.T) {
	f := Facts{Effects: []Effect{
		{Relation: "orders", Role: RoleTarget, Mode: Share, Scan: true},
		{Relation: "orders_idx", Role: RoleIndex, Mode: AccessExclusive, Rewrite: true},
	}}
	if !f.Rewrites() || !f.Scans() {
		t.Error("Rewrites/Scans")
	}
	if e, ok := f.Effect("public.orders"); !ok || e.Mode != Share {
		t.Errorf("Effect(public.orders): %+v %v", e, ok)
	}
	if _, ok := f.Effect("app.orders"); ok {
		t.Error("app.orders found")
	}
	s := f.Summary()
	if !strings.Contains(s, "SHARE on orders (blocks writes; scans the table)") ||
		!strings.Contains(s, "ACCESS EXCLUSIVE on orders_idx (blocks reads and writes; rewrites the index)") {
		t.Errorf("summary: %s", s)
	}
	if (Facts{}).Rewrites() || (Facts{}).Scans() {
		t.Error("empty facts rewrite or scan")
	}
}
