package schema

import (
	"strings"
	"testing"
)

func TestMakeObjectName(t *testing.T) {
	long := strings.Repeat("t", 70)
	tests := []struct {
		name1, name2, label, want string
	}{
		{"orders", "", "pkey", "orders_pkey"},
		{"orders", "customer_id", "fkey", "orders_customer_id_fkey"},
		// Too long: the longer part gives way until 63 bytes remain.
		{long, "", "pkey", strings.Repeat("t", 58) + "_pkey"},
		{long, "col", "idx", strings.Repeat("t", 55) + "_col_idx"},
		// A multi-byte character is never cut in half.
		{strings.Repeat("é", 40), "", "key", strings.Repeat("é", 29) + "_key"},
	}
	for _, tt := range tests {
		got := makeObjectName(tt.name1, tt.name2, tt.label)
		if got != tt.want || len(got) > maxIdentLen {
			t.Errorf("makeObjectName(%q, %q, %q) = %q (%d bytes), want %q", tt.name1, tt.name2, tt.label, got, len(got), tt.want)
		}
	}
}

func TestTypeString(t *testing.T) {
	tests := []struct{ decl, want string }{
		{"varchar(64)", "varchar(64)"},
		{"character varying(64)", "varchar(64)"},
		{"timestamptz", "timestamptz"},
		{"timestamp with time zone", "timestamptz"},
		{"timestamp(3)", "timestamp(3)"},
		{"bigint", "bigint"},
		{"int", "integer"},
		{"double precision", "double precision"},
		{"numeric(12,2)", "numeric(12,2)"},
		{"boolean", "boolean"},
		{"char(3)", "char(3)"},
		{"interval day to second", "interval"},
		{"text[]", "text[]"},
		{"app.status", "app.status"},
		{"\"Odd Type\"", "Odd Type"},
	}
	for _, tt := range tests {
		stmts, err := Split("t.sql", "CREATE TABLE t (c "+tt.decl+")")
		if err != nil {
			t.Fatalf("%s: %v", tt.decl, err)
		}
		cd := stmts[0].Node.GetCreateStmt().TableElts[0].GetColumnDef()
		if got := typeString(cd.TypeName); got != tt.want {
			t.Errorf("typeString(%s) = %q, want %q", tt.decl, got, tt.want)
		}
	}
}
