// Package hygiene holds the schema-hygiene review rules: column types that
// age badly (int, smallint, serial, varchar(n), char(n), timestamp),
// identifiers PostgreSQL truncates, duplicate SET assignments and unqualified
// table names. Their safe SQL is the statement rewritten with the fix.
package hygiene

import "github.com/pgrollout/pgrollout/workflow/review/rule"

// Rules returns the hygiene rules.
func Rules() []rule.Rule {
	return []rule.Rule{
		preferBigintOverInt(),
		preferBigintOverSmallint(),
		preferIdentity(),
		preferTextField(),
		preferTimestamptz(),
		banCharField(),
		identifierTooLong(),
		banDuplicateColumnAssignments(),
		requireTableSchema(),
	}
}
