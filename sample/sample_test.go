package sample_test

import (
	"io/fs"
	"slices"
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/sample"
)

func TestCheckoutFiles(t *testing.T) {
	var names []string
	err := fs.WalkDir(sample.Checkout(), ".", func(name string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, name)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"audit/stats-snapshot.json", "decisions.json", "migrations/001_checkout_core.sql",
		"notes.md", "project.json", "schema.sql", "staging/evidence.json",
	}
	if !slices.Equal(names, want) {
		t.Errorf("files %q, want %q", names, want)
	}
}

// parse parses a sample SQL file with the PostgreSQL parser.
func parse(t *testing.T, name string) []*pg.RawStmt {
	t.Helper()
	data, err := fs.ReadFile(sample.Checkout(), name)
	if err != nil {
		t.Fatal(err)
	}
	res, err := pg.Parse(string(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res.GetStmts()
}

func TestSchemaDraft(t *testing.T) {
	tables := map[string]*pg.CreateStmt{}
	for _, s := range parse(t, "schema.sql") {
		if c := s.GetStmt().GetCreateStmt(); c != nil {
			tables[c.GetRelation().GetRelname()] = c
		}
	}
	for _, name := range []string{"customers", "orders", "order_items", "payments", "refunds", "checkout_sessions", "support_notes"} {
		c, ok := tables[name]
		if !ok {
			t.Errorf("no table %s", name)
			continue
		}
		for _, col := range []string{"created_at", "updated_at"} {
			def := column(c, col)
			if def == nil || !hasConstraint(def, pg.ConstrType_CONSTR_NOTNULL) || !hasConstraint(def, pg.ConstrType_CONSTR_DEFAULT) {
				t.Errorf("%s.%s does not follow the timestamp convention", name, col)
			}
		}
	}
	// The draft guards idempotency keys but not provider references: that is
	// what the review stage has to catch.
	if !tableUnique(tables["orders"], "idempotency_key") {
		t.Error("orders.idempotency_key is not unique")
	}
	if tableUnique(tables["payments"], "provider_reference") || hasConstraint(column(tables["payments"], "provider_reference"), pg.ConstrType_CONSTR_UNIQUE) {
		t.Error("payments.provider_reference already has a unique rule; the sample needs the gap")
	}
	if hasConstraint(column(tables["payments"], "status"), pg.ConstrType_CONSTR_NOTNULL) {
		t.Error("payments.status is NOT NULL; the sample keeps it nullable for review")
	}
}

func TestMigrationCarriesTheThreeItems(t *testing.T) {
	var uniqueConcurrent, attach, plainLookup, deleteByAge, updateAll bool
	for _, s := range parse(t, "migrations/001_checkout_core.sql") {
		st := s.GetStmt()
		if ix := st.GetIndexStmt(); ix != nil {
			switch ix.GetIdxname() {
			case "payments_provider_reference_key":
				uniqueConcurrent = ix.GetUnique() && ix.GetConcurrent()
			case "orders_support_lookup_idx":
				plainLookup = !ix.GetConcurrent() && len(ix.GetIndexParams()) == 3
			}
		}
		if at := st.GetAlterTableStmt(); at != nil && at.GetRelation().GetRelname() == "payments" {
			for _, c := range at.GetCmds() {
				if con := c.GetAlterTableCmd().GetDef().GetConstraint(); con != nil && con.GetIndexname() == "payments_provider_reference_key" {
					attach = true
				}
			}
		}
		if d := st.GetDeleteStmt(); d != nil && d.GetWhereClause() != nil {
			deleteByAge = true
		}
		if u := st.GetUpdateStmt(); u != nil && u.GetWhereClause() == nil {
			updateAll = true
		}
	}
	for what, ok := range map[string]bool{
		"CREATE UNIQUE INDEX CONCURRENTLY payments_provider_reference_key": uniqueConcurrent,
		"ADD CONSTRAINT ... UNIQUE USING INDEX":                            attach,
		"plain composite orders_support_lookup_idx":                        plainLookup,
		"DELETE of old rows":                                               deleteByAge,
		"UPDATE without WHERE":                                             updateAll,
	} {
		if !ok {
			t.Errorf("the migration lacks %s", what)
		}
	}
}

func column(c *pg.CreateStmt, name string) *pg.ColumnDef {
	for _, e := range c.GetTableElts() {
		if d := e.GetColumnDef(); d != nil && d.GetColname() == name {
			return d
		}
	}
	return nil
}

func hasConstraint(d *pg.ColumnDef, kind pg.ConstrType) bool {
	for _, c := range d.GetConstraints() {
		if c.GetConstraint().GetContype() == kind {
			return true
		}
	}
	return false
}

// tableUnique reports whether a table constraint makes col unique on its own
// or as part of a key.
func tableUnique(c *pg.CreateStmt, col string) bool {
	for _, e := range c.GetTableElts() {
		con := e.GetConstraint()
		if con == nil || con.GetContype() != pg.ConstrType_CONSTR_UNIQUE {
			continue
		}
		for _, k := range con.GetKeys() {
			if k.GetString_().GetSval() == col {
				return true
			}
		}
	}
	return false
}
