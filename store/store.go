// Package store keeps pgrollout's projects in a local bbolt file.
//
// Layout. Every value except the format record is JSON inside a versioned
// envelope, {"v":1,"data":...}; <seq> keys are big-endian uint64 numbers from
// Bucket.NextSequence, so a cursor walks them in the order they were written.
//
//	meta/
//	  format  = "pgrollout"
//	  version = "1"
//	projects/
//	  <project-id>/
//	    meta                       ProjectMeta
//	    documents/<seq>            Document, in stored order
//	    decision-order/<seq>       decision id, in creation order
//	    decisions/<decision-id>/
//	      record                   Decision without its history
//	      history/<seq>            DecisionChange, append-only
//
// Open checks a file before it writes to it: a store of a newer format, a
// file that is not a pgrollout store, and a damaged file are refused and left
// exactly as they were. An open Store holds an exclusive lock on its file; a
// second Open, in this process or another, fails with ErrInUse.
package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Errors callers can test for with errors.Is.
var (
	// ErrInUse means another pgrollout process (or another Store in this
	// process) has the file open.
	ErrInUse = errors.New("in use by another pgrollout process")
	// ErrCorrupt means the file or a record in it is damaged.
	ErrCorrupt = errors.New("store file is corrupt")
	// ErrNewerFormat means the file or a record was written by a newer pgrollout.
	ErrNewerFormat = errors.New("written by a newer pgrollout")
	// ErrForeign means the file is not a pgrollout store.
	ErrForeign = errors.New("not a pgrollout store")
	// ErrNotFound means no project or decision has the given name or id.
	ErrNotFound = errors.New("not found")
	// ErrExists means the name or id is already taken.
	ErrExists = errors.New("already exists")
)

const (
	formatName    = "pgrollout"
	formatVersion = 1
	// lockTimeout bounds the wait for the file lock, so that a store in use
	// is reported quickly instead of hanging.
	lockTimeout = 1500 * time.Millisecond

	bucketMeta     = "meta"
	keyFormat      = "format"
	keyVersion     = "version"
	bucketProjects = "projects"
)

// Store is an open pgrollout store file. Its methods are safe for concurrent use.
type Store struct {
	db   *bbolt.DB
	path string
}

