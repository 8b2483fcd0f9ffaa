package compare

import (
	"strconv"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
)

// Headline phrases a tally the way owners read it: "one accepted change, one
// evidence gap, one rejected rollout item". Counts up to twelve are written as
// words, zero as "no", larger counts as digits; an empty tally reads
// "no decisions yet". The phrase starts lower case so callers can prefix it.
func Headline(t workflow.Tally) string {
	if t.Total() == 0 {
		return "no decisions yet"
	}
	return strings.Join([]string{
		counted(t.Accepted, "accepted change", "accepted changes"),
		counted(t.NeedsEvidence, "evidence gap", "evidence gaps"),
		counted(t.Blocked, "rejected rollout item", "rejected rollout items"),
	}, ", ")
}

// counted writes n followed by the singular or plural noun.
func counted(n int, singular, plural string) string {
	noun := plural
	if n == 1 {
		noun = singular
	}
	return numberWord(n) + " " + noun
}

// numberWord spells 0 as "no" and 1 to 12 as words; other numbers stay digits.
func numberWord(n int) string {
	words := [...]string{"no", "one", "two", "three", "four", "five", "six",
		"seven", "eight", "nine", "ten", "eleven", "twelve"}
	if n >= 0 && n < len(words) {
		return words[n]
	}
	return strconv.Itoa(n)
}
