package report

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// Write writes files into dir and returns the paths written, in order. It
// creates dir (0755) and any sub-directory a slash-separated name needs. Names
// must stay inside dir: absolute names and names that climb out with ".." are
// rejected before anything is written. Unless force is set, Write refuses to
// replace an existing file and, again, writes nothing. Each file is written
// to a temporary file in its own directory and renamed into place, so a reader
// never sees half a file. ctx is checked before each file; when it is done,
// or a write fails, Write returns the paths written so far with the error.
func Write(ctx context.Context, dir string, files []File, force bool) ([]string, error) {
	names, err := localNames(files)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("report: writing %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report: creating output directory: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("report: opening output directory: %w", err)
	}
	defer root.Close()

	if err := checkTargets(root, dir, names, force); err != nil {
		return nil, err
	}
	paths := make([]string, 0, len(files))
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return paths, fmt.Errorf("report: writing %s: %w", dir, err)
		}
		if err := writeAtomic(root, names[i], f.Body); err != nil {
			return paths, fmt.Errorf("report: writing %s: %w", filepath.Join(dir, names[i]), err)
		}
		paths = append(paths, filepath.Join(dir, names[i]))
	}
	return paths, nil
}

// localNames turns the files' slash-separated names into clean local paths,
// rejecting empty, absolute, escaping and duplicate names.
func localNames(files []File) ([]string, error) {
	names := make([]string, len(files))
	seen := make(map[string]bool, len(files))
	for i, f := range files {
		if f.Name == "" {
			return nil, fmt.Errorf("report: file %d has no name", i+1)
		}
		n := filepath.FromSlash(f.Name)
		if path.IsAbs(f.Name) || filepath.IsAbs(n) || !filepath.IsLocal(n) {
			return nil, fmt.Errorf("report: file name %q is not inside the output directory", f.Name)
		}
		n = filepath.Clean(n)
		if n == "." {
			return nil, fmt.Errorf("report: file name %q names the output directory itself", f.Name)
		}
		if seen[n] {
			return nil, fmt.Errorf("report: file name %q appears twice", f.Name)
		}
		seen[n] = true
		names[i] = n
	}
	return names, nil
}

// ErrExists is returned when an export would overwrite a file without force.
var ErrExists = errors.New("already exists")

// checkTargets makes sure every name can be written: without force no file may
// exist yet; with force an existing directory still cannot be replaced.
func checkTargets(root *os.Root, dir string, names []string, force bool) error {
	for _, n := range names {
		fi, err := root.Lstat(n)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return fmt.Errorf("report: checking %s: %w", filepath.Join(dir, n), err)
		case fi.IsDir():
			return fmt.Errorf("report: %s is a directory, not a file", filepath.Join(dir, n))
		case !force:
			return fmt.Errorf("report: %s %w", filepath.Join(dir, n), ErrExists)
		}
	}
	return nil
}

// writeAtomic writes body to name inside root through a temporary file in the
// same directory, renamed into place once it is complete and synced.
func writeAtomic(root *os.Root, name string, body []byte) (err error) {
	sub := filepath.Dir(name)
	if sub != "." {
		if err := root.MkdirAll(sub, 0o755); err != nil {
			return fmt.Errorf("creating directory: %w", err)
		}
	}
	tmp := filepath.Join(sub, "."+filepath.Base(name)+".tmp-"+rand.Text())
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("creating temporary file: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			root.Remove(tmp)
		}
	}()
	if _, err := f.Write(body); err != nil {
		return fmt.Errorf("writing temporary file: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("syncing temporary file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("closing temporary file: %w", err)
	}
	if err := root.Rename(tmp, name); err != nil {
		return fmt.Errorf("renaming into place: %w", err)
	}
	return nil
}
