// Command gantrain trains a GAN on real data with the engine of this repository and writes sample
// grids. Every hyper-parameter lives in the context with its default in params.go and can be
// overridden with -set "key=value;key=value".
//
//	go run ./cmd/gantrain                                # MSG-ProGAN, WGAN-GP, MNIST, pure Go
//	go run ./cmd/gantrain -set "kimg=2;msggan_phi=cat_lin" -backend=xla:cpu
//	go run ./cmd/gantrain -set "msggan_preset=cpu-rgb;dataset=emoji" -out runs/emoji
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"

	"github.com/ganlab/gogan/ganlib/engine"
	"github.com/ganlab/gogan/ganlib/train"
	"github.com/gomlx/gomlx/ui/commandline"
)

func main() {
	ctx := defaultContext()
	settings := commandline.CreateContextSettingsFlag(ctx, "set")
	backendConfig := flag.String("backend", engine.Config(""), "backend: go, xla:cpu, xla:cuda or xla:/abs/plugin.so (default $GOMLX_BACKEND or go)")
	outDir := flag.String("out", filepath.Join("runs", "msggan-mnist"), "folder for stats.jsonl, snapshots and sample grids")
	resume := flag.String("resume", "", `snapshot to continue from exactly, or "latest" for the newest one in -out`)
	flag.Parse()
	if _, err := commandline.ParseContextSettings(ctx, *settings); err != nil {
		log.Fatalf("gantrain: -set %q: %v", *settings, err)
	}
	backend, err := engine.New(*backendConfig)
	if err != nil {
		log.Fatalf("gantrain: %v", err)
	}
	resumeFrom := *resume
	if resumeFrom == "latest" {
		if resumeFrom, err = train.LatestSnapshot(*outDir); err != nil {
			log.Fatalf("gantrain: %v", err)
		}
		if resumeFrom == "" {
			log.Printf("gantrain: no snapshot in %s, starting afresh", *outDir)
		}
	}
	if err := run(ctx, backend, *outDir, resumeFrom); err != nil {
		log.Fatalf("gantrain: %+v", err)
	}
	os.Exit(0)
}
