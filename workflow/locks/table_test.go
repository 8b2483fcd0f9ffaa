package locks

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pgrollout/pgrollout/workflow/schema"
)

// baselineModel replays Baseline() plus extra DDL as the review engine
// replays a baseline: statements the model cannot follow (the materialized
// view's index) are skipped. extra alone must build with schema.Build.
func baselineModel(t *testing.T, extra string) *schema.Model {
	t.Helper()
	stmts, err := schema.Split("baseline.sql", Baseline())
	if err != nil {
		t.Fatalf("baseline: %v", err)
	}
	m := &schema.Model{}
	for _, st := range stmts {
		_ = m.Apply(st)
	}
	if extra == "" {
		return m
	}
	more, err := schema.Split("extra.sql", extra)
	if err != nil {
		t.Fatalf("extra: %v", err)
	}
	for _, st := range more {
		if err := m.Apply(st); err != nil {
			t.Fatalf("extra: %v", err)
		}
	}
	return m
}

// buildModel builds a model from DDL with schema.Build.
func buildModel(t *testing.T, ddl string) *schema.Model {
	t.Helper()
	stmts, err := schema.Split("baseline.sql", ddl)
	if err != nil {
		t.Fatalf("baseline: %v", err)
	}
	m, err := schema.Build(stmts)
	if err != nil {
		t.Fatalf("baseline: %v", err)
	}
	return m
}

// one parses sql, which must hold exactly one statement.
func one(t *testing.T, sql string) schema.Statement {
	t.Helper()
	stmts, err := schema.Split("test.sql", sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if len(stmts) != 1 {
		t.Fatalf("%s: %d statements, want 1", sql, len(stmts))
	}
	return stmts[0]
}

// edges returns the lowest and highest versions a row applies to, within
// 10..18.
func edges(r Row) []int {
	lo, hi := 10, 18
	if r.MinPG > 0 {
		lo = r.MinPG
	}
	if r.MaxPG > 0 {
		hi = r.MaxPG
	}
	if lo == hi {
		return []int{lo}
	}
	return []int{lo, hi}
}

// TestEveryRow classifies each row's example against the baseline at both
// ends of the row's version range: the facts must come from that row alone
// and match its locks role by role.
func TestEveryRow(t *testing.T) {
	m := baselineModel(t, "")
	for _, r := range Table() {
		for _, pg := range edges(r) {
			t.Run(fmt.Sprintf("%s/pg%d", r.Kind, pg), func(t *testing.T) {
				f := Classify(one(t, r.Example), m, pg)
				if !slices.Equal(f.Rows, []Kind{r.Kind}) {
					t.Fatalf("rows %q, want [%q]", f.Rows, r.Kind)
				}
				if f.NoTransaction != r.NoTransaction {
					t.Errorf("NoTransaction %v, want %v", f.NoTransaction, r.NoTransaction)
				}
				if _, ok := r.Lock(RoleTarget); ok {
					if !slices.ContainsFunc(f.Effects, func(e Effect) bool { return e.Role == RoleTarget }) {
						t.Errorf("no effect on the target: %+v", f.Effects)
					}
				}
				for _, e := range f.Effects {
					l, ok := r.Lock(e.Role)
					switch {
					case !ok:
						t.Errorf("effect %+v has a role the row lacks", e)
					case e.Mode != l.Mode || e.Rewrite != l.Rewrite || e.Scan != l.Scan:
						t.Errorf("%s: %s rewrite=%v scan=%v, row says %s rewrite=%v scan=%v",
							e.Relation, e.Mode, e.Rewrite, e.Scan, l.Mode, l.Rewrite, l.Scan)
					}
					if strings.Contains(e.Note, "needs PostgreSQL") || strings.Contains(e.Note, "applies to PostgreSQL") || strings.Contains(e.Note, "applies up to") {
						t.Errorf("version note inside the row's range: %q", e.Note)
					}
				}
				if len(r.Locks) > 0 && len(f.Effects) == 0 {
					t.Errorf("no effects, row has %d locks", len(r.Locks))
				}
			})
		}
	}
}

// TestTableShape checks the table itself: unique kinds per version range,
// sane ranges, one lock per role, an example for every row.
func TestTableShape(t *testing.T) {
	rows := Table()
	if len(rows) < 100 {
		t.Errorf("only %d rows", len(rows))
	}
	for i, r := range rows {
		if r.Example == "" {
			t.Errorf("%s: no example", r.Kind)
		}
		if r.MinPG > 0 && r.MaxPG > 0 && r.MinPG > r.MaxPG {
			t.Errorf("%s: empty range %d..%d", r.Kind, r.MinPG, r.MaxPG)
		}
		var roles []Role
		for _, l := range r.Locks {
			if slices.Contains(roles, l.Role) {
				t.Errorf("%s: role %s twice", r.Kind, l.Role)
			}
			roles = append(roles, l.Role)
			if l.Mode == None {
				t.Errorf("%s: lock without a mode", r.Kind)
			}
		}
		for _, o := range rows[i+1:] {
			if o.Kind != r.Kind {
				continue
			}
			for pg := 9; pg <= 19; pg++ {
				if r.Applies(pg) && o.Applies(pg) {
					t.Errorf("%s: two rows apply to PostgreSQL %d", r.Kind, pg)
				}
			}
		}
	}
}

func TestLookup(t *testing.T) {
	r, ok := Lookup(KindAttachPartition, 11)
	if !ok || r.Locks[0].Mode != AccessExclusive {
		t.Errorf("ATTACH on 11: %+v %v", r, ok)
	}
	r, ok = Lookup(KindAttachPartition, 16)
	if !ok || r.Locks[0].Mode != ShareUpdateExclusive {
		t.Errorf("ATTACH on 16: %+v %v", r, ok)
	}
	if _, ok := Lookup(KindSetAccessMethod, 14); ok {
		t.Error("SET ACCESS METHOD applies to 14")
	}
	if _, ok := Lookup("no such kind", 16); ok {
		t.Error("unknown kind found")
	}
	// Rows handed out are copies.
	r, _ = Lookup(KindCreateIndex, 16)
	r.Locks[0].Mode = None
	if r2, _ := Lookup(KindCreateIndex, 16); r2.Locks[0].Mode != Share {
		t.Error("Lookup shares its rows")
	}
}

func TestBaselineBuilds(t *testing.T) {
	m := baselineModel(t, "")
	for _, name := range []string{"customers", "orders", "order_items", "audit_log", "events", "events_2025"} {
		if m.Table(name) == nil {
			t.Errorf("baseline lacks %s", name)
		}
	}
	if m.Index("orders_created_idx") == nil || m.Index("audit_log_id_idx") == nil {
		t.Error("baseline lacks its indexes")
	}
}
