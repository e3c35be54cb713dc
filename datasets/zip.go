package datasets

import (
	"archive/zip"
	"fmt"
	"strings"
)

// openZip streams the PNG and JPEG entries of a zip archive without unpacking it; see
// newImageFileSource for the class-folder rule (a single top folder, as archives of a folder
// have, is not taken as a class: it is the archive's root).
func openZip(archivePath string, opts *Options, report *Report) (sampleSource, []string, error) {
	if archivePath == "" {
		return nil, nil, fmt.Errorf("no archive given: write zip:/path/to/images.zip")
	}
	archive, err := zip.OpenReader(archivePath)
	if err != nil {
		return nil, nil, fmt.Errorf("zip archive %s: %w (is it a zip file?)", archivePath, err)
	}
	files := make([]*zip.File, 0, len(archive.File))
	for _, file := range archive.File {
		if !file.FileInfo().IsDir() {
			files = append(files, file)
		}
	}
	root := commonTopFolder(files)
	entries := make([]imageEntry, len(files))
	for i, file := range files {
		entries[i] = imageEntry{
			relPath: strings.TrimPrefix(file.Name, root),
			name:    archivePath + ":" + file.Name,
			open:    file.Open,
		}
	}
	src, classes, err := newImageFileSource(archivePath, entries, opts, report, archive.Close)
	if err != nil {
		archive.Close()
	}
	return src, classes, err
}

// commonTopFolder returns "name/" when every file that is not hidden (see isHidden) lies under
// the same top-level folder, else "".
func commonTopFolder(files []*zip.File) string {
	top := ""
	for _, file := range files {
		if isHidden(file.Name) {
			continue
		}
		folder, _, inFolder := strings.Cut(file.Name, "/")
		if !inFolder || (top != "" && folder+"/" != top) {
			return ""
		}
		top = folder + "/"
	}
	return top
}
