package nb

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"
)

// ModulePath is this repository's Go module.
const ModulePath = "github.com/ganlab/gogan"

// RepoRoot returns the root of the repository's working copy that contains the current folder
// (a GoNB cell runs in its notebook's folder), found as the nearest go.mod of ModulePath above
// it: notebooks write their runs under it wherever Jupyter was started.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", errors.Wrap(err, "nb.RepoRoot")
	}
	for {
		if declaresModule(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.Errorf("nb.RepoRoot: no go.mod of %s in the current folder or above it", ModulePath)
		}
		dir = parent
	}
}

// declaresModule reports whether the go.mod file at path declares ModulePath.
func declaresModule(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		if fields := strings.Fields(scanner.Text()); len(fields) == 2 && fields[0] == "module" {
			return fields[1] == ModulePath
		}
	}
	return false
}
