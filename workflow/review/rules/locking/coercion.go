package locking

import (
	"strings"

	"github.com/pgrollout/pgrollout/workflow/locks"
)

// typeChange says what ALTER COLUMN ... TYPE does to the rows already stored;
// the lock table decides it, so findings and lock facts agree.
type typeChange = locks.TypeChange

const (
	rewrites       = locks.TypeChangeRewrites
	coercible      = locks.TypeChangeCoercible
	coercibleInUTC = locks.TypeChangeCoercibleInUTC
)

// classifyTypeChange asks the lock table what a type change costs.
func classifyTypeChange(from, to string, pg int) typeChange {
	return locks.ClassifyTypeChange(from, to, pg)
}

// utcZone reports whether a TimeZone setting has a zero offset all year.
func utcZone(tz string) bool {
	switch strings.ToLower(strings.TrimSpace(tz)) {
	case "utc", "etc/utc", "uct", "etc/uct", "gmt", "etc/gmt", "gmt0", "etc/gmt0", "etc/gmt+0", "etc/gmt-0",
		"universal", "etc/universal", "zulu", "etc/zulu", "z", "+00", "+00:00", "-00", "00:00":
		return true
	}
	return false
}
