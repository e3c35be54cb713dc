package main

import (
	"reflect"
	"testing"

	"github.com/ganlab/gogan/ganlib/models/msggan"
	"github.com/gomlx/gomlx/ui/commandline"
)

// TestSetPreset checks the -set path from the command line to the model: the default is the
// mnist preset; a preset and overrides of its fields apply; an unknown key is refused.
func TestSetPreset(t *testing.T) {
	ctx := defaultContext()
	if cfg, err := msggan.FromContext(ctx); err != nil || !reflect.DeepEqual(cfg, msggan.MNIST()) {
		t.Fatalf("default model %+v, %v; want the mnist preset", cfg, err)
	}
	if _, err := commandline.ParseContextSettings(ctx, "msggan_preset=cpu-rgb;msggan_resolution=64;msggan_phi=lin_cat"); err != nil {
		t.Fatal(err)
	}
	cfg, err := msggan.FromContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := msggan.CPURGB()
	want.Resolution, want.Phi, want.Connections = 64, msggan.PhiLinCat, []int{4, 8, 16, 32}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("-set cpu-rgb at 64x64 with lin_cat: %+v, want %+v", cfg, want)
	}
	if _, err := commandline.ParseContextSettings(defaultContext(), "msggan_presets=paper"); err == nil {
		t.Error("-set with an unknown key (msggan_presets) accepted")
	}
}
