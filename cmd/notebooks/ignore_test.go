package main

import (
	"os/exec"
	"testing"
)

// TestCheckpointsIgnored: JupyterLab writes .ipynb_checkpoints/ beside every notebook it opens;
// git must not offer them for commit.
func TestCheckpointsIgnored(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatalf("git not found: %v", err)
	}
	out, err := exec.Command("git", "check-ignore", "-v", "../../notebooks/.ipynb_checkpoints/quickstart-checkpoint.ipynb").CombinedOutput()
	if err != nil {
		t.Errorf("notebooks/.ipynb_checkpoints/ is not ignored by git (%v): %s", err, out)
	}
}
