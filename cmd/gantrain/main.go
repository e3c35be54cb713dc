// Command gantrain trains a GAN on real data with the engine of this repository and writes
// sample grids. Every hyper-parameter lives in the context with its default written once in its
// package's settings table; a family's preset sets several at once, and -set overrides any:
//
//	go run ./cmd/gantrain                                # MSG-ProGAN, WGAN-GP, MNIST, pure Go
//	go run ./cmd/gantrain -list                          # every family, preset and setting
//	go run ./cmd/gantrain -set "kimg=2;msggan_phi=cat_lin" -backend=xla:cpu
//	go run ./cmd/gantrain -set "model=msggan;preset=cpu-rgb;dataset=emoji" -out runs/emoji
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/ganlab/gogan/ganlib/engine"
	"github.com/ganlab/gogan/ganlib/runs"
)

func main() {
	ctx := defaultContext()
	settings := flag.String("set", "", `settings, "key=value;key=value" (-list shows them all)`)
	list := flag.Bool("list", false, "print every model family, its presets and every setting with its default, and exit")
	backendConfig := flag.String("backend", engine.Config(""), "backend: go, xla:cpu, xla:cuda or xla:/abs/plugin.so (default $GOMLX_BACKEND or go)")
	outDir := flag.String("out", filepath.Join("runs", "msggan-mnist"), "run folder for stats.jsonl, snapshots and sample grids")
	resume := flag.String("resume", "", `snapshot to continue from exactly, or "latest" for the newest one in -out`)
	flag.Parse()
	if *list {
		fmt.Print(listing())
		return
	}
	if err := configure(ctx, *settings); err != nil {
		log.Fatalf("gantrain: %v", err)
	}
	backend, err := engine.New(*backendConfig)
	if err != nil {
		log.Fatalf("gantrain: %v", err)
	}
	dir := runs.Open(*outDir)
	resumeFrom := *resume
	if resumeFrom == "latest" {
		if resumeFrom, err = dir.LatestSnapshot(); err != nil {
			log.Fatalf("gantrain: %v", err)
		}
		if resumeFrom == "" {
			log.Printf("gantrain: no snapshot in %s, starting afresh", *outDir)
		}
	}
	if err := run(ctx, backend, dir, resumeFrom); err != nil {
		log.Fatalf("gantrain: %v", err)
	}
	os.Exit(0)
}
