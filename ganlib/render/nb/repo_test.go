package nb

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRepoRoot(t *testing.T) {
	root := t.TempDir()
	inner := filepath.Join(root, "notebooks", "other")
	if err := os.MkdirAll(inner, 0o755); err != nil {
		t.Fatal(err)
	}
	// The repository's go.mod, and a nested module of another path that must be passed over.
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("// comment\nmodule "+ModulePath+"\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(inner, "go.mod"), []byte("module example.com/other\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(inner)
	got, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	// TempDir may sit behind a symbolic link: compare resolved paths.
	want, _ := filepath.EvalSymlinks(root)
	if got, _ = filepath.EvalSymlinks(got); got != want {
		t.Errorf("RepoRoot() = %s, want %s", got, want)
	}
	t.Chdir(t.TempDir())
	if _, err := RepoRoot(); err == nil {
		t.Error("outside the repository RepoRoot must fail")
	}
}
