// Command notebooks executes GoNB notebooks headlessly and fails on any error, including the
// runtime failures GoNB only prints (a panic, a non-zero exit status), which Jupyter's own
// tools let pass. It runs each notebook with the project's nbclient (`jupyter execute`),
// reports per-cell times, saves the executed notebook with its outputs and signs it so
// JupyterLab trusts it.
//
//	go run ./cmd/notebooks -smoke                 # tiny budgets, outputs to .cache/notebooks/smoke
//	go run ./cmd/notebooks notebooks/quickstart.ipynb  # full length, executed in place
//	go run ./cmd/notebooks -no-execute -html .cache/notebooks/html  # HTML copies of the committed ones
//
// Smoke mode sets GOGAN_SMOKE=1 for the kernel (notebooks read it through nb.Smoke), so the
// smoke run takes the same code path as the full one with a tiny budget. Run it through
// scripts/run-notebooks.sh, which installs and points at the project's Jupyter first.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

func main() {
	smoke := flag.Bool("smoke", false, "smoke mode: GOGAN_SMOKE=1 (tiny budgets); outputs go to -out")
	out := flag.String("out", "", "folder for the executed notebooks (default: in place, or .cache/notebooks/smoke with -smoke)")
	jupyter := flag.String("jupyter", filepath.Join(".venv", "bin", "jupyter"), "the jupyter command with nbclient (jupyter execute)")
	cellTimeout := flag.Duration("cell_timeout", 30*time.Minute, "longest a cell may run")
	html := flag.String("html", "", "folder for self-contained HTML copies of the executed notebooks (images inline), to share")
	noExecute := flag.Bool("no-execute", false, "only export the notebooks as they are to -html, without running them")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: notebooks [flags] [notebook.ipynb ...] (default notebooks/*.ipynb)\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	paths := flag.Args()
	if len(paths) == 0 {
		var err error
		if paths, err = filepath.Glob(filepath.Join("notebooks", "*.ipynb")); err != nil || len(paths) == 0 {
			fmt.Fprintln(os.Stderr, "notebooks: no notebooks/*.ipynb here: run from the repository root or name the notebooks")
			os.Exit(2)
		}
	}
	outDir := *out
	if outDir == "" && *smoke {
		outDir = filepath.Join(".cache", "notebooks", "smoke")
	}
	r := Runner{Jupyter: *jupyter, OutDir: outDir, Smoke: *smoke, CellTimeout: *cellTimeout, Log: os.Stdout, HTMLDir: *html}
	if *noExecute && *html == "" {
		fmt.Fprintln(os.Stderr, "notebooks: -no-execute exports only: give -html")
		os.Exit(2)
	}
	run := r.Run
	if *noExecute {
		run = r.Export
	}
	failed := 0
	for _, path := range paths {
		if _, err := run(path); err != nil {
			fmt.Fprintf(os.Stdout, "notebooks: FAIL %s: %v\n", path, err)
			failed++
		}
	}
	fmt.Fprintf(os.Stdout, "notebooks: %d passed, %d failed\n", len(paths)-failed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}
