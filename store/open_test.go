package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/pgrollout/pgrollout/workflow"
)

func TestOpenCreatesPrivateStore(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, "a", "b", "pgrollout.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Path() != path {
		t.Errorf("Path = %q, want %q", s.Path(), path)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{filepath.Join(root, "a"), filepath.Join(root, "a", "b")} {
		if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v, %v; want 0700", dir, fi.Mode().Perm(), err)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("store file: mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only the store", len(entries))
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bbolt.Tx) error {
		m := tx.Bucket([]byte("meta"))
		if m == nil {
			return errors.New("no meta bucket")
		}
		if f, v := string(m.Get([]byte("format"))), string(m.Get([]byte("version"))); f != "pgrollout" || v != "1" {
			return fmt.Errorf("format record %q version %q", f, v)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

func TestOpenInUse(t *testing.T) {
	s, path := openTemp(t)
	start := time.Now()
	s2, err := Open(t.Context(), path)
	elapsed := time.Since(start)
	if err == nil {
		s2.Close()
		t.Fatal("second Open of a store in use succeeded")
	}
	assertInUse(t, err, path, elapsed)

	// The lock goes with Close.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s3, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	s3.Close()
}

func assertInUse(t *testing.T, err error, path string, elapsed time.Duration) {
	t.Helper()
	if !errors.Is(err, ErrInUse) {
		t.Errorf("err = %v, want ErrInUse", err)
	}
	if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, "in use by another pgrollout process") {
		t.Errorf("message %q should name %s and say it is in use by another pgrollout process", msg, path)
	}
	if elapsed >= 2*time.Second {
		t.Errorf("took %v to report the store in use, want under 2s", elapsed)
	}
}

// helperEnv tells the test binary, run again as a child process, to open the
// store it names and report how that went.
const helperEnv = "PGROLLOUT_STORE_TEST_OPEN"

func TestHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		return
	}
	start := time.Now()
	s, err := Open(context.Background(), path)
	if err == nil {
		s.Close()
	}
	fmt.Printf("elapsed=%d\nerr=%v\ninuse=%t\n", time.Since(start).Milliseconds(), err, errors.Is(err, ErrInUse))
	os.Exit(0)
}

func TestOpenInUseByAnotherProcess(t *testing.T) {
	_, path := openTemp(t) // stays open until the test ends
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper process: %v\n%s", err, out)
	}
	report := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			report[k] = v
		}
	}
	var ms int
	if _, err := fmt.Sscan(report["elapsed"], &ms); err != nil {
		t.Fatalf("helper output %q: %v", out, err)
	}
	if report["inuse"] != "true" {
		t.Errorf("child Open err = %s, want ErrInUse", report["err"])
	}
	if msg := report["err"]; !strings.Contains(msg, path) || !strings.Contains(msg, "in use by another pgrollout process") {
		t.Errorf("child message %q should name %s and say it is in use by another pgrollout process", msg, path)
	}
	if ms >= 2000 {
		t.Errorf("child took %dms to report the store in use, want under 2s", ms)
	}
}

