// Package hygiene holds review rules; see Rules.
package hygiene

import "github.com/pgrollout/pgrollout/workflow/review/rule"

// Rules returns the rules of this group.
func Rules() []rule.Rule {
	return nil
}
