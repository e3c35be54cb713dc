package datasets

import (
	"bufio"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
)

// maxFileBytes bounds one image file read whole into memory.
const maxFileBytes = 256 << 20

// imageEntry is one file of a folder or zip archive.
type imageEntry struct {
	// relPath is slash-separated and relative to the folder or archive: it decides the class.
	relPath string
	// name is shown in messages: the full path, or archive path and entry.
	name string
	open func() (io.ReadCloser, error)
}

// imageFileSource streams PNG and JPEG files, decoding each one when it is read, so that a data
// set larger than memory costs only its list of names.
type imageFileSource struct {
	entries []imageEntry
	labels  []int32 // nil when the files are not sorted into class folders
	target  target
	close   func() error
}

func (s *imageFileSource) Len() int { return len(s.entries) }

func (s *imageFileSource) Read(i int, dst []uint8) (int32, error) {
	data, err := readEntry(s.entries[i])
	if err == nil {
		err = decodeImage(data, s.target, dst)
	}
	if err != nil {
		return 0, fmt.Errorf("%s: %w", s.entries[i].name, err)
	}
	if s.labels == nil {
		return 0, nil
	}
	return s.labels[i], nil
}

func (s *imageFileSource) Close() error { return s.close() }

func readEntry(entry imageEntry) ([]byte, error) {
	file, err := entry.open()
	if err != nil {
		return nil, err
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading failed (%v): check or remove the file", err)
	}
	if len(data) > maxFileBytes {
		return nil, fmt.Errorf("file is over %d MiB, too large for an image: remove it or move it out of the data set", maxFileBytes>>20)
	}
	return data, nil
}

// newImageFileSource keeps the entries named .png, .jpg or .jpeg (reporting the others as
// ignored), checks each one's header against the target so that unusable files fail (or are
// skipped, with Options.SkipBad) now rather than mid-training, and labels them by class folder:
// when every image lies in a first-level subfolder and there are at least two subfolders, each
// subfolder is a class, in sorted order (the layout of torchvision's ImageFolder).
func newImageFileSource(root string, all []imageEntry, opts *Options, report *Report, closeAll func() error) (*imageFileSource, []string, error) {
	if opts.Resolution == 0 {
		return nil, nil, fmt.Errorf("%s: images come in all sizes, so Options.Resolution (gandata -res) must be set to a power of two such as 64", root)
	}
	opts.setDefaults(0, 3)
	t := targetOf(opts)

	var entries []imageEntry
	for _, entry := range all {
		if isHidden(entry.relPath) || !hasImageExtension(entry.relPath) {
			report.addIgnored(entry.name)
			continue
		}
		entries = append(entries, entry)
	}
	if len(entries) == 0 {
		return nil, nil, fmt.Errorf("%s has no .png, .jpg or .jpeg files (%d other files ignored): point at the folder or archive that holds the images", root, len(all))
	}

	headerErrors := make([]error, len(entries))
	parallelFor(len(entries), opts.Workers, func(_, i int) {
		headerErrors[i] = checkEntryHeader(entries[i], t)
	})
	kept := entries[:0]
	for i, entry := range entries {
		if err := headerErrors[i]; err != nil {
			err = fmt.Errorf("%s: %w", entry.name, err)
			if !opts.SkipBad {
				return nil, nil, fmt.Errorf("%w (%s)", err, skipHint)
			}
			report.addSkipped(err)
			continue
		}
		kept = append(kept, entry)
	}

	classNames, labels := classFolders(kept)
	return &imageFileSource{entries: kept, labels: labels, target: t, close: closeAll}, classNames, nil
}

func checkEntryHeader(entry imageEntry, t target) error {
	file, err := entry.open()
	if err != nil {
		return err
	}
	defer file.Close()
	return checkImageHeader(bufio.NewReader(file), t)
}

func hasImageExtension(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".png", ".jpg", ".jpeg":
		return true
	}
	return false
}

// isHidden tells apart files no one means as data: dot files (.DS_Store, ._name) and macOS
// zip metadata (__MACOSX/).
func isHidden(relPath string) bool {
	for part := range strings.SplitSeq(relPath, "/") {
		if strings.HasPrefix(part, ".") || part == "__MACOSX" {
			return true
		}
	}
	return false
}

// classFolders returns the sorted class names and each entry's label, or nils when the entries
// are not all in first-level subfolders or there is only one such folder.
func classFolders(entries []imageEntry) ([]string, []int32) {
	folders := make([]string, len(entries))
	for i, entry := range entries {
		folder, _, inFolder := strings.Cut(entry.relPath, "/")
		if !inFolder {
			return nil, nil
		}
		folders[i] = folder
	}
	names := slices.Clone(folders)
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) < 2 {
		return nil, nil
	}
	labels := make([]int32, len(entries))
	for i, folder := range folders {
		label, _ := slices.BinarySearch(names, folder)
		labels[i] = int32(label)
	}
	return names, labels
}
