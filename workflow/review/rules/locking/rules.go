// Package locking holds the review rules about locks, rewrites and long
// scans on tables that already hold data.
package locking

import "github.com/pgrollout/pgrollout/workflow/review/rule"

// Rules returns the locking rules.
func Rules() []rule.Rule {
	return []rule.Rule{
		requireConcurrentIndexCreation(),
	}
}