// validStore writes a store holding the sample project and returns its bytes.
func validStore(t testing.TB, path string) []byte {
	t.Helper()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, sampleProject("Checkout"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// boltFile writes a bbolt file whose content fill makes.
func boltFile(t *testing.T, path string, fill func(tx *bbolt.Tx) error) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(fill); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// setFormat rewrites a pgrollout store's format record.
func setFormat(format, version string) func(t *testing.T, path string) {
	return func(t *testing.T, path string) {
		validStore(t, path)
		boltFile(t, path, func(tx *bbolt.Tx) error {
			m := tx.Bucket([]byte("meta"))
			if err := m.Put([]byte("format"), []byte(format)); err != nil {
				return err
			}
			return m.Put([]byte("version"), []byte(version))
		})
	}
}

func TestOpenRefusesBadFiles(t *testing.T) {
	ps := os.Getpagesize()
	random := func(n int) []byte {
		b := make([]byte, n)
		r := rand.New(rand.NewPCG(1, uint64(n)))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	writeBytes := func(b []byte) func(t *testing.T, path string) {
		return func(t *testing.T, path string) {
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	// mangle writes a valid store, then changes its bytes.
	mangle := func(f func([]byte) []byte) func(t *testing.T, path string) {
		return func(t *testing.T, path string) {
			b := validStore(t, path)
			if err := os.WriteFile(path, f(b), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	// cutData writes a valid store, then cuts the file n bytes short of the
	// end of its data (bbolt grows files ahead of the data).
	cutData := func(n int) func(t *testing.T, path string) {
		return func(t *testing.T, path string) {
			validStore(t, path)
			db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			var size int64
			_ = db.View(func(tx *bbolt.Tx) error { size = tx.Size(); return nil })
			db.Close()
			if err := os.Truncate(path, size-int64(n)); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name  string
		make  func(t *testing.T, path string)
		want  error
		inMsg []string
	}{
		{"empty file", writeBytes(nil), ErrCorrupt, []string{"empty"}},
		{"shorter than two pages", mangle(func(b []byte) []byte { return b[:ps+ps/2] }), ErrCorrupt, nil},
		{"first bytes only", mangle(func(b []byte) []byte { return b[:100] }), ErrCorrupt, nil},
		{"truncated to half", mangle(func(b []byte) []byte { return b[:len(b)/2] }), ErrCorrupt, []string{"truncated"}},
		{"last data page cut off", cutData(ps), ErrCorrupt, []string{"truncated"}},
		{"last data byte cut off", cutData(1), ErrCorrupt, []string{"truncated"}},
		{"data pages overwritten", mangle(func(b []byte) []byte {
			copy(b[2*ps:], random(len(b)-2*ps))
			return b
		}), ErrCorrupt, nil},
		{"freelist and root page zeroed", mangle(func(b []byte) []byte {
			clear(b[2*ps : 4*ps])
			return b
		}), ErrCorrupt, nil},
		{"random bytes", writeBytes(random(64 << 10)), ErrForeign, []string{"not a pgrollout store"}},
		{"short random bytes", writeBytes(random(100)), ErrCorrupt, nil},
		{"text file", writeBytes([]byte(strings.Repeat("SELECT 1;\n", 2000))), ErrForeign, []string{"not a pgrollout store"}},
		{"foreign bbolt file", func(t *testing.T, path string) {
			boltFile(t, path, func(tx *bbolt.Tx) error {
				b, err := tx.CreateBucket([]byte("widgets"))
				if err != nil {
					return err
				}
				return b.Put([]byte("w1"), []byte("blue"))
			})
		}, ErrForeign, []string{"not a pgrollout store"}},
		{"another program's format record", setFormat("otherapp", "1"), ErrForeign, []string{"not a pgrollout store"}},
		{"newer format", setFormat("pgrollout", "2"), ErrNewerFormat, []string{"version 2", "upgrade pgrollout"}},
		{"unreadable format version", setFormat("pgrollout", "two"), ErrCorrupt, []string{"two"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "pgrollout.db")
			tt.make(t, path)
			before := fileSum(t, path)

			start := time.Now()
			s, err := Open(t.Context(), path)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if elapsed := time.Since(start); elapsed > time.Second {
				t.Errorf("Open took %v", elapsed)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			msg := err.Error()
			want := append([]string{path}, tt.inMsg...)
			if tt.want == ErrCorrupt {
				want = append(want, "mv "+path+" "+path+".broken",
					"pgrollout export --project NAME --store PATH --out DIR")
			}
			for _, w := range want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not contain %q", msg, w)
				}
			}
			if after := fileSum(t, path); after != before {
				t.Error("Open changed the file")
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("folder holds %d entries, want only the file", len(entries))
			}
		})
	}
}

func TestOpenRefusesDirectory(t *testing.T) {
	_, err := Open(t.Context(), t.TempDir())
	if !errors.Is(err, ErrForeign) {
		t.Errorf("err = %v, want ErrForeign", err)
	}
}

func TestCorruptMessageQuotesPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "my store's.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), path)
	if want := `mv '` + strings.ReplaceAll(path, "'", `'\''`) + `' '`; !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want ErrCorrupt with %s", err, want)
	}
}

func TestReopenKeepsWorking(t *testing.T) {
	// A store that was written, closed and reopened many times stays valid:
	// the checks on open accept everything bbolt writes.
	s, _ := openTemp(t)
	m := mustCreate(t, s, sampleProject("Checkout"))
	for i := range 20 {
		c := workflow.DecisionChange{At: t0.Add(time.Duration(i+2) * time.Hour), State: workflow.NeedsEvidence, Owner: "ana", Reason: fmt.Sprint("round ", i)}
		if _, err := s.AppendDecisionChange(t.Context(), m.ID, "audit-bloat", c); err != nil {
			t.Fatal(err)
		}
		p := sampleProject(fmt.Sprint("extra ", i))
		pm := mustCreate(t, s, p)
		if i%2 == 0 {
			if err := s.DeleteProject(t.Context(), pm.ID); err != nil {
				t.Fatal(err)
			}
		}
		s = reopen(t, s)
	}
	p, err := s.LoadProject(t.Context(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := p.Decision("audit-bloat"); len(d.History) != 20 {
		t.Errorf("%d history entries, want 20", len(d.History))
	}
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}
