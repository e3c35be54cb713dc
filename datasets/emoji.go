package datasets

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The emoji data set is the 64x64 RGBA PNGs of an npm package that scripts/setup-data.sh
// installs under the repository's .data/npm; transparent pixels are composited onto white
// (see background). Each emoji is labelled by its Unicode category (Activities, Animals & Nature,
// ..., 10 classes in sorted order), read from the package's emoji.json.
const (
	emojiPackage    = "emoji-datasource-google"
	emojiVersion    = "16.0.0"
	emojiResolution = 64
	// repositoryModule identifies the repository whose .data folder holds fetched data.
	repositoryModule = "github.com/ganlab/gogan"
	// dataDirVariable overrides where the fetched data lives (the folder holding npm/).
	dataDirVariable = "GOGAN_DATA_DIR"
)

var emojiInstallHint = fmt.Sprintf("run `bash scripts/setup-data.sh` in the repository (it runs `npm install --prefix .data/npm %s@%s`)", emojiPackage, emojiVersion)

func openEmoji(arg string, opts *Options, report *Report) (sampleSource, []string, error) {
	if arg != "" {
		return nil, nil, fmt.Errorf("emoji takes no argument (got %q): for another folder of images use folder:/path", arg)
	}
	root, err := dataDir()
	if err != nil {
		return nil, nil, err
	}
	packageDir := filepath.Join(root, "npm", "node_modules", emojiPackage)
	if err := checkEmojiVersion(packageDir); err != nil {
		return nil, nil, err
	}
	categories, err := readEmojiCategories(filepath.Join(packageDir, "emoji.json"))
	if err != nil {
		return nil, nil, err
	}
	imageDir := filepath.Join(packageDir, "img", "google", "64")
	names, err := filepath.Glob(filepath.Join(imageDir, "*.png"))
	if err != nil || len(names) == 0 {
		return nil, nil, fmt.Errorf("%w: no PNG files in %s: %s", ErrNotInstalled, imageDir, emojiInstallHint)
	}

	classNames := slices.Compact(slices.Sorted(maps.Values(categories)))

	native := target{resolution: emojiResolution, channels: 3}
	sampleBytes := emojiResolution * emojiResolution * 3
	pixels := make([]uint8, len(names)*sampleBytes)
	decodeErrors := make([]error, len(names))
	parallelFor(len(names), opts.Workers, func(_, i int) {
		data, err := os.ReadFile(names[i])
		if err == nil {
			err = decodeImage(data, native, pixels[i*sampleBytes:(i+1)*sampleBytes])
		}
		if err != nil {
			decodeErrors[i] = fmt.Errorf("%s: %w (reinstall with %s)", names[i], err, emojiInstallHint)
		}
	})

	var labels []int32
	kept := 0
	for i, name := range names {
		if err := decodeErrors[i]; err != nil {
			if !opts.SkipBad {
				return nil, nil, err
			}
			report.addSkipped(err)
			continue
		}
		category, listed := categories[filepath.Base(name)]
		if !listed {
			return nil, nil, fmt.Errorf("%s is not listed in emoji.json, so it has no category: reinstall the package (%s)", name, emojiInstallHint)
		}
		label, _ := slices.BinarySearch(classNames, category)
		labels = append(labels, int32(label))
		copy(pixels[kept*sampleBytes:], pixels[i*sampleBytes:(i+1)*sampleBytes])
		kept++
	}
	src, err := newMemorySource("the emoji data set", pixels[:kept*sampleBytes], labels, emojiResolution, 3, opts)
	return src, classNames, err
}

func checkEmojiVersion(packageDir string) error {
	manifest, err := os.ReadFile(filepath.Join(packageDir, "package.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s not found: %s", ErrNotInstalled, filepath.Join(packageDir, "package.json"), emojiInstallHint)
	}
	if err != nil {
		return err
	}
	var version struct{ Version string }
	if err := json.Unmarshal(manifest, &version); err != nil || version.Version != emojiVersion {
		return fmt.Errorf("%s has version %q, not the pinned %s: %s", packageDir, version.Version, emojiVersion, emojiInstallHint)
	}
	return nil
}

// readEmojiCategories maps each image file name (base emoji and skin-tone variations) to its
// Unicode category.
func readEmojiCategories(path string) (map[string]string, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v: %s", ErrNotInstalled, err, emojiInstallHint)
	}
	defer file.Close()
	var emojis []struct {
		Image          string `json:"image"`
		Category       string `json:"category"`
		SkinVariations map[string]struct {
			Image string `json:"image"`
		} `json:"skin_variations"`
	}
	if err := json.NewDecoder(bufio.NewReader(file)).Decode(&emojis); err != nil {
		return nil, fmt.Errorf("%s: %v: reinstall the package (%s)", path, err, emojiInstallHint)
	}
	categories := make(map[string]string)
	for _, emoji := range emojis {
		categories[emoji.Image] = emoji.Category
		for _, variation := range emoji.SkinVariations {
			categories[variation.Image] = emoji.Category
		}
	}
	return categories, nil
}

// dataDir returns the folder that holds fetched data: $GOGAN_DATA_DIR when set, else .data at
// the root of the repository that contains the working directory.
func dataDir() (string, error) {
	if dir := os.Getenv(dataDirVariable); dir != "" {
		return dir, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		manifest, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && isRepositoryManifest(string(manifest)) {
			return filepath.Join(dir, ".data"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%w: the working directory is not inside the %s repository, so its .data folder is unknown: run from the repository or set %s to the folder holding npm/ (%s)",
				ErrNotInstalled, repositoryModule, dataDirVariable, emojiInstallHint)
		}
		dir = parent
	}
}

func isRepositoryManifest(goMod string) bool {
	for line := range strings.Lines(goMod) {
		if fields := strings.Fields(line); len(fields) == 2 && fields[0] == "module" {
			return fields[1] == repositoryModule
		}
	}
	return false
}
