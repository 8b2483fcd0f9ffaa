// Package gaps holds review rules; see Rules.
package gaps

import "github.com/pgrollout/pgrollout/workflow/review/rule"

// Rules returns the rules of this group.
func Rules() []rule.Rule {
	return nil
}
