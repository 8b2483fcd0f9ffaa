// Package design holds the review rules about the data model rather than
// about locks: uniqueness guards for references and keys, nullable columns,
// primary keys, timestamp conventions, indexes that need query evidence, and
// bulk data changes inside schema migrations. They judge the tables and
// indexes a change creates, and for uniqueness also the baseline tables it
// works on.
package design

import "github.com/pgrollout/pgrollout/workflow/review/rule"

// Rules returns the rules of this group.
func Rules() []rule.Rule {
	return []rule.Rule{
		missingUniquenessGuard(),
		broadNullableColumns(),
		tableWithoutPrimaryKey(),
		timestampConventions(),
		indexWithoutQueryEvidence(),
		unboundedDMLInMigration(),
	}
}
