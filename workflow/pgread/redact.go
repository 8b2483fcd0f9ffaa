package pgread

import (
	"cmp"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// isSecretKey reports whether a connection parameter's value is a secret.
func isSecretKey(k string) bool {
	switch strings.ToLower(k) {
	case "password", "sslpassword":
		return true
	}
	return false
}

// Redacted returns dsn without its password, for storing and printing: the
// password of a URL's user info and any password or sslpassword parameter
// (URL query or key=value) are removed; everything else is kept as written.
// "" stays "" (the libpq environment, whose PGPASSWORD is never shown).
// A string that does not parse loses everything that may be a password.
func Redacted(dsn string) string {
	if dsn == "" {
		return ""
	}
	if u, ok := splitURL(dsn); ok {
		return u.redacted()
	}
	if pairs, ok := splitKeyValues(dsn); ok {
		var b strings.Builder
		for _, p := range pairs {
			if isSecretKey(p.key) {
				continue
			}
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(p.raw)
		}
		return b.String()
	}
	return looseSecret.ReplaceAllString(dsn, "")
}

// looseSecret finds password=... in a string that does not parse.
var looseSecret = regexp.MustCompile(`(?i)\b(ssl)?password\s*=\s*('(?:[^'\\]|\\.)*'?|\S*)`)

// passwords returns the secrets written in dsn, in every form they may
// appear in (as written and decoded), for scrubbing error messages.
func passwords(dsn string) []string {
	var out []string
	if u, ok := splitURL(dsn); ok {
		if i := strings.IndexByte(u.userinfo, ':'); i >= 0 {
			raw := u.userinfo[i+1:]
			out = appendSecret(out, raw)
			if dec, err := url.PathUnescape(raw); err == nil {
				out = appendSecret(out, dec)
			}
		}
		for _, p := range u.params {
			k, v, _ := strings.Cut(p, "=")
			if dk, err := url.QueryUnescape(k); err == nil && isSecretKey(dk) {
				out = appendSecret(out, v)
				if dec, err := url.QueryUnescape(v); err == nil {
					out = appendSecret(out, dec)
				}
			}
		}
		return out
	}
	if pairs, ok := splitKeyValues(dsn); ok {
		for _, p := range pairs {
			if isSecretKey(p.key) {
				out = appendSecret(out, p.value)
			}
		}
		return out
	}
	for _, m := range looseSecret.FindAllStringSubmatch(dsn, -1) {
		out = appendSecret(out, strings.Trim(m[2], "'"))
	}
	return out
}

// appendSecret adds a non-empty secret once.
func appendSecret(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// scrub hides the secrets in err's text; errors.Is and errors.As still see
// the wrapped error. The public parts of the connection (user, host, port,
// database, the redacted connection string) are shown as they are even when
// a secret equals or is part of one of them: masking "5432" in a port would
// tell that the password is 5432. So a secret is masked only where it is not
// inside a longer (or equal) public part; at each place in the text the
// longest match wins.
func scrub(err error, secrets, public []string) error {
	if err == nil || len(secrets) == 0 {
		return err
	}
	type pair struct {
		old, new string
		public   bool
	}
	var pairs []pair
	for _, s := range secrets {
		pairs = append(pairs, pair{s, "xxxxx", false})
	}
	for _, p := range public {
		if p != "" {
			pairs = append(pairs, pair{p, p, true})
		}
	}
	// strings.Replacer tries its pairs in argument order at each place:
	// longest first, and a public part before a secret of the same length.
	slices.SortStableFunc(pairs, func(a, b pair) int {
		if c := cmp.Compare(len(b.old), len(a.old)); c != 0 {
			return c
		}
		switch {
		case a.public && !b.public:
			return -1
		case b.public && !a.public:
			return 1
		}
		return 0
	})
	args := make([]string, 0, 2*len(pairs))
	for _, p := range pairs {
		args = append(args, p.old, p.new)
	}
	return &scrubbed{err: err, r: strings.NewReplacer(args...)}
}

type scrubbed struct {
	err error
	r   *strings.Replacer
}

func (e *scrubbed) Error() string { return e.r.Replace(e.err.Error()) }

func (e *scrubbed) Unwrap() error { return e.err }

// pgURL is a postgres:// connection URL cut at its parts.
type pgURL struct {
	scheme   string   // "postgres://" or "postgresql://"
	userinfo string   // before the '@', "" when none
	hasAt    bool     // an '@' ends the user info
	rest     string   // host, port, path
	params   []string // query parameters as written, key=value
	fragment string   // "#..." if any
}

// splitURL cuts a connection URI. The authority ends at the first '/' and
// the user info at the last '@' in it, as pgx (net/url) reads it. When the
// authority has no '@' but does not read as host:port list and an '@'
// follows later, the string is ambiguous (an unescaped '/' in a password?)
// and the user info runs to that '@', so that no password is left in view.
func splitURL(dsn string) (pgURL, bool) {
	var u pgURL
	for _, scheme := range []string{"postgresql://", "postgres://"} {
		if strings.HasPrefix(dsn, scheme) {
			u.scheme = scheme
			break
		}
	}
	if u.scheme == "" {
		return u, false
	}
	s := dsn[len(u.scheme):]
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s, u.fragment = s[:i], s[i:]
	}
	var query string
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s, query = s[:i], s[i+1:]
	}
	authority := s
	if i := strings.IndexByte(s, '/'); i >= 0 {
		authority = s[:i]
	}
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		u.userinfo, u.hasAt, s = s[:i], true, s[i+1:]
	} else if j := strings.LastIndexByte(s, '@'); j >= 0 && !hostPorts(authority) {
		u.userinfo, u.hasAt, s = s[:j], true, s[j+1:]
	}
	u.rest = s
	if query != "" {
		u.params = strings.Split(query, "&")
	}
	return u, true
}

