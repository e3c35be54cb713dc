package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ganlab/gogan/ganlib/blocks"
	"github.com/ganlab/gogan/ganlib/models/msggan"
	"github.com/ganlab/gogan/ganlib/objective"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestSetPreset checks the -set path from the command line to the model: the default is the
// mnist preset; a preset and overrides of its fields apply, the explicit ones winning; an
// unknown key is refused.
func TestSetPreset(t *testing.T) {
	ctx := defaultContext()
	if err := configure(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if cfg, err := msggan.FromContext(ctx); err != nil || !reflect.DeepEqual(cfg, msggan.MNIST()) {
		t.Fatalf("default model %+v, %v; want the mnist preset", cfg, err)
	}
	ctx = defaultContext()
	if err := configure(ctx, "preset=cpu-rgb;msggan_resolution=64;msggan_phi=lin_cat;gp_lambda=5"); err != nil {
		t.Fatal(err)
	}
	cfg, err := msggan.FromContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := msggan.CPURGB()
	want.Resolution, want.Phi, want.Connections = 64, blocks.PhiLinCat, []int{4, 8, 16, 32}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("-set cpu-rgb at 64x64 with lin_cat: %+v, want %+v", cfg, want)
	}
	if lambda := context.GetParamOr(ctx, objective.ParamGPLambda, 0.0); lambda != 5 {
		t.Errorf("gp_lambda %g: the explicit setting must win over the preset's 10", lambda)
	}
	for _, bad := range []string{"msggan_presets=paper", "preset=nonesuch", "model=stylegan9"} {
		if err := configure(defaultContext(), bad); err == nil {
			t.Errorf("-set %s accepted", bad)
		} else {
			t.Logf("-set %s: %v", bad, err)
		}
	}
}

// TestListing: -list names every preset and every setting with its default.
func TestListing(t *testing.T) {
	text := listing()
	for _, want := range []string{"model=msggan", "preset=msg-progan-32 (default)", "preset=cpu-rgb", "preset=paper",
		"msggan_connections", "gp_lambda", "r1_interval", "dataset", "sample_latents", "mbstd_group_size", "learning_rate",
		"model=progan", "preset=progan-32", "preset=msg-progan-32-rmsprop", "progan_fade_kimg", "msggan_mbstd", "metrics", "stability_latents",
		"coarse is 4, middle 8"} {
		if !strings.Contains(text, want) {
			t.Errorf("-list lacks %q", want)
		}
	}
}
