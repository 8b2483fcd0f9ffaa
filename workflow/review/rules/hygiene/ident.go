package hygiene

import (
	"fmt"
	"regexp"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// maxIdentBytes is NAMEDATALEN - 1: longer identifiers are truncated.
const maxIdentBytes = 63

// identifierTooLong: identifiers longer than 63 bytes, which PostgreSQL
// silently truncates.
func identifierTooLong() rule.Rule {
	return rule.Rule{
		ID:       "identifier-too-long",
		Severity: workflow.SeverityInfo,
		Summary:  "identifier longer than 63 bytes, silently truncated",
		Why: "PostgreSQL cuts identifiers at 63 bytes with only a NOTICE: the object gets a name " +
			"nobody wrote, later migrations and code that use the full name still work by accident " +
			"(they are cut too) while catalog queries, tooling and generated names do not match, and " +
			"two long names that share their first 63 bytes collide. Write the name PostgreSQL will " +
			"actually use, or a shorter one.",
		Check: checkIdentifierLength,
		Cases: []rule.Case{
			{Name: "long table and column",
				SQL:   "CREATE TABLE customer_subscription_renewal_reminder_notification_preferences_v2 (notification_channel_preference_for_subscription_renewal_reminders text);",
				Fires: true},
			{Name: "long quoted index name",
				SQL:   `CREATE INDEX "Orders_by_customer_and_creation_date_including_status_and_total_amount" ON orders (customer_id);`,
				Fires: true},
			{Name: "exactly 63 bytes", SQL: "CREATE TABLE table_very_long_very_long_very_long_very_long_very_long_very_lo (id bigint);"},
		},
	}
}

// checkIdentifierLength reports each distinct identifier over the limit,
// with the name PostgreSQL truncates it to.
func checkIdentifierLength(c *rule.Context) []rule.Violation {
	if !mayHoldLongIdent(c.Stmt.Text) {
		return nil
	}
	r, err := pg_query.Scan(c.Stmt.Text)
	if err != nil {
		return nil
	}
	type long struct {
		start, end int32
		quoted     bool
		value      string
	}
	var longs []long
	for _, t := range r.Tokens {
		if t.Token != pg_query.Token_IDENT {
			continue
		}
		tok := c.Stmt.Text[t.Start:t.End]
		quoted := len(tok) >= 2 && tok[0] == '"'
		v := rule.IdentValue(tok)
		if len(v) > maxIdentBytes {
			longs = append(longs, long{t.Start, t.End, quoted, v})
		}
	}
	if len(longs) == 0 {
		return nil
	}
	var b strings.Builder
	prev := int32(0)
	for _, l := range longs {
		b.WriteString(c.Stmt.Text[prev:l.start])
		b.WriteString(identSQL(rule.Clip(l.value), l.quoted))
		prev = l.end
	}
	b.WriteString(c.Stmt.Text[prev:])
	safe := b.String() + ";\n"
	seen := map[string]bool{}
	var out []rule.Violation
	for _, l := range longs {
		if seen[l.value] {
			continue
		}
		seen[l.value] = true
		out = append(out, rule.Violation{
			Message:  fmt.Sprintf("identifier %q is %d bytes: PostgreSQL truncates it to %q", l.value, len(l.value), rule.Clip(l.value)),
			SafeSQL:  safe,
			Object:   rule.Clip(l.value),
			Location: int32(c.Stmt.Start) + l.start,
		})
	}
	return out
}

// mayHoldLongIdent is a cheap filter that spares the scanner most
// statements: a long identifier needs a quote or a run of more than 63 bytes
// without a space or punctuation.
func mayHoldLongIdent(sql string) bool {
	if strings.IndexByte(sql, '"') >= 0 {
		return true
	}
	run := 0
	for i := 0; i < len(sql); i++ {
		b := sql[i]
		if b == '_' || b == '$' || b >= 0x80 || (b >= '0' && b <= '9') || (b|0x20 >= 'a' && b|0x20 <= 'z') {
			run++
			if run > maxIdentBytes {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// plainIdent matches names that need no quotes (keywords aside).
var plainIdent = regexp.MustCompile(`^[a-z_][a-z0-9_$]*$`)

// identSQL writes a name as an identifier: quoted when it was, or when it
// has to be.
func identSQL(name string, quoted bool) string {
	if !quoted && plainIdent.MatchString(name) {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
