// Package runs owns a training run's folder: it writes and reads stats.jsonl (one Tick per
// line), the snapshots (snapshot-kimg<kimg>.gob, written atomically), and names and lists the
// sample grids (samples-kimg<kimg>.png) and other files hooks write beside them. The training
// loop, the command line, render and the notebooks all go through it, so the layout is written
// down once.
package runs

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// Dir is a run folder.
type Dir struct{ Path string }

// Open returns the run folder at path (it need not exist yet).
func Open(path string) Dir { return Dir{Path: path} }

const (
	statsName      = "stats.jsonl"
	snapshotPrefix = "snapshot-kimg"
	snapshotSuffix = ".gob"
	samplesPrefix  = "samples-kimg"
	samplesSuffix  = ".png"
)

// kimgName is prefix + kimg (thousands of images shown, 3 decimals, zero-padded so names sort in
// training order) + suffix.
func kimgName(prefix string, shown int64, suffix string) string {
	return fmt.Sprintf("%s%010.3f%s", prefix, float64(shown)/1000, suffix)
}

// SnapshotPath is the snapshot file at the given number of real images shown.
func (d Dir) SnapshotPath(shown int64) string {
	return filepath.Join(d.Path, kimgName(snapshotPrefix, shown, snapshotSuffix))
}

// SamplesPath is the sample grid file at the given number of real images shown.
func (d Dir) SamplesPath(shown int64) string {
	return filepath.Join(d.Path, kimgName(samplesPrefix, shown, samplesSuffix))
}

// File is one file of a run written at Kimg thousand images shown.
type File struct {
	Kimg float64
	Path string
}

// list returns the files named prefix<kimg>suffix, by kimg. Files whose name does not parse so
// are not the run's and are left out (older runs wrote samples-kimg0000.5.png: parsed the same).
func (d Dir) list(prefix, suffix string) ([]File, error) {
	entries, err := os.ReadDir(d.Path)
	if err != nil {
		return nil, errors.Wrapf(err, "runs: listing %s", d.Path)
	}
	var files []File
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, suffix) {
			continue
		}
		kimg, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(name, prefix), suffix), 64)
		if err != nil {
			continue
		}
		files = append(files, File{Kimg: kimg, Path: filepath.Join(d.Path, name)})
	}
	slices.SortFunc(files, func(a, b File) int {
		switch {
		case a.Kimg < b.Kimg:
			return -1
		case a.Kimg > b.Kimg:
			return 1
		}
		return 0
	})
	return files, nil
}

// Snapshots lists the run's snapshots by kimg.
func (d Dir) Snapshots() ([]File, error) { return d.list(snapshotPrefix, snapshotSuffix) }

// Samples lists the run's sample grids by kimg.
func (d Dir) Samples() ([]File, error) { return d.list(samplesPrefix, samplesSuffix) }

// LatestSnapshot returns the run's newest snapshot that reads back whole (its checksum holds),
// with the errors of the newer ones that do not (the caller warns about them); "" if the run has
// no valid snapshot (or its folder does not exist yet).
func (d Dir) LatestSnapshot() (path string, damaged []error, err error) {
	if _, err := os.Stat(d.Path); os.IsNotExist(err) {
		return "", nil, nil
	}
	snapshots, err := d.Snapshots()
	if err != nil {
		return "", nil, err
	}
	for i := len(snapshots) - 1; i >= 0; i-- {
		if _, err := ReadSnapshot(snapshots[i].Path); err != nil {
			damaged = append(damaged, err)
			continue
		}
		return snapshots[i].Path, damaged, nil
	}
	return "", damaged, nil
}

// HoldsRun reports whether the folder already has a run's statistics or snapshots.
func (d Dir) HoldsRun() bool {
	if _, err := os.Stat(filepath.Join(d.Path, statsName)); err == nil {
		return true
	}
	snapshots, _ := d.Snapshots()
	return len(snapshots) > 0
}

// runNumber is the number that starts a run folder's name ("00003-msggan-mnist": 3), -1 if none.
func runNumber(name string) int {
	digits, _, found := strings.Cut(name, "-")
	if !found || len(digits) != 5 {
		return -1
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return -1
	}
	return n
}

// New creates the next run folder under root, numbered after the others as
// stylegan2-ada-pytorch does: root/00000-name, root/00001-name, ...; an existing folder is never
// reused.
func New(root, name string) (Dir, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return Dir{}, errors.Wrapf(err, "runs: creating %s", root)
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return Dir{}, errors.Wrapf(err, "runs: listing %s", root)
	}
	next := 0
	for _, e := range entries {
		next = max(next, runNumber(e.Name())+1)
	}
	for ; ; next++ {
		path := filepath.Join(root, fmt.Sprintf("%05d-%s", next, name))
		err := os.Mkdir(path, 0o755)
		if err == nil {
			return Open(path), nil
		}
		if !os.IsExist(err) {
			return Dir{}, errors.Wrapf(err, "runs: creating %s", path)
		}
	}
}

// Newest returns the numbered run folder under root with the highest number, or ok false.
func Newest(root string) (d Dir, ok bool, err error) {
	entries, err := os.ReadDir(root)
	if os.IsNotExist(err) {
		return Dir{}, false, nil
	}
	if err != nil {
		return Dir{}, false, errors.Wrapf(err, "runs: listing %s", root)
	}
	best := -1
	for _, e := range entries {
		if n := runNumber(e.Name()); e.IsDir() && n > best {
			best, d = n, Open(filepath.Join(root, e.Name()))
		}
	}
	return d, best >= 0, nil
}

// List returns the run folders directly under root (those with a stats.jsonl), by name.
func List(root string) ([]Dir, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, errors.Wrapf(err, "runs: listing %s", root)
	}
	var dirs []Dir
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		d := Open(filepath.Join(root, e.Name()))
		if _, err := os.Stat(filepath.Join(d.Path, statsName)); err == nil {
			dirs = append(dirs, d)
		}
	}
	return dirs, nil
}
