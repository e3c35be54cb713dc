package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// jupyterForTest returns the project's jupyter command with the GoNB kernels installed by
// scripts/setup-notebooks.sh (its environment comes from kernels/env.sh). The test is skipped
// without them, unless GOGAN_NOTEBOOK_TESTS=1 (scripts/run-notebooks.sh) makes that a failure.
func jupyterForTest(t *testing.T) string {
	t.Helper()
	jupyter := filepath.Join(os.Getenv("GOGAN_VENV"), "bin", "jupyter")
	spec := filepath.Join(os.Getenv("JUPYTER_DATA_DIR"), "kernels", "gogan-go", "kernel.json")
	_, errJupyter := os.Stat(jupyter)
	_, errSpec := os.Stat(spec)
	if os.Getenv("GOGAN_VENV") == "" || errJupyter != nil || errSpec != nil {
		reason := "no project Jupyter with the gogan-go kernel (run via bash scripts/run-notebooks.sh, after scripts/setup-notebooks.sh)"
		if os.Getenv("GOGAN_NOTEBOOK_TESTS") == "1" {
			t.Fatal(reason)
		}
		t.Skip(reason)
	}
	return jupyter
}

// writeNotebook writes a notebook for the gogan-go kernel with one code cell per source.
func writeNotebook(t *testing.T, path string, sources ...string) {
	t.Helper()
	var cells []map[string]any
	for _, s := range sources {
		cells = append(cells, map[string]any{"cell_type": "code", "source": s, "metadata": map[string]any{}, "outputs": []any{}, "execution_count": nil})
	}
	nb := map[string]any{"nbformat": 4, "nbformat_minor": 5, "cells": cells, "metadata": map[string]any{
		"kernelspec": map[string]any{"name": "gogan-go", "display_name": "Go (GAN, pure Go)", "language": "go"}}}
	data, err := json.Marshal(nb)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRunnerOnGoNB executes real notebooks on the pure-Go kernel: a runtime panic (which
// jupyter execute itself lets pass) must fail the run, with later cells still executed and the
// notebook saved; so must a compile error; a clean notebook passes, signed, with GOGAN_SMOKE
// visible to its cells.
func TestRunnerOnGoNB(t *testing.T) {
	jupyter := jupyterForTest(t)
	dir := t.TempDir()
	failing, passing := filepath.Join(dir, "failing.ipynb"), filepath.Join(dir, "passing.ipynb")
	writeNotebook(t, failing, "%%\nfmt.Println(\"before\")", "%%\npanic(\"boom in a notebook\")", "%%\nfmt.Println(\"after\")")
	writeNotebook(t, passing, "import \"os\"\n\n%%\nfmt.Println(\"smoke=\" + os.Getenv(\"GOGAN_SMOKE\"))")
	var log strings.Builder
	r := Runner{Jupyter: jupyter, OutDir: filepath.Join(dir, "out"), Smoke: true, CellTimeout: 2 * time.Minute, Log: &log}

	out, err := r.Run(failing)
	if err == nil || !strings.Contains(err.Error(), "cell 2: panic: boom in a notebook") {
		t.Fatalf("a panicking notebook: error %v, want cell 2's panic; log:\n%s", err, log.String())
	}
	executed, readErr := ReadNotebook(out)
	if readErr != nil {
		t.Fatalf("no executed notebook saved: %v", readErr)
	}
	if got := string(executed.Cells[2].Outputs[0].Text); got != "after\n" {
		t.Errorf("cell 3 output %q, want \"after\\n\" (later cells run on)", got)
	}
	for _, line := range []string{"cell  2", "FAILED (panic: boom in a notebook)", "cell  3", "cells total"} {
		if !strings.Contains(log.String(), line) {
			t.Errorf("report lacks %q:\n%s", line, log.String())
		}
	}

	// A compile error is an error output: the runner fails on it too, naming the compiler's message.
	broken := filepath.Join(dir, "broken.ipynb")
	writeNotebook(t, broken, "%%\nundefinedFunction()")
	if _, err := r.Run(broken); err == nil || !strings.Contains(err.Error(), "cell 1: ERROR: ./main.go") || !strings.Contains(err.Error(), "undefined: undefinedFunction") {
		t.Errorf("a notebook that does not compile: error %v, want cell 1's compile error", err)
	}

	out, err = r.Run(passing)
	if err != nil {
		t.Fatalf("a clean notebook failed: %v\n%s", err, log.String())
	}
	executed, readErr = ReadNotebook(out)
	if readErr != nil || string(executed.Cells[0].Outputs[0].Text) != "smoke=1\n" {
		t.Fatalf("executed copy %v, %+v: want the cell to print smoke=1", readErr, executed)
	}
	// jupyter trust says so when the signature it would add is already recorded.
	check, err := exec.Command(jupyter, "trust", out).CombinedOutput()
	if err != nil || !strings.Contains(string(check), "already signed") {
		t.Errorf("executed notebook not signed: %v: %s", err, check)
	}
}

// TestFiguresCarryTheirImage: a figure nb.ShowImage shows is one output holding both the HTML
// figure and the PNG itself (for viewers that do not render HTML), a chart nb.ShowSVG shows holds
// both the HTML and image/svg+xml, and the runner's HTML copy embeds the image, readable offline.
func TestFiguresCarryTheirImage(t *testing.T) {
	jupyter := jupyterForTest(t)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	// Inside the repository (its .cache is ignored), so the workspace cell finds it with git.
	if err := os.MkdirAll(filepath.Join(root, ".cache"), 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(filepath.Join(root, ".cache"), "notebook-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "figure.ipynb")
	writeNotebook(t, path,
		`!*rm -f go.work && go work init && go work use . "$(git -C "${GONB_DIR}" rev-parse --show-toplevel)" && go mod edit -require=github.com/janpfeifer/gonb@v0.11.1 -require=github.com/janpfeifer/must@v0.2.0`+"\n%goworkfix",
		"import (\n\t\"image\"\n\n\t\"github.com/ganlab/gogan/ganlib/render\"\n\t\"github.com/ganlab/gogan/ganlib/render/nb\"\n)\n\n%%\nif err := nb.ShowImage(image.NewGray(image.Rect(0, 0, 4, 4)), \"a black square\", 0); err != nil {\n\tpanic(err)\n}\n"+
			"nb.ShowSVG(render.Chart{Title: \"a line\", Series: []render.Series{{Name: \"y\", X: []float64{0, 1}, Y: []float64{0, 1}}}}.SVG())")
	var log strings.Builder
	r := Runner{Jupyter: jupyter, OutDir: filepath.Join(dir, "out"), Smoke: true, CellTimeout: 3 * time.Minute, Log: &log, HTMLDir: filepath.Join(dir, "html")}
	out, err := r.Run(path)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var executed struct {
		Cells []struct {
			Outputs []struct {
				Type string         `json:"output_type"`
				Data map[string]any `json:"data"`
			} `json:"outputs"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(data, &executed); err != nil {
		t.Fatal(err)
	}
	for _, mime := range []string{"image/png", "image/svg+xml"} {
		found := false
		for _, o := range executed.Cells[1].Outputs {
			if _, image := o.Data[mime]; image && o.Data["text/html"] != nil {
				found = true
			}
		}
		if !found {
			t.Errorf("no output holds both text/html and %s: %s", mime, data)
		}
	}
	html, err := os.ReadFile(filepath.Join(dir, "html", "figure.html"))
	if err != nil || !strings.Contains(string(html), "data:image/png;base64,") || !strings.Contains(string(html), "a black square") {
		t.Errorf("HTML copy: %v, %d bytes, want the figure inline", err, len(html))
	}
}
