package store

import (
	"errors"
	"os"
	"path/filepath"
)

// DefaultPath is where the store lives unless --store says otherwise:
// $XDG_DATA_HOME/pgrollout/pgrollout.db, else ~/.local/share/pgrollout/pgrollout.db.
func DefaultPath() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "pgrollout", "pgrollout.db"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return "", errors.New("no home folder to keep the store in: pass --store PATH or set XDG_DATA_HOME")
	}
	return filepath.Join(home, ".local", "share", "pgrollout", "pgrollout.db"), nil
}
