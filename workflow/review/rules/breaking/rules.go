// Package breaking holds the review rules about changes that break running
// application code or lose data: drops, renames, NOT NULL removal, TRUNCATE
// CASCADE, enum ordering and domain constraints. Their safe SQL is the
// expand step a DBA would run first, with the destructive contract step left
// in a comment for a later migration.
package breaking

import "github.com/pgrollout/pgrollout/workflow/review/rule"

// Rules returns the breaking-change rules.
func Rules() []rule.Rule {
	return []rule.Rule{
		banDropColumn(),
		banDropTable(),
		banDropDatabase(),
		banDropNotNull(),
		banTruncateCascade(),
		renamingColumn(),
		renamingTable(),
		requireEnumValueOrdering(),
		banAlterDomainWithAddConstraint(),
		banCreateDomainWithConstraint(),
	}
}