// Open opens the store at path, creating it (and its folder, mode 0700; the
// file gets mode 0600) when it does not exist. It waits at most about 1.5s
// for the file lock and then fails with ErrInUse. It refuses, without
// changing a byte of the file, a store written by a newer pgrollout
// (ErrNewerFormat), a file that is not a pgrollout store (ErrForeign) and a
// damaged file (ErrCorrupt, whose message says how to recover).
func Open(ctx context.Context, path string) (*Store, error) {
	s, err := openStore(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

func openStore(ctx context.Context, path string) (*Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	switch fi, err := os.Stat(path); {
	case errors.Is(err, fs.ErrNotExist):
		if err := create(path); err != nil {
			return nil, fmt.Errorf("create: %w", err)
		}
	case err != nil:
		return nil, err
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("%w (not a regular file)", ErrForeign)
	}
	// Check the file read-only first: refusing it must not change it.
	if err := inspect(path); err != nil {
		return nil, err
	}
	db, err := openBolt(path, false)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, path: path}
	// Cheap second look, in case the file was replaced since inspect.
	if err := s.view(ctx, func(tx *bbolt.Tx) error { return checkFormat(tx, path) }); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the file and its lock. The Store must not be used afterwards.
func (s *Store) Close() error {
	if err := guard(s.path, s.db.Close); err != nil {
		return fmt.Errorf("close store %s: %w", s.path, err)
	}
	return nil
}

// Path returns the store file's path as given to Open.
func (s *Store) Path() string { return s.path }

// create writes a new, empty store to path. The file is built under a
// temporary name and linked into place only when complete, so a crash never
// leaves a half-made store behind, and a store another process created in the
// meantime is kept rather than replaced.
func create(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".new-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer os.Remove(name)
	if err := tmp.Close(); err != nil {
		return err
	}
	db, err := openBolt(name, false)
	if err != nil {
		return err
	}
	err = guard(name, func() error { return db.Update(initStore) })
	if cerr := guard(name, db.Close); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	switch err := os.Link(name, path); {
	case err == nil, errors.Is(err, fs.ErrExist):
		return nil
	default:
		// No hard links on this file system: a rename still publishes a
		// complete file, though it could replace a store made this instant.
		return os.Rename(name, path)
	}
}

// initStore writes the format record and the empty projects bucket.
func initStore(tx *bbolt.Tx) error {
	m, err := tx.CreateBucket([]byte(bucketMeta))
	if err != nil {
		return err
	}
	if err := m.Put([]byte(keyFormat), []byte(formatName)); err != nil {
		return err
	}
	if err := m.Put([]byte(keyVersion), []byte(strconv.Itoa(formatVersion))); err != nil {
		return err
	}
	_, err = tx.CreateBucket([]byte(bucketProjects))
	return err
}

// inspect checks an existing file without writing to it: that bbolt can read
// it, that its pages hang together, and that it is a pgrollout store of a
// format this build knows.
func inspect(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.Size() == 0 {
		return corrupt(path, errors.New("the file is empty"))
	}
	db, err := openBolt(path, true)
	if err != nil {
		var pathErr *fs.PathError
		if errors.Is(err, ErrInUse) || errors.Is(err, ErrCorrupt) || errors.As(err, &pathErr) {
			return err
		}
		return classify(path, fi.Size(), err)
	}
	defer func() { _ = guard(path, db.Close) }()

	// The shared lock is held now, so no pgrollout writes while we read.
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := checkPages(data); err != nil {
		return corrupt(path, err)
	}
	return guard(path, func() error {
		return db.View(func(tx *bbolt.Tx) error {
			if err := consistency(tx); err != nil {
				return corrupt(path, err)
			}
			return checkFormat(tx, path)
		})
	})
}

// classify explains why bbolt could not open a file: a file that starts like
// a bbolt file, or is too short to tell, is damaged; anything else is foreign.
func classify(path string, size int64, cause error) error {
	if size < 2*int64(os.Getpagesize()) || hasBoltMagic(path) {
		return corrupt(path, fmt.Errorf("bbolt cannot read it: %w", cause))
	}
	return fmt.Errorf("%w (not a bbolt database)", ErrForeign)
}

// consistency runs bbolt's own check and reports its findings, if any.
func consistency(tx *bbolt.Tx) error {
	var errs []error
	for err := range tx.Check() {
		errs = append(errs, err)
	}
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("consistency check: %w", errs[0])
	}
	return fmt.Errorf("consistency check: %w (and %d more problems)", errs[0], len(errs)-1)
}

// checkFormat accepts a file carrying pgrollout's format record at a version
// this build reads.
func checkFormat(tx *bbolt.Tx, path string) error {
	m := tx.Bucket([]byte(bucketMeta))
	if m == nil || string(m.Get([]byte(keyFormat))) != formatName {
		return fmt.Errorf("%w (no pgrollout format record)", ErrForeign)
	}
	raw := m.Get([]byte(keyVersion))
	v, err := strconv.Atoi(string(raw))
	switch {
	case err != nil || v < 1:
		return corrupt(path, fmt.Errorf("unreadable format version %q", raw))
	case v > formatVersion:
		return fmt.Errorf("%w (store format version %d; this build reads up to version %d): upgrade pgrollout to open it",
			ErrNewerFormat, v, formatVersion)
	case tx.Bucket([]byte(bucketProjects)) == nil:
		return corrupt(path, errors.New("the projects bucket is missing"))
	}
	return nil
}

// openBolt opens path with bbolt, never creating it, waiting at most
// lockTimeout for the lock. Read-only opens take a shared lock and never write.
func openBolt(path string, readOnly bool) (*bbolt.DB, error) {
	var file *os.File
	opts := &bbolt.Options{
		Timeout:  lockTimeout,
		ReadOnly: readOnly,
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag&^os.O_CREATE, perm)
			file = f // kept so a panic inside bbolt.Open can still release it
			return f, err
		},
	}
	var db *bbolt.DB
	err := guard(path, func() (err error) {
		db, err = bbolt.Open(path, 0o600, opts)
		return err
	})
	switch {
	case err == nil:
		return db, nil
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("%w; close it and try again", ErrInUse)
	case errors.Is(err, ErrCorrupt) && file != nil:
		_ = file.Close() // bbolt panicked before it could close the file
	}
	return nil, err
}

// view runs fn in a read transaction, guarded against panics.
func (s *Store) view(ctx context.Context, fn func(*bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return guard(s.path, func() error { return s.db.View(fn) })
}

// update runs fn in a write transaction, guarded against panics.
func (s *Store) update(ctx context.Context, fn func(*bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return guard(s.path, func() error { return s.db.Update(fn) })
}

// guard runs fn and turns a panic into ErrCorrupt. bbolt trusts its pages
// and panics on some damaged ones; with SetPanicOnFault a stray read of the
// mapped file panics too, instead of killing the process.
func guard(path string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = corrupt(path, fmt.Errorf("bbolt: %v", r))
		}
	}()
	return fn()
}

// corrupt wraps ErrCorrupt with the cause and the way out.
func corrupt(path string, cause error) error {
	q := shellQuote(path)
	return fmt.Errorf("%w (%v). To recover, move it aside and start a new store: mv %s %s. "+
		"Projects of a store that is still readable (such as a backup copy) can be exported first: "+
		"pgrollout export --project NAME --store PATH --out DIR",
		ErrCorrupt, cause, q, shellQuote(path+".broken"))
}

// shellQuote returns s as one shell word.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./+:@%,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
