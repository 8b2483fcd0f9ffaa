// Package config reads .pgrollout.toml, the review settings a team keeps
// beside its migrations: the server version, excluded rules, and how the
// migration runner wraps files in transactions.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
)

// FileName is the config file's name.
const FileName = ".pgrollout.toml"

// Config is what a .pgrollout.toml holds. Zero values mean "not set".
type Config struct {
	// Path is the file the config came from ("" when none was found).
	Path string `toml:"-"`
	// PGVersion is the target server's major version.
	PGVersion int `toml:"pg_version"`
	// ExcludedRules are rule ids not to run.
	ExcludedRules []string `toml:"excluded_rules"`
	// Runner is the migration runner's transaction behaviour: plain,
	// golang-migrate, flyway, sqitch or assume-in-transaction.
	Runner string `toml:"runner"`
}

// Find looks for .pgrollout.toml in dir and its parents and reads the first
// one found. No file is not an error: the zero Config comes back.
func Find(dir string) (Config, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return Config{}, fmt.Errorf("find %s: %w", FileName, err)
	}
	for {
		path := filepath.Join(dir, FileName)
		data, err := os.ReadFile(path)
		switch {
		case err == nil:
			return Parse(path, data)
		case !errors.Is(err, fs.ErrNotExist):
			return Config{}, fmt.Errorf("read %s: %w", path, err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return Config{}, nil
		}
		dir = parent
	}
}

// Parse reads a config file's bytes; errors name the file and line.
func Parse(path string, data []byte) (Config, error) {
	var c Config
	md, err := toml.Decode(string(data), &c)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return Config{}, fmt.Errorf("%s:%d:%d: %s", path, pe.Position.Line, pe.Position.Col, pe.Message)
		}
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	if extra := md.Undecoded(); len(extra) > 0 {
		keys := make([]string, len(extra))
		for i, k := range extra {
			keys[i] = k.String()
		}
		return Config{}, fmt.Errorf("%s:%d: unknown setting %s (want pg_version, excluded_rules, runner)",
			path, lineOf(data, extra[0].String()), strings.Join(keys, ", "))
	}
	if c.PGVersion != 0 && (c.PGVersion < 9 || c.PGVersion > 19) {
		return Config{}, fmt.Errorf("%s:%d: pg_version %d is not a PostgreSQL major version this tool knows (9 to 19)",
			path, lineOf(data, "pg_version"), c.PGVersion)
	}
	c.Path = path
	return c, nil
}

// lineOf finds the line a key is set on, for messages (1 when unknown).
func lineOf(data []byte, key string) int {
	for i, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), key) {
			return i + 1
		}
	}
	return 1
}
