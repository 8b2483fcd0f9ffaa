package review

import (
	"regexp"
	"strings"

	"github.com/pgrollout/pgrollout/workflow/schema"
)

// ignores are the suppression comments of one file.
type ignores struct {
	// file is set by "-- pgrollout-ignore-file" or "-- squawk-ignore-file"
	// without rule ids: the whole file is skipped.
	file bool
	// fileRules are rules ignored for the whole file.
	fileRules map[string]bool
	// stmt holds, per statement index, the rules ignored for it ("*" for all).
	stmt map[int]map[string]bool
}

// directive matches a suppression comment: the tool, whether it is file-wide,
// and the rule list.
var directive = regexp.MustCompile(`(?i)(?:--|/\*)\s*(pgrollout|squawk)-ignore(-file)?\b([^\n*]*)`)

// parseIgnores reads the suppression comments: a comment on the lines before
// a statement, or after it on its last line, applies to it; "-ignore-file"
// applies to the file.
func parseIgnores(text string, stmts []schema.Statement) ignores {
	ig := ignores{fileRules: map[string]bool{}, stmt: map[int]map[string]bool{}}
	prevEnd := 0
	for i, st := range stmts {
		ig.readGap(text[prevEnd:st.Start], i-1, i)
		prevEnd = st.End
	}
	ig.readGap(text[prevEnd:], len(stmts)-1, -1)
	return ig
}

// readGap splits the text between two statements: what stands on the line
// where the previous statement ends belongs to it, the rest to the next.
func (ig *ignores) readGap(gap string, prev, next int) {
	sameLine, rest := gap, ""
	if nl := strings.IndexByte(gap, '\n'); nl >= 0 {
		sameLine, rest = gap[:nl], gap[nl:]
	}
	if prev < 0 {
		sameLine, rest = "", gap
	}
	ig.read(sameLine, prev)
	ig.read(rest, next)
}

// read takes the directives of one stretch of comments before statement i
// (-1: after the last statement).
func (ig *ignores) read(gap string, i int) {
	for _, m := range directive.FindAllStringSubmatch(gap, -1) {
		rules := ruleList(m[3])
		if m[2] != "" {
			if len(rules) == 0 {
				ig.file = true
			}
			for _, r := range rules {
				ig.fileRules[r] = true
			}
			continue
		}
		if i < 0 {
			continue
		}
		if ig.stmt[i] == nil {
			ig.stmt[i] = map[string]bool{}
		}
		if len(rules) == 0 {
			ig.stmt[i]["*"] = true
		}
		for _, r := range rules {
			ig.stmt[i][r] = true
		}
	}
}

// ruleList splits "a, b c" into rule ids.
func ruleList(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\r' })
}

// suppressed reports whether rule is ignored on statement i.
func (ig ignores) suppressed(i int, rule string) bool {
	if ig.fileRules[rule] {
		return true
	}
	s := ig.stmt[i]
	return s["*"] || s[rule]
}
