package audit

import (
	"cmp"
	"context"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/pgrollout/pgrollout/internal/pgtest"
	"github.com/pgrollout/pgrollout/workflow"
)

// findingText is one part of a finding as text, for the checks of
// TestFKSeqFindings.
func findingText(f Finding, part string) string {
	switch part {
	case "message":
		return f.Message
	case "why":
		return f.Why
	case "remediation":
		return f.Remediation
	case "undo":
		return f.Undo
	case "caveats":
		return strings.Join(f.Caveats, "\n")
	case "evidence":
		var b strings.Builder
		for _, e := range f.Evidence {
			b.WriteString(e.Name + ": " + e.Value + "\n")
		}
		return b.String()
	}
	panic("unknown part " + part)
}

// long is a 60-byte table name: its default index names are cut to 63
// bytes.
var long = strings.Repeat("t", 60)

// TestFKSeqFindings checks fk-missing-index and sequence-exhaustion on
// crafted snapshots: each case changes healthy and names the finding it
// expects (sev "" for none on object), with text each part of it must and
// must not contain.
func TestFKSeqFindings(t *testing.T) {
	noFKIndex := func(s *Snapshot) { s.Indexes = s.Indexes[:2] }
	tests := []struct {
		name, check string
		edit        func(*Snapshot)
		object      string
		sev         workflow.Severity
		has, lacks  map[string][]string
		observation string
	}{
		{"the default name is a partial index's", CheckFKMissingIndex, func(s *Snapshot) {
			noFKIndex(s)
			s.Indexes = append(s.Indexes, IndexStats{Schema: "app", Table: "child", Name: "child_parent_id_idx", Valid: true, Method: "btree",
				Columns: []string{"parent_id"}, Predicate: "(parent_id > 10)",
				Definition: "CREATE INDEX child_parent_id_idx ON app.child USING btree (parent_id) WHERE (parent_id > 10)"})
		}, "app.child (parent_id)", workflow.SeverityWarning, map[string][]string{
			"remediation": {"CREATE INDEX CONCURRENTLY child_parent_id_idx1 ON app.child (parent_id);"},
			"undo":        {"DROP INDEX CONCURRENTLY app.child_parent_id_idx1;"},
			"caveats":     {"child_parent_id_idx1 is the name PostgreSQL would choose", "must still be free when the statement runs"},
		}, nil, ""},
		{"the next names are a sequence's and a table's", CheckFKMissingIndex, func(s *Snapshot) {
			noFKIndex(s)
			s.Sequences = append(s.Sequences, SequenceStats{Schema: "app", Name: "child_parent_id_idx", DataType: "bigint", Readable: true,
				MinValue: 1, MaxValue: math.MaxInt64, Increment: 1})
			s.Tables = append(s.Tables, TableStats{Schema: "app", Name: "child_parent_id_idx1"},
				TableStats{Schema: "other", Name: "child_parent_id_idx2"})
		}, "app.child (parent_id)", workflow.SeverityWarning, map[string][]string{
			"remediation": {"CREATE INDEX CONCURRENTLY child_parent_id_idx2 ON app.child (parent_id);"},
		}, nil, ""},
		{"63 bytes, shortening the table name first", CheckFKMissingIndex, func(s *Snapshot) {
			s.Tables = append(s.Tables, TableStats{Schema: "app", Name: long})
			s.ForeignKeys = append(s.ForeignKeys, ForeignKeyStats{Schema: "app", Table: long, Name: "long_fkey",
				Columns: []string{"parent_id"}, RefSchema: "app", RefTable: "parent"})
			s.Indexes = append(s.Indexes, IndexStats{Schema: "app", Table: "parent", Name: long[:49] + "_parent_id_idx", Valid: true,
				Method: "btree", Columns: []string{"id"}})
		}, "app." + long + " (parent_id)", workflow.SeverityInfo, map[string][]string{
			"remediation": {"CREATE INDEX CONCURRENTLY " + long[:48] + "_parent_id_idx1 ON app." + long + " (parent_id);"},
		}, nil, ""},
		{"partitioned referencing table", CheckFKMissingIndex, func(s *Snapshot) {
			noFKIndex(s)
			s.ForeignKeys[0].Partitioned = true
			s.ForeignKeys = append(s.ForeignKeys, ForeignKeyStats{Schema: "app", Table: "child_1", Name: "child_parent_id_fkey",
				Columns: []string{"parent_id"}, RefSchema: "app", RefTable: "parent", Inherited: true})
		}, "app.child (parent_id)", workflow.SeverityWarning, map[string][]string{
			"remediation": {"CREATE INDEX child_parent_id_idx ON app.child (parent_id);"},
			"undo":        {"DROP INDEX app.child_parent_id_idx;"},
			"caveats": {"blocks writes to app.child and every one of its partitions", "CREATE INDEX child_parent_id_idx ON ONLY app.child (parent_id)",
				"CONCURRENTLY on it (parent_id) and ALTER INDEX app.child_parent_id_idx ATTACH PARTITION", "DROP INDEX takes an ACCESS EXCLUSIVE lock"},
		}, map[string][]string{"remediation": {"CONCURRENTLY"}, "undo": {"CONCURRENTLY"}}, "1 per-partition clone of partitioned tables' keys skipped"},
		{"partitioned, with partitions' indexes it attaches", CheckFKMissingIndex, func(s *Snapshot) {
			noFKIndex(s)
			s.Tables[1].Partitioned = true
			s.Tables = append(s.Tables, TableStats{Schema: "app", Name: "child_1", PartitionOf: "app.child"},
				TableStats{Schema: "app", Name: "child_2", PartitionOf: "app.child", Partitioned: true},
				TableStats{Schema: "app", Name: "child_2a", PartitionOf: "app.child_2"},
				TableStats{Schema: "app", Name: "child_3", PartitionOf: "app.child"})
			s.Indexes = append(s.Indexes,
				IndexStats{Schema: "app", Table: "child_1", Name: "c1_p", Valid: true, Method: "btree", Columns: []string{"parent_id"},
					Definition: "CREATE INDEX c1_p ON app.child_1 USING btree (parent_id)"},
				IndexStats{Schema: "app", Table: "child_2", Name: "c2_p", Valid: true, Method: "btree", Columns: []string{"parent_id"},
					Partitioned: true, Definition: "CREATE INDEX c2_p ON ONLY app.child_2 USING btree (parent_id)"},
				IndexStats{Schema: "app", Table: "child_2a", Name: "c2a_p", Valid: true, Method: "btree", Columns: []string{"parent_id"},
					ParentIndex: "app.c2_p", Definition: "CREATE INDEX c2a_p ON app.child_2a USING btree (parent_id)"},
				IndexStats{Schema: "app", Table: "child_3", Name: "c3_p", Valid: true, Method: "btree", Columns: []string{"parent_id"},
					Predicate: "(parent_id > 0)", Definition: "CREATE INDEX c3_p ON app.child_3 USING btree (parent_id) WHERE (parent_id > 0)"})
		}, "app.child (parent_id)", workflow.SeverityWarning, map[string][]string{
			"remediation": {"CREATE INDEX child_parent_id_idx ON app.child (parent_id);"},
			"undo": {"DROP INDEX app.child_parent_id_idx;\n-- It drops", "\nCREATE INDEX IF NOT EXISTS c1_p ON app.child_1 USING btree (parent_id);" +
				"\nCREATE INDEX IF NOT EXISTS c2a_p ON app.child_2a USING btree (parent_id);" +
				"\nCREATE INDEX IF NOT EXISTS c2_p ON app.child_2 USING btree (parent_id);"},
			"caveats": {"already have on parent_id (app.c1_p, app.c2a_p, app.c2_p) instead"},
		}, map[string][]string{"undo": {"c3_p", "ONLY"}, "caveats": {"does not say which partitions"}}, ""},
		{"partition clone alone", CheckFKMissingIndex, func(s *Snapshot) {
			noFKIndex(s)
			s.ForeignKeys[0].Table, s.ForeignKeys[0].Inherited = "child_1", true
		}, "app.child_1 (parent_id)", "", nil, nil, "1 per-partition clone"},
		{"NOT ENFORCED", CheckFKMissingIndex, func(s *Snapshot) {
			noFKIndex(s)
			s.ForeignKeys[0].NotEnforced = true
		}, "app.child (parent_id)", "", nil, nil, "1 NOT ENFORCED foreign key skipped"},

		{"names with dots", CheckSequenceExhaustion, func(s *Snapshot) {
			s.Sequences[0] = SequenceStats{Schema: "odd.schema", Name: "tab.le_col.umn_seq", DataType: "integer", Readable: true,
				LastValue: ptr(int64(2_147_000_000)), MinValue: 1, MaxValue: math.MaxInt32, Increment: 1, ColumnType: "integer",
				OwnedBy: "odd.schema.tab.le.col.umn", OwnerSchema: "odd.schema", OwnerTable: "tab.le", OwnerColumn: "col.umn"}
		}, "odd.schema.tab.le_col.umn_seq", workflow.SeverityError, map[string][]string{
			"remediation": {`ALTER SEQUENCE "odd.schema"."tab.le_col.umn_seq" AS bigint;`, `ALTER TABLE "odd.schema"."tab.le" ALTER COLUMN "col.umn" TYPE bigint;`},
			"undo":        {`ALTER TABLE "odd.schema"."tab.le" ALTER COLUMN "col.umn" TYPE integer;`},
		}, map[string][]string{"caveats": {"may belong to the names themselves"}}, ""},
		{"names with dots in an old snapshot", CheckSequenceExhaustion, func(s *Snapshot) {
			s.Sequences[0] = SequenceStats{Schema: "odd.schema", Name: "tab.le_col.umn_seq", DataType: "integer", Readable: true,
				LastValue: ptr(int64(2_147_000_000)), MinValue: 1, MaxValue: math.MaxInt32, Increment: 1, ColumnType: "integer",
				OwnedBy: "odd.schema.tab.le.col.umn"}
		}, "odd.schema.tab.le_col.umn_seq", workflow.SeverityError, map[string][]string{
			"caveats": {"names the column only as odd.schema.tab.le.col.umn, whose dots may belong to the names themselves"},
		}, nil, ""},
		{"descending, at a minimum set on purpose", CheckSequenceExhaustion, func(s *Snapshot) {
			s.Sequences = append(s.Sequences, SequenceStats{Schema: "public", Name: "desc_seq", DataType: "bigint", Readable: true,
				LastValue: ptr(int64(-990)), MinValue: -1000, MaxValue: -1, StartValue: -1, Increment: -1,
				OwnedBy: "public.dt.id", ColumnType: "integer", OwnerSchema: "public", OwnerTable: "dt", OwnerColumn: "id"})
		}, "public.desc_seq", workflow.SeverityError, map[string][]string{
			"message":     {"its own minimum (-1,000)"},
			"evidence":    {"Limited by: sequence minimum", "Limit: -1,000"},
			"remediation": {"-- The minimum was set on purpose", "ALTER SEQUENCE public.desc_seq NO MINVALUE;"},
			"undo":        {"ALTER SEQUENCE public.desc_seq MINVALUE -1000;  -- fails once last_value is below it"},
		}, map[string][]string{"caveats": {"Widen the column"}}, ""},
		{"descending, at the column's minimum", CheckSequenceExhaustion, func(s *Snapshot) {
			s.Sequences = append(s.Sequences, SequenceStats{Schema: "public", Name: "down_seq", DataType: "bigint", Readable: true,
				LastValue: ptr(int64(-2_100_000_000)), MinValue: math.MinInt64, MaxValue: -1, StartValue: -1, Increment: -1,
				OwnedBy: "public.dt.id", ColumnType: "integer", OwnerSchema: "public", OwnerTable: "dt", OwnerColumn: "id"})
		}, "public.down_seq", workflow.SeverityError, map[string][]string{
			// The same evidence as an ascending sequence's.
			"evidence":    {"Limited by: column type integer", "Feeds: public.dt.id (integer)", "Sequence type: bigint"},
			"remediation": {"ALTER TABLE public.dt ALTER COLUMN id TYPE bigint;"},
			"undo":        {"fails once a value below the integer minimum exists", "ALTER TABLE public.dt ALTER COLUMN id TYPE integer;"},
		}, map[string][]string{"remediation": {"ALTER SEQUENCE"}}, ""},
		{"CYCLE, feeding nothing known", CheckSequenceExhaustion, func(s *Snapshot) {
			s.Sequences = append(s.Sequences, SequenceStats{Schema: "public", Name: "cycler", DataType: "smallint", Readable: true,
				LastValue: ptr(int64(32_700)), MinValue: 1, MaxValue: math.MaxInt16, StartValue: 1, Increment: 1, Cycle: true})
		}, "public.cycler", workflow.SeverityInfo, map[string][]string{
			"message":     {"public.cycler cycles", "wraps around to its minimum (1)", "instead of failing", "does not say which column it feeds"},
			"why":         {"does not fail at its limit"},
			"remediation": {"ALTER SEQUENCE public.cycler AS bigint;"},
			"caveats":     {"If the wrap is intended"},
		}, map[string][]string{"message": {"every insert"}, "why": {"every insert that needs a new value fails"}}, ""},
		{"CYCLE, feeding a primary key", CheckSequenceExhaustion, func(s *Snapshot) {
			s.Sequences[0] = SequenceStats{Schema: "app", Name: "child_id_seq", DataType: "integer", Readable: true,
				LastValue: ptr(int64(2_140_000_000)), MinValue: 1, MaxValue: math.MaxInt32, Increment: 1, Cycle: true,
				OwnedBy: "app.child.id", ColumnType: "integer", OwnerSchema: "app", OwnerTable: "child", OwnerColumn: "id"}
		}, "app.child_id_seq", workflow.SeverityWarning, map[string][]string{
			"message":  {"wraps around", "app.child.id has a unique index on it (child_pkey)", "unique violation"},
			"evidence": {"Unique index on the column: child_pkey"},
		}, nil, ""},
		{"CYCLE, old snapshot, feeding a column without a unique index", CheckSequenceExhaustion, func(s *Snapshot) {
			s.Sequences[0] = SequenceStats{Schema: "app", Name: "child_id_seq", DataType: "integer", Readable: true,
				LastValue: ptr(int64(2_140_000_000)), MinValue: 1, MaxValue: math.MaxInt32, Increment: 1, Cycle: true,
				OwnedBy: "app.child.parent_id", ColumnType: "integer"}
		}, "app.child_id_seq", workflow.SeverityInfo, map[string][]string{
			"message": {"No unique index of the snapshot is on app.child.parent_id alone"},
		}, nil, ""},
		{"CYCLE beyond the column type", CheckSequenceExhaustion, func(s *Snapshot) {
			s.Sequences[0].Cycle, s.Sequences[0].ColumnType, s.Sequences[0].LastValue = true, "integer", ptr(int64(2_140_000_000))
		}, "app.child_id_seq", workflow.SeverityError, map[string][]string{
			"message": {"of the integer maximum of the column it feeds"},
			"caveats": {"The sequence cycles, but only at its own maximum: the column type runs out first"},
		}, map[string][]string{"message": {"wraps"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := healthy()
			tt.edit(s)
			r := Analyze(s)
			res, _ := result(r, tt.check)
			if tt.observation != "" && !slices.ContainsFunc(res.Observations, func(o string) bool { return strings.Contains(o, tt.observation) }) {
				t.Errorf("observations %q lack %q", res.Observations, tt.observation)
			}
			var got []Finding
			for _, f := range r.Findings {
				if f.Check == tt.check && f.Object == tt.object {
					got = append(got, f)
				}
			}
			if tt.sev == "" {
				if len(got) > 0 {
					t.Fatalf("unexpected finding %+v", got[0])
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("%d findings on %s, want 1; all: %+v", len(got), tt.object, r.Findings)
			}
			f := got[0]
			if f.Severity != tt.sev {
				t.Errorf("severity %s, want %s", f.Severity, tt.sev)
			}
			for part, wants := range tt.has {
				for _, want := range wants {
					if !strings.Contains(findingText(f, part), want) {
						t.Errorf("%s lacks %q:\n%s", part, want, findingText(f, part))
					}
				}
			}
			for part, nots := range tt.lacks {
				for _, not := range nots {
					if strings.Contains(findingText(f, part), not) {
						t.Errorf("%s has %q:\n%s", part, not, findingText(f, part))
					}
				}
			}
		})
	}
}

// TestIndexNamer checks the names PostgreSQL's ChooseRelationName gives,
// as the server itself chose them (see TestFKSeqLive).
func TestIndexNamer(t *testing.T) {
	s := &Snapshot{Indexes: []IndexStats{{Schema: "s", Name: "t_a_idx"}, {Schema: "other", Name: "t_b_idx"}}}
	n := newIndexNamer(s)
	for _, tt := range []struct {
		table string
		cols  []string
		want  string
	}{
		{"t", []string{"a"}, "t_a_idx1"},
		{"t", []string{"b"}, "t_b_idx"},
		{"t", []string{"a"}, "t_a_idx2"}, // a name handed out is taken
		{"t", []string{"a", "c"}, "t_a_c_idx"},
		{long, []string{"a"}, long[:57] + "_a_idx"},
		{"é" + long, []string{"a"}, "é" + long[:55] + "_a_idx"},
		{"t", []string{strings.Repeat("c", 63), "d"}, "t_" + strings.Repeat("c", 57) + "_idx"},
	} {
		if got := n.choose("s", tt.table, tt.cols); got != tt.want || len(got) > 63 {
			t.Errorf("choose(%s, %q) = %q, want %q", tt.table, tt.cols, got, tt.want)
		}
	}
	// Foreign keys on the same columns share one index.
	if a, b := n.chooseShared("s", "f", []string{"x"}), n.chooseShared("s", "f", []string{"x"}); a != "f_x_idx" || b != a {
		t.Errorf("chooseShared: %q then %q, want f_x_idx twice", a, b)
	}
	if got := n.choose("s", "f", []string{"x"}); got != "f_x_idx1" {
		t.Errorf("choose after chooseShared: %q, want f_x_idx1", got)
	}
}

// TestParseSnapshotOwner checks the owner_* fields of a sequence.
func TestParseSnapshotOwner(t *testing.T) {
	for _, tt := range []struct {
		name    string
		edit    func(q *SequenceStats)
		wantErr string
	}{
		{"all three", func(q *SequenceStats) {
			q.OwnedBy, q.OwnerSchema, q.OwnerTable, q.OwnerColumn = "a.b.c.d", "a.b", "c", "d"
		}, ""},
		{"owned_by alone", func(q *SequenceStats) { q.OwnedBy = "a.b.c" }, ""},
		{"parts without owned_by", func(q *SequenceStats) { q.OwnedBy, q.OwnerSchema, q.OwnerTable, q.OwnerColumn = "", "a", "b", "c" }, ""},
		{"no table", func(q *SequenceStats) { q.OwnerSchema, q.OwnerColumn = "a", "c" }, "no owner_table"},
		{"owned_by disagrees", func(q *SequenceStats) {
			q.OwnedBy, q.OwnerSchema, q.OwnerTable, q.OwnerColumn = "a.b.c", "a", "b", "x"
		}, `owned_by "a.b.c" is not owner_schema.owner_table.owner_column ("a.b.x")`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := healthy()
			s.ForeignKeys[0].Partitioned, s.ForeignKeys[0].NotEnforced = true, true
			tt.edit(&s.Sequences[0])
			data, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseSnapshot("s.json", data)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatal(err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			case err == nil && (got.Sequences[0].OwnerTable != s.Sequences[0].OwnerTable ||
				got.Sequences[0].OwnedBy != cmp.Or(s.Sequences[0].OwnedBy, strings.Trim(s.Sequences[0].OwnerSchema+"."+s.Sequences[0].OwnerTable+"."+s.Sequences[0].OwnerColumn, ".")) ||
				!got.ForeignKeys[0].Partitioned || !got.ForeignKeys[0].NotEnforced):
				t.Errorf("round trip: %+v, %+v", got.Sequences[0], got.ForeignKeys[0])
			}
		})
	}
}

// fkseqSQL seeds the cases the exploratory tests found; the NOT ENFORCED
// key is added on PostgreSQL 18 and later.
const fkseqSQL = `
CREATE TABLE customers (id int PRIMARY KEY);
CREATE TABLE c (id int PRIMARY KEY, customer_id int REFERENCES customers (id));
CREATE INDEX c_customer_id_idx ON c (customer_id) WHERE customer_id > 10;
CREATE SCHEMA app;
CREATE TABLE app.ev (id int, customer_id int REFERENCES customers (id)) PARTITION BY RANGE (id);
CREATE TABLE app.ev_1 PARTITION OF app.ev FOR VALUES FROM (0) TO (100);
CREATE TABLE app.ev_2 PARTITION OF app.ev FOR VALUES FROM (100) TO (200) PARTITION BY RANGE (id);
CREATE TABLE app.ev_2a PARTITION OF app.ev_2 FOR VALUES FROM (100) TO (150);
CREATE INDEX ev_1_customer_id_idx ON app.ev_1 (customer_id);
CREATE INDEX ev_2_customer_id_idx ON app.ev_2 (customer_id);
INSERT INTO customers VALUES (1), (20);
INSERT INTO c VALUES (1, 1), (2, 20);
INSERT INTO app.ev VALUES (1, 1), (120, 20);
CREATE SCHEMA "odd.schema";
CREATE TABLE "odd.schema"."tab.le" ("col.umn" serial);
SELECT setval(pg_get_serial_sequence('"odd.schema"."tab.le"', 'col.umn'), 2147000000);
CREATE TABLE dt (id int);
CREATE SEQUENCE desc_seq INCREMENT -1 MINVALUE -1000 MAXVALUE -1 START -1 OWNED BY dt.id;
ALTER TABLE dt ALTER COLUMN id SET DEFAULT nextval('desc_seq');
SELECT setval('desc_seq', -990);
CREATE SEQUENCE cycler AS smallint CYCLE;
SELECT setval('cycler', 32700);
CREATE SEQUENCE ring_seq AS smallint CYCLE;
SELECT setval('ring_seq', 32700);
CREATE TABLE ring (id smallint PRIMARY KEY DEFAULT nextval('ring_seq'));
`

// TestFKSeqLive seeds fkseqSQL, audits it and runs every remediation and
// undo of the findings on it: each must succeed, and the user's own
// objects must survive both.
func TestFKSeqLive(t *testing.T) {
	db := pgtest.NewDB(t)
	ctx := context.Background()
	admin := db.Connect(t)
	version := pgtest.ServerVersion(t, admin)
	seed := fkseqSQL
	if version >= 18 {
		seed += `CREATE TABLE ne_parent (id int PRIMARY KEY);
CREATE TABLE ne_child (id int, p int, CONSTRAINT ne_fk FOREIGN KEY (p) REFERENCES ne_parent (id) NOT ENFORCED);`
	}
	if _, err := admin.Exec(ctx, seed); err != nil {
		t.Fatalf("seed: %v", err)
	}
	s, _ := collectAs(t, db.DSN)

	// Collection: the new fields.
	for _, fk := range s.ForeignKeys {
		switch {
		case fk.Table == "ev" && (!fk.Partitioned || fk.Inherited || fk.NotEnforced),
			fk.Table == "c" && (fk.Partitioned || fk.Inherited || fk.NotEnforced),
			strings.HasPrefix(fk.Table, "ev_") && !fk.Inherited,
			fk.Table == "ev_2" && !fk.Partitioned,
			fk.Table == "ne_child" && !fk.NotEnforced:
			t.Errorf("foreign key %+v", fk)
		}
	}
	if q := liveSequence(t, s, "tab.le_col.umn_seq"); q.OwnerSchema != "odd.schema" || q.OwnerTable != "tab.le" || q.OwnerColumn != "col.umn" ||
		q.OwnedBy != "odd.schema.tab.le.col.umn" {
		t.Errorf("dotted sequence %+v", q)
	}
	if q := liveSequence(t, s, "cycler"); !q.Cycle || q.OwnedBy != "" || q.OwnerTable != "" {
		t.Errorf("cycler %+v", q)
	}

	r := Analyze(s)
	want := map[string]workflow.Severity{
		CheckFKMissingIndex + " public.c (customer_id)":                 workflow.SeverityInfo,
		CheckFKMissingIndex + " app.ev (customer_id)":                   workflow.SeverityInfo,
		CheckSequenceExhaustion + " odd.schema.tab.le_col.umn_seq":      workflow.SeverityError,
		CheckSequenceExhaustion + " public.desc_seq":                    workflow.SeverityError,
		CheckSequenceExhaustion + " public.cycler":                      workflow.SeverityInfo,
		CheckSequenceExhaustion + " public.ring_seq":                    workflow.SeverityWarning,
		CheckSequenceExhaustion + " public.customers_id_seq (not here)": "",
	}
	got := map[string]Finding{}
	for _, f := range r.Findings {
		if f.Check == CheckFKMissingIndex || f.Check == CheckSequenceExhaustion {
			got[f.Check+" "+f.Object] = f
		}
	}
	for key, sev := range want {
		if f, ok := got[key]; ok != (sev != "") || ok && f.Severity != sev {
			t.Errorf("%s: %s (found %v), want %q", key, f.Severity, ok, sev)
		}
	}
	if len(got) != len(want)-1 {
		var keys []string
		for k := range got {
			keys = append(keys, k)
		}
		t.Errorf("findings %q", keys)
	}

	keep := []string{"c_customer_id_idx", "ev_1_customer_id_idx", "ev_2_customer_id_idx", "ev_2a_customer_id_idx", "customers_pkey", "ring_pkey"}
	for key, f := range got {
		t.Run(key, func(t *testing.T) {
			if f.Remediation == "" || f.Undo == "" {
				t.Fatalf("no remediation or undo: %+v", f)
			}
			execSQL(t, admin, "remediation", f.Remediation)
			execSQL(t, admin, "undo", f.Undo)
			wantRelations(t, admin, keep...)
		})
	}
	if f := got[CheckFKMissingIndex+" public.c (customer_id)"]; !strings.Contains(f.Remediation, "c_customer_id_idx1") {
		t.Errorf("fk remediation %q", f.Remediation)
	}
}

// execSQL runs generated SQL on its own (CREATE INDEX CONCURRENTLY cannot
// run in a transaction block, so a single statement goes alone).
func execSQL(t *testing.T, conn *pgx.Conn, what, sql string) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s %q: %v", what, sql, err)
	}
}