// hostPorts reports whether s reads as a comma-separated list of host,
// host:port or [ipv6]:port with numeric ports.
func hostPorts(s string) bool {
	for _, hp := range strings.Split(s, ",") {
		if strings.HasPrefix(hp, "[") {
			end := strings.IndexByte(hp, ']')
			if end < 0 {
				return false
			}
			hp = hp[end+1:]
			if hp == "" {
				continue
			}
			if hp[0] != ':' {
				return false
			}
		}
		i := strings.LastIndexByte(hp, ':')
		if i < 0 {
			continue
		}
		for _, c := range hp[i+1:] {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}

func (u pgURL) redacted() string {
	var b strings.Builder
	b.WriteString(u.scheme)
	if u.hasAt {
		user, _, _ := strings.Cut(u.userinfo, ":")
		b.WriteString(user)
		b.WriteByte('@')
	}
	b.WriteString(u.rest)
	sep := "?"
	for _, p := range u.params {
		k, _, _ := strings.Cut(p, "=")
		if dk, err := url.QueryUnescape(k); err != nil || isSecretKey(dk) {
			continue
		}
		b.WriteString(sep)
		b.WriteString(p)
		sep = "&"
	}
	b.WriteString(u.fragment)
	return b.String()
}

// kvPair is one key=value setting as written.
type kvPair struct {
	key, value string // value unquoted and unescaped
	raw        string // as written, e.g. password = 'a b'
}

// splitKeyValues cuts a libpq key=value string: keys, optional spaces around
// '=', values single-quoted (with \' and \\) or bare (with \ escapes). It
// returns false when the string does not follow that form.
func splitKeyValues(s string) ([]kvPair, bool) {
	var out []kvPair
	i := 0
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i == len(s) {
			return out, len(out) > 0
		}
		start := i
		for i < len(s) && s[i] != '=' && !isSpace(s[i]) {
			i++
		}
		key := s[start:i]
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if key == "" || i == len(s) || s[i] != '=' {
			return nil, false
		}
		i++
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		var val strings.Builder
		if i < len(s) && s[i] == '\'' {
			i++
			closed := false
			for i < len(s) {
				c := s[i]
				if c == '\\' && i+1 < len(s) {
					val.WriteByte(s[i+1])
					i += 2
					continue
				}
				i++
				if c == '\'' {
					closed = true
					break
				}
				val.WriteByte(c)
			}
			if !closed {
				return nil, false
			}
		} else {
			for i < len(s) && !isSpace(s[i]) {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
				i++
			}
		}
		out = append(out, kvPair{key: key, value: val.String(), raw: s[start:i]})
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}
