package datasets

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// openFolder streams the PNG and JPEG files under dir (any depth), center-cropped and resized to
// Options.Resolution; see newImageFileSource for the class-folder rule.
func openFolder(dir string, opts *Options, report *Report) (sampleSource, []string, error) {
	if dir == "" {
		return nil, nil, fmt.Errorf("no folder given: write folder:/path/to/images")
	}
	info, err := os.Stat(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("folder %s: %w", dir, err)
	}
	if !info.IsDir() {
		return nil, nil, fmt.Errorf("%s is a file, not a folder: use zip:%s for a zip archive or cache:%s for a prepared cache", dir, dir, dir)
	}
	var entries []imageEntry
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		entries = append(entries, imageEntry{
			relPath: filepath.ToSlash(rel),
			name:    path,
			open:    func() (io.ReadCloser, error) { return os.Open(path) },
		})
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("listing folder %s: %w", dir, err)
	}
	src, classes, err := newImageFileSource(dir, entries, opts, report, func() error { return nil })
	return src, classes, err
}
