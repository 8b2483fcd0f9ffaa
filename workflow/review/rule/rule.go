// Package rule is the contract between the review engine and its rules: what
// a rule sees of a statement (Context), what it reports (Violation), and how
// it is described and proven (Rule, Case).
package rule

import (
	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/locks"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// Rule is one check. Its Cases are the proof: every case runs in the tests,
// and the safe SQL of every violation a case raises must parse and must not
// raise the same rule again.
type Rule struct {
	// ID is the rule id; squawk's id where squawk has the same concern.
	ID       string
	Severity workflow.Severity
	// Summary is one line for listings.
	Summary string
	// Why says what goes wrong in production; it is the finding's help text
	// unless the violation brings its own.
	Why   string
	Check func(c *Context) []Violation
	Cases []Case
	// OptIn rules run only when asked for by id (Options.Include, --include).
	OptIn bool
}

// Case is an example a rule must get right.
type Case struct {
	Name string
	// Baseline is the schema that exists before SQL runs.
	Baseline string
	SQL      string
	// PG is the server major version for the case (the default when 0).
	PG int
	// Runner is the migration runner for the case (plain when empty).
	Runner string
	// Fires says whether the rule must report at least one violation.
	Fires bool
}

// Violation is what a rule reports; the engine adds the position, the lock
// facts and the key.
type Violation struct {
	Message string
	// Help overrides the rule's Why when set.
	Help string
	// SafeSQL is a concrete alternative as SQL; it must parse and must not
	// trigger the same rule.
	SafeSQL string
	// Object is the table, column or index concerned (the statement's target
	// when empty).
	Object string
	// Location is the byte offset in the file of the offending node; 0 points
	// at the statement.
	Location int32
}

// Context is what a rule sees of one statement.
type Context struct {
	// Stmt is the statement under review; Statements and Index place it in
	// its file, and ByTable finds the file's statements on a table.
	Stmt       schema.Statement
	Statements []schema.Statement
	Index      int
	ByTable    *StatementIndex
	// Model is the schema just before the statement: the baseline plus the
	// earlier statements of the change.
	Model *schema.Model
	// Facts are the lock table's facts for the statement.
	Facts locks.Facts
	// Tx is the transaction state the statement runs in.
	Tx TxState
	// PG is the target server's major version.
	PG int
	// Runner is the migration runner's name.
	Runner string
	// Created holds the tables the change itself created before this
	// statement, by qualified name.
	Created map[string]bool
}

// CreatedHere reports whether the change itself created the table, so it is
// new and empty when the statement runs.
func (c *Context) CreatedHere(table string) bool {
	return c.Created[TableKey(table)]
}

// Existing reports whether the table exists with data when the statement
// runs: the change did not create it.
func (c *Context) Existing(table string) bool { return table != "" && !c.CreatedHere(table) }

// TxState is the transaction a statement runs in.
type TxState struct {
	// InTransaction is set inside an explicit BEGIN ... COMMIT or when the
	// runner wraps the file.
	InTransaction bool
	// Explicit is set inside an explicit BEGIN ... COMMIT.
	Explicit bool
	// AccessExclusive lists the relations this transaction already holds an
	// ACCESS EXCLUSIVE lock on.
	AccessExclusive []string
	// Altered counts the ALTER TABLE statements per table so far in the file
	// (read only: the engine shares it between statements).
	Altered map[string]int
	// EnumValues lists the enum values added ("type.value") earlier in this
	// transaction: they cannot be used before it commits.
	EnumValues []string
	// LockTimeout and StatementTimeout are set once the file has set them.
	LockTimeout, StatementTimeout bool
	// Depth is the BEGIN nesting depth seen so far (for nesting checks).
	Depth int
}
