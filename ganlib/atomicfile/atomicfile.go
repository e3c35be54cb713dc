// Package atomicfile writes files so that readers never see a partial file and a crash never
// destroys the previous version: snapshots, sample grids, caches.
package atomicfile

import (
	stderrors "errors"
	"os"
	"path/filepath"

	"github.com/pkg/errors"
)

// Write writes data to path through a temporary file in the same folder and a rename,
// so readers never see a partial file and a crash never destroys the previous version.
func Write(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errors.Wrapf(err, "creating folder %s", dir)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return errors.Wrapf(err, "creating a temporary file for %s", path)
	}
	_, writeErr := tmp.Write(data)
	syncErr := tmp.Sync()
	closeErr := tmp.Close()
	if err := stderrors.Join(writeErr, syncErr, closeErr); err != nil {
		os.Remove(tmp.Name())
		return errors.Wrapf(err, "writing %s", tmp.Name())
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return errors.Wrapf(err, "renaming %s to %s", tmp.Name(), path)
	}
	return nil
}
