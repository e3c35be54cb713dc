// Command gantrain trains a GAN on real data with the engine of this repository and writes
// sample grids. Every hyper-parameter lives in the context with its default written once in its
// package's settings table; a family's preset sets several at once, and -set overrides any.
// Each run gets a folder of its own under -out; -resume continues one exactly.
//
//	go run ./cmd/gantrain                                # MSG-ProGAN, WGAN-GP, MNIST, pure Go
//	go run ./cmd/gantrain -list                          # every family, preset and setting
//	go run ./cmd/gantrain -set "kimg=2;msggan_phi=cat_lin" -backend=xla:cpu
//	go run ./cmd/gantrain -set "preset=cpu-rgb;dataset=emoji" -name emoji
//	go run ./cmd/gantrain -resume latest                 # the newest run's newest valid snapshot
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/ganlab/gogan/ganlib/engine"
	"github.com/ganlab/gogan/ganlib/train"
)

// Exit statuses besides 0 (done) and 1 (an error): a run stopped by a signal, after writing
// its snapshot.
const exitInterrupted = 130

func main() {
	settings := flag.String("set", "", `settings, "key=value;key=value" (-list shows every key with its meaning, allowed values and default)`)
	list := flag.Bool("list", false, "print every model family, its presets and every setting with its meaning and default, and exit")
	backendConfig := flag.String("backend", engine.Config(""), "backend: go, xla:cpu, xla:cuda or xla:/abs/plugin.so (default $GOMLX_BACKEND or go)")
	out := flag.String("out", "runs", "output root: each new run gets a numbered folder of its own under it (00000-<name>, 00001-...)")
	name := flag.String("name", "", "the run folder's name after its number (default: model-preset-dataset)")
	resume := flag.String("resume", "", `continue a run exactly: "latest" (the newest run under -out), a run folder (its newest valid snapshot) or a snapshot file`)
	debug := flag.Bool("debug", false, "print errors with their stack frames")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: gantrain [flags]\n\nTrains a GAN; gantrain -list prints every setting -set takes.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *list {
		fmt.Print(listing())
		return
	}
	cmd := &command{settings: *settings, backend: *backendConfig, out: *out, name: *name, resume: *resume}
	// SIGINT and SIGTERM: the run ends after the step in progress, with a snapshot; a second
	// signal quits at once.
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-signals
		log.Printf("gantrain: %v: stopping after the step in progress, with a snapshot (%v again quits at once, without one)", s, s)
		cmd.stop()
		<-signals
		log.Printf("gantrain: second signal: quitting without a snapshot")
		os.Exit(exitInterrupted)
	}()
	err := cmd.run()
	var interrupted *train.Interrupted
	switch {
	case errors.As(err, &interrupted):
		log.Printf("gantrain: interrupted at kimg %.3f; snapshot %s\ngantrain: resume with: gantrain -out %s -resume %s",
			interrupted.Kimg, interrupted.Snapshot, *out, cmd.dir.Path)
		os.Exit(exitInterrupted)
	case err != nil && *debug:
		log.Fatalf("gantrain: %+v", err)
	case err != nil:
		log.Fatalf("gantrain: %v", err)
	}
}
