// Package gaps holds the review rules for concerns no single linter covers:
// partitions, triggers, enum values in transactions, lock hold time, repeated
// ALTERs, foreign keys without indexes, table rewrites by storage changes,
// replica identity, exclusion constraints, json columns and the PostgreSQL 14
// concurrent index bug.
package gaps

import "github.com/pgrollout/pgrollout/workflow/review/rule"

// Rules returns the rules of this group.
func Rules() []rule.Rule {
	return []rule.Rule{
		attachPartitionWithoutCheck(),
		createTriggerOnExistingTable(),
		indexOnPartitionedTable(),
		enumValueUsedInSameTransaction(),
		statementsAfterAccessExclusive(),
		multipleAlterTable(),
		foreignKeyWithoutIndex(),
		setLoggedUnlogged(),
		setAccessMethod(),
		setTablespace(),
		replicaIdentityChange(),
		exclusionConstraintOnExistingTable(),
		preferJSONBOverJSON(),
		concurrentIndexPG14Bug(),
	}
}
