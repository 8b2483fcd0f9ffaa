package hygiene

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// lengthNote heads the safe SQL of the text rules: where the limit went.
const lengthNote = "-- text has no length limit; a new table keeps it as CHECK (char_length(...) <= n). On a table with rows,\n" +
	"-- add that CHECK as its own constraint NOT VALID, then VALIDATE it in a separate transaction.\n"

// toText turns a column into text, keeping a declared length as a CHECK on a
// new table.
func toText(ct columnType) {
	n := typmod(ct.def.TypeName)
	ct.def.TypeName.Names = []*pg_query.Node{pg_query.MakeStrNode("text")}
	ct.def.TypeName.Typmods = nil
	addLengthCheck(ct, n)
}

// preferTextField: varchar(n) columns.
func preferTextField() rule.Rule {
	tc := typeCheck{
		match: func(ct columnType) bool {
			return baseType(ct.def.TypeName) == "varchar" && len(ct.def.TypeName.Typmods) > 0
		},
		fix: toText,
		message: func(ct columnType) string {
			return "column " + ct.table + "." + ct.column + " is " + written(ct) + ": changing the limit later means ALTER COLUMN TYPE under an ACCESS EXCLUSIVE lock"
		},
		note: lengthNote,
	}
	return rule.Rule{
		ID:       "prefer-text-field",
		Severity: workflow.SeverityInfo,
		Summary:  "varchar(n) column instead of text with a CHECK",
		Why: "In PostgreSQL varchar(n) is text plus a length check that can only change through ALTER " +
			"COLUMN ... TYPE, which takes an ACCESS EXCLUSIVE lock (and scans or rewrites the table when " +
			"the limit shrinks). text performs the same; a CHECK (char_length(col) <= n) constraint " +
			"enforces the limit and can be replaced NOT VALID and validated online.",
		Check: tc.run,
		Cases: []rule.Case{
			{Name: "create table", SQL: "CREATE TABLE customers (id bigint, email varchar(255) NOT NULL, tags varchar(20)[]);", Fires: true},
			{Name: "add column", Baseline: "CREATE TABLE customers (id bigint);", SQL: "ALTER TABLE customers ADD COLUMN name character varying(100);", Fires: true},
			{Name: "text and unbounded varchar", SQL: "CREATE TABLE customers (email text CHECK (char_length(email) <= 255), name varchar);"},
		},
	}
}

// banCharField: char(n) / character(n) / bpchar columns.
func banCharField() rule.Rule {
	tc := typeCheck{
		match: func(ct columnType) bool { return baseType(ct.def.TypeName) == "bpchar" },
		fix:   toText,
		message: func(ct columnType) string {
			return "column " + ct.table + "." + ct.column + " is " + written(ct) + ": values are blank-padded to the full length"
		},
		note: lengthNote,
	}
	return rule.Rule{
		ID:       "ban-char-field",
		Severity: workflow.SeverityInfo,
		Summary:  "char(n) column instead of text",
		Why: "char(n) pads every value with spaces to n characters: it wastes space, the padding is " +
			"ignored in some comparisons and not in others (LIKE, regular expressions, concatenation), " +
			"and application code sees trailing blanks. It is not faster than text in PostgreSQL. Use " +
			"text, with a CHECK constraint if the length matters.",
		Check: tc.run,
		Cases: []rule.Case{
			{Name: "create table", SQL: "CREATE TABLE countries (code char(2) PRIMARY KEY, flag character);", Fires: true},
			{Name: "change type", Baseline: "CREATE TABLE countries (code text);", SQL: "ALTER TABLE countries ALTER COLUMN code TYPE character(3);", Fires: true},
			{Name: "text", SQL: "CREATE TABLE countries (code text PRIMARY KEY CHECK (char_length(code) = 2));"},
		},
	}
}

// preferTimestamptz: timestamp without time zone columns.
func preferTimestamptz() rule.Rule {
	tc := typeCheck{
		match: func(ct columnType) bool { return baseType(ct.def.TypeName) == "timestamp" },
		fix: func(ct columnType) {
			ct.def.TypeName.Names = []*pg_query.Node{pg_query.MakeStrNode("timestamptz")}
		},
		message: func(ct columnType) string {
			return "column " + ct.table + "." + ct.column + " is " + written(ct) + " without time zone: the same value means different instants to writers in different time zones"
		},
	}
	return rule.Rule{
		ID:       "prefer-timestamptz",
		Severity: workflow.SeverityInfo,
		Summary:  "timestamp without time zone instead of timestamptz",
		Why: "timestamp stores a wall-clock reading with no zone: what is written depends on the " +
			"writer's TimeZone setting, comparisons across zones and daylight-saving changes go wrong, " +
			"and now() is silently converted. timestamptz stores an absolute instant in the same 8 bytes " +
			"and converts to the reader's zone on output.",
		Check: tc.run,
		Cases: []rule.Case{
			{Name: "create table", SQL: "CREATE TABLE events (id bigint, created_at timestamp NOT NULL DEFAULT now(), seen_at timestamp(3) without time zone);", Fires: true},
			{Name: "add column", Baseline: "CREATE TABLE events (id bigint);", SQL: "ALTER TABLE events ADD COLUMN deleted_at timestamp;", Fires: true},
			{Name: "timestamptz", SQL: "CREATE TABLE events (created_at timestamptz NOT NULL DEFAULT now(), at timestamp with time zone);"},
		},
	}
}