// wantRelations checks that relations of these names exist.
func wantRelations(t *testing.T, conn *pgx.Conn, names ...string) {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM pg_class WHERE relname = ANY ($1)", names).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(names) {
		t.Errorf("%d of the relations %q left", n, names)
	}
}

// TestIndexNamerServer checks indexNamer against the names the server
// gives unnamed indexes: cut to 63 bytes, then numbered.
func TestIndexNamerServer(t *testing.T) {
	db := pgtest.NewDB(t)
	conn := db.Connect(t)
	ctx := context.Background()
	cols := strings.Repeat("c", 63)
	if _, err := conn.Exec(ctx, `CREATE TABLE `+long+` (a int, `+cols+` int, d int)`); err != nil {
		t.Fatal(err)
	}
	s := &Snapshot{Tables: []TableStats{{Schema: "public", Name: long}}}
	for _, key := range [][]string{{"a"}, {"a"}, {cols, "d"}, {cols, "d"}, {"a", "d"}} {
		want := newIndexNamer(s).choose("public", long, key)
		var got string
		if _, err := conn.Exec(ctx, `CREATE INDEX ON `+long+` (`+strings.Join(key, ", ")+`)`); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRow(ctx, `SELECT relname::text FROM pg_class WHERE relkind = 'i' ORDER BY oid DESC LIMIT 1`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%q: server chose %q, indexNamer %q", key, got, want)
		}
		s.Indexes = append(s.Indexes, IndexStats{Schema: "public", Table: long, Name: got})
	}
}
