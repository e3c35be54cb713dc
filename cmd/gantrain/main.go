// Command gantrain trains a GAN on real data with the engine of this repository and writes sample
// grids. Every hyper-parameter lives in the context with its default in params.go and can be
// overridden with -set "key=value;key=value".
//
//	go run ./cmd/gantrain                                # MSG-ProGAN, WGAN-GP, MNIST, pure Go
//	go run ./cmd/gantrain -set "kimg=2;msggan_phi=cat_lin" -backend=xla:cpu
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"

	"github.com/ganlab/gogan/ganlib/engine"
	"github.com/gomlx/gomlx/ui/commandline"
)

func main() {
	ctx := defaultContext()
	settings := commandline.CreateContextSettingsFlag(ctx, "set")
	backendConfig := flag.String("backend", engine.Config(""), "backend: go, xla:cpu, xla:cuda or xla:/abs/plugin.so (default $GOMLX_BACKEND or go)")
	outDir := flag.String("out", filepath.Join("runs", "msggan-mnist"), "folder for samples and stats")
	flag.Parse()
	if _, err := commandline.ParseContextSettings(ctx, *settings); err != nil {
		log.Fatalf("gantrain: -set %q: %v", *settings, err)
	}
	backend, err := engine.New(*backendConfig)
	if err != nil {
		log.Fatalf("gantrain: %v", err)
	}
	if err := run(ctx, backend, *outDir); err != nil {
		log.Fatalf("gantrain: %+v", err)
	}
	os.Exit(0)
}
