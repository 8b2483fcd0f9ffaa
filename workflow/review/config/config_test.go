package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindWalksUp(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "db", "migrations")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if c, err := Find(deep); err != nil || c.Path != "" {
		t.Fatalf("no file: %+v %v", c, err)
	}
	body := "pg_version = 14\nexcluded_rules = [\"prefer-text-field\"]\nrunner = \"golang-migrate\"\n"
	if err := os.WriteFile(filepath.Join(root, FileName), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Find(deep)
	if err != nil {
		t.Fatal(err)
	}
	if c.PGVersion != 14 || c.Runner != "golang-migrate" || len(c.ExcludedRules) != 1 || c.Path != filepath.Join(root, FileName) {
		t.Errorf("config %+v", c)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"syntax", "pg_version = 16\nrunner = \n", "x.toml:2:"},
		{"unknown key", "pg_version = 16\nassume_in_transaction = true\n", "x.toml:2: unknown setting assume_in_transaction"},
		{"wrong type", "pg_version = \"sixteen\"\n", "x.toml"},
		{"version", "\npg_version = 160\n", "x.toml:2: pg_version 160"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.toml", []byte(tt.body))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
	if c, err := Parse("x.toml", []byte("# nothing set\n")); err != nil || c.PGVersion != 0 {
		t.Errorf("empty config: %+v %v", c, err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("pg_version = 16\nexcluded_rules = [\"a\"]\nrunner = \"flyway\"\n"))
	f.Add([]byte("[x]\ny = 1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Parse("f.toml", data)
	})
}
