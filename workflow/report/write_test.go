package report

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	files := []File{
		{Name: "decisions.md", Body: []byte("decisions\n")},
		{Name: "migration/001_checkout_core.sql", Body: []byte("-- forward\n")},
		{Name: "README.md", Body: []byte("index\n")},
	}

	t.Run("creates dir and nested dirs", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "handoff", "checkout")
		paths, err := Write(context.Background(), dir, files, false)
		if err != nil {
			t.Fatalf("Write: %v", err)
		}
		want := []string{
			filepath.Join(dir, "decisions.md"),
			filepath.Join(dir, "migration", "001_checkout_core.sql"),
			filepath.Join(dir, "README.md"),
		}
		if !slices.Equal(paths, want) {
			t.Errorf("paths = %v, want %v", paths, want)
		}
		for i, p := range want {
			assertFile(t, p, string(files[i].Body))
		}
		assertNoTemps(t, dir)
	})

	t.Run("refuses existing file without force", func(t *testing.T) {
		dir := t.TempDir()
		existing := filepath.Join(dir, "README.md")
		if err := os.WriteFile(existing, []byte("mine\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		paths, err := Write(context.Background(), dir, files, false)
		if err == nil {
			t.Fatal("Write over an existing file without force succeeded")
		}
		if msg := err.Error(); !strings.Contains(msg, existing) || !errors.Is(err, ErrExists) {
			t.Errorf("error %q should name %s and be ErrExists", msg, existing)
		}
		if len(paths) != 0 {
			t.Errorf("paths = %v, want none", paths)
		}
		assertFile(t, existing, "mine\n")
		if _, err := os.Stat(filepath.Join(dir, "decisions.md")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("decisions.md was written although the export was refused (stat err %v)", err)
		}
	})

	t.Run("overwrites with force", func(t *testing.T) {
		dir := t.TempDir()
		existing := filepath.Join(dir, "README.md")
		if err := os.WriteFile(existing, []byte("old\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Write(context.Background(), dir, files, true); err != nil {
			t.Fatalf("Write with force: %v", err)
		}
		assertFile(t, existing, "index\n")
		assertNoTemps(t, dir)
	})

	t.Run("force does not replace a directory", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, "README.md"), 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := Write(context.Background(), dir, files, true); err == nil || !strings.Contains(err.Error(), "is a directory") {
			t.Errorf("err = %v, want an 'is a directory' error", err)
		}
	})

	t.Run("stops when the context is done", func(t *testing.T) {
		dir := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		paths, err := Write(ctx, dir, files, false)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if len(paths) != 0 {
			t.Errorf("paths = %v, want none", paths)
		}
	})
}

func TestWriteRejectsBadNames(t *testing.T) {
	tests := []struct{ name, file, wantErr string }{
		{"parent", "../outside.md", "not inside"},
		{"nested parent", "migration/../../outside.md", "not inside"},
		{"absolute", "/tmp/outside.md", "not inside"},
		{"empty", "", "no name"},
		{"dot", ".", "output directory itself"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "out")
			files := []File{{Name: "ok.md", Body: []byte("ok")}, {Name: tt.file, Body: []byte("bad")}}
			_, err := Write(context.Background(), dir, files, true)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Write(%q): err = %v, want one containing %q", tt.file, err, tt.wantErr)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("output directory was created although a name was rejected (stat err %v)", err)
			}
			if _, err := os.Stat(filepath.Join(parent, "outside.md")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a file escaped the output directory (stat err %v)", err)
			}
		})
	}
}

func TestWriteRejectsDuplicateNames(t *testing.T) {
	files := []File{{Name: "a/b.md"}, {Name: "a/./b.md"}}
	if _, err := Write(context.Background(), t.TempDir(), files, true); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("err = %v, want a duplicate-name error", err)
	}
}

func TestWriteRefusesSymlinkEscape(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "migration")); err != nil {
		t.Skipf("symlinks unavailable: %v", err)
	}
	files := []File{{Name: "migration/001.sql", Body: []byte("x")}}
	if _, err := Write(context.Background(), dir, files, true); err == nil {
		t.Error("Write followed a symlink out of the output directory")
	}
	if _, err := os.Stat(filepath.Join(outside, "001.sql")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("file written outside the output directory (stat err %v)", err)
	}
}

func assertFile(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	if string(got) != want {
		t.Errorf("%s = %q, want %q", path, got, want)
	}
}

// assertNoTemps fails when a temporary file was left behind anywhere under dir.
func assertNoTemps(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
