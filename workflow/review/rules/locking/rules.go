// Package locking holds the review rules about locks, rewrites and long
// scans on tables that already hold data.
package locking

import "github.com/pgrollout/pgrollout/workflow/review/rule"

// Rules returns the locking rules: squawk's lock, rewrite and scan rules
// under squawk's ids.
func Rules() []rule.Rule {
	return []rule.Rule{
		addingFieldWithDefault(),
		addingForeignKeyConstraint(),
		addingNotNullableField(),
		addingRequiredField(),
		addingSerialPrimaryKeyField(),
		changingColumnType(),
		constraintMissingNotValid(),
		disallowedUniqueConstraint(),
		preferRepack(),
		requireConcurrentIndexCreation(),
		requireConcurrentIndexDeletion(),
		requireConcurrentPartitionDetach(),
		requireConcurrentReindex(),
		requireLockTimeout(),
		requireStatementTimeout(),
	}
}
