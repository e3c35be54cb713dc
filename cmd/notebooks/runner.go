package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ganlab/gogan/ganlib/render/nb"
	"github.com/pkg/errors"
)

// Runner executes notebooks with `jupyter execute` and judges the result.
type Runner struct {
	// Jupyter is the jupyter command (the project venv's, with nbclient).
	Jupyter string
	// OutDir receives the executed notebooks; "" writes them over their inputs.
	OutDir string
	// Smoke sets nb.SmokeEnv=1 for the kernel.
	Smoke bool
	// CellTimeout bounds each cell; the whole notebook is bounded by cells x CellTimeout.
	CellTimeout time.Duration
	// Log receives the per-cell report.
	Log io.Writer
	// HTMLDir, if set, receives a self-contained HTML copy of each executed notebook (Export).
	HTMLDir string
}

// Run executes one notebook, saves and signs the executed copy, prints its per-cell times, and
// returns the executed copy's path with an error if any cell failed or execution itself did.
func (r Runner) Run(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	input, err := ReadNotebook(abs)
	if err != nil {
		return "", err
	}
	outPath := abs
	if r.OutDir != "" {
		if outPath, err = filepath.Abs(filepath.Join(r.OutDir, filepath.Base(abs))); err != nil {
			return "", err
		}
		if err := os.MkdirAll(filepath.Dir(outPath), 0o755); err != nil {
			return "", err
		}
	}
	// A failed execution must not leave an older copy that looks like this run's result.
	if outPath != abs {
		if err := os.Remove(outPath); err != nil && !os.IsNotExist(err) {
			return "", err
		}
	}
	mode := "full"
	if r.Smoke {
		mode = "smoke"
	}
	fmt.Fprintf(r.Log, "notebooks: executing %s (%s, %d cells) -> %s\n", path, mode, len(input.Cells), outPath)
	start := time.Now()
	execErr := r.execute(abs, outPath, len(input.Cells))
	wall := time.Since(start)

	executed, readErr := ReadNotebook(outPath)
	if readErr != nil || (outPath == abs && execErr != nil) {
		// jupyter execute saves only after the last cell: on a timeout or a dead kernel there
		// is no executed copy (in place, the input is still the old one).
		return "", errors.Errorf("execution failed after %s with no executed notebook saved: %v", wall.Round(time.Second), execErr)
	}
	failures := Judge(executed)
	fmt.Fprint(r.Log, Report(executed, failures))
	fmt.Fprintf(r.Log, "notebooks: %s: %s wall time\n", path, wall.Round(time.Second))
	if err := r.sign(outPath); err != nil {
		return outPath, err
	}
	if r.HTMLDir != "" {
		if _, err := r.Export(outPath); err != nil {
			return outPath, err
		}
	}
	switch {
	case execErr != nil:
		return outPath, errors.WithMessage(execErr, "jupyter execute")
	case len(failures) > 0:
		return outPath, errors.Errorf("%d failing cell(s), first: cell %d: %s", len(failures), failures[0].Cell, failures[0].Reason)
	}
	return outPath, nil
}

// execute runs jupyter execute with errors allowed (so every cell runs and the notebook is
// saved with all outputs; Judge decides), bounded in time as a whole.
func (r Runner) execute(input, output string, cells int) error {
	rel, err := filepath.Rel(filepath.Dir(input), output)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(cells+1)*r.CellTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.Jupyter, "execute", "--allow-errors",
		fmt.Sprintf("--timeout=%d", int(r.CellTimeout.Seconds())), "--startup_timeout=120",
		"--output="+strings.TrimSuffix(rel, ".ipynb"), input)
	cmd.Env = os.Environ()
	if r.Smoke {
		cmd.Env = append(cmd.Env, nb.SmokeEnv+"=1")
	}
	// nbclient logs the kernel's own chatter (GoNB's klog lines) to stderr: keep it out of the
	// report unless execution fails.
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = r.Log, &stderr
	// On timeout, SIGINT lets nbclient shut its kernel down (the kernel runs in a session of its
	// own and would outlive a killed client); SIGKILL follows if it does not exit.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = 30 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = errors.Errorf("timed out after %s: %v", time.Duration(cells+1)*r.CellTimeout, err)
		}
		return errors.Errorf("%v; its log ends:\n%s", err, tail(stderr.String(), 40))
	}
	return nil
}

// sign records the executed notebook's signature in the Jupyter data folder, so JupyterLab
// shows its HTML and SVG outputs as trusted.
func (r Runner) sign(path string) error {
	out, err := exec.Command(r.Jupyter, "trust", path).CombinedOutput()
	if err != nil {
		return errors.Errorf("jupyter trust %s: %v: %s", path, err, out)
	}
	return nil
}

// Export writes a self-contained HTML copy of an executed notebook into HTMLDir (nbconvert's
// HTML, every image inline): one file to share, opened by any browser offline. It returns the
// copy's path.
func (r Runner) Export(path string) (string, error) {
	if err := os.MkdirAll(r.HTMLDir, 0o755); err != nil {
		return "", err
	}
	out, err := exec.Command(r.Jupyter, "nbconvert", "--to", "html", "--output-dir", r.HTMLDir, path).CombinedOutput()
	if err != nil {
		return "", errors.Errorf("jupyter nbconvert --to html %s: %v: %s", path, err, tail(string(out), 20))
	}
	html := filepath.Join(r.HTMLDir, strings.TrimSuffix(filepath.Base(path), ".ipynb")+".html")
	if _, err := os.Stat(html); err != nil {
		return "", errors.Errorf("jupyter nbconvert wrote no %s: %s", html, tail(string(out), 20))
	}
	fmt.Fprintf(r.Log, "notebooks: %s -> %s\n", path, html)
	return html, nil
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
