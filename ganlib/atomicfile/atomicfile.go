// Package atomicfile writes files so that readers never see a partial file and a crash never
// destroys the previous version: snapshots, sample grids, caches.
package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	stderrors "errors"
	"os"
	"path/filepath"

	"github.com/pkg/errors"
)

// Write writes data to path through a temporary file in the same folder and a rename, so readers
// never see a partial file and a crash never destroys the previous version. The file gets mode
// 0666 less the process's umask (0644 under the usual 022), as os.Create gives: a run is readable
// by whoever may read its folder.
func Write(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errors.Wrapf(err, "creating folder %s", dir)
	}
	tmp, err := createTemp(dir, "."+filepath.Base(path)+".tmp")
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

// createTemp creates a new file dir/prefix<random> with mode 0666 (less the umask); os.CreateTemp
// would make it 0600.
func createTemp(dir, prefix string) (*os.File, error) {
	var suffix [8]byte
	for range 10 {
		if _, err := rand.Read(suffix[:]); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(filepath.Join(dir, prefix+hex.EncodeToString(suffix[:])), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if !os.IsExist(err) {
			return f, err
		}
	}
	return nil, errors.Errorf("no free temporary name in %s", dir)
}
