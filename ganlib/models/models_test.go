package models

import (
	"strings"
	"testing"

	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/models/msggan"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestConfigurePrecedence: defaults, then the selected preset, then the explicit settings.
func TestConfigurePrecedence(t *testing.T) {
	extra := gan.Settings{{Key: "gp_lambda", Default: 1.0, Help: "a key a preset sets"},
		{Key: "learning_rate", Default: 0.1, Help: ""}, {Key: "loss", Default: "x", Help: ""},
		{Key: "drift", Default: 0.0, Help: ""}, {Key: "optimizer", Default: "rmsprop", Help: ""}, {Key: "adam_beta1", Default: 0.5, Help: ""}, {Key: "adam_beta2", Default: 0.5, Help: ""}}
	ctx, err := Context(map[string]any{gan.ParamPreset: "cpu-rgb", msggan.ParamChannelMax: 32}, extra)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := msggan.FromContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ChannelBase != 4096 || cfg.ImageChannels != 3 || cfg.ChannelMax != 32 {
		t.Errorf("cpu-rgb with channel max 32: %+v; want the preset's base and channels, the explicit max", cfg)
	}
	if lambda := context.GetParamOr(ctx, "gp_lambda", 0.0); lambda != 10 {
		t.Errorf("gp_lambda %g: the preset's 10 must override the table's default 1", lambda)
	}
	m, err := New(ctx)
	if err != nil || m.Name != "MSG-ProGAN 32x32x3" || m.LatentDim != 128 {
		t.Errorf("model %q (latent %d), %v", m.Name, m.LatentDim, err)
	}
	if _, err := Context(map[string]any{"no_such_key": 1}, extra); err == nil || !strings.Contains(err.Error(), "no_such_key") {
		t.Errorf("an unknown setting: %v, want an error naming it", err)
	}
	// A preset that sets a key no table defines is refused (here: the objective's keys, missing).
	if _, err := Context(nil); err == nil || !strings.Contains(err.Error(), "no settings table defines") {
		t.Errorf("a preset key without a table: %v", err)
	}
	if _, err := FamilyNamed("stylegan9"); err == nil || !strings.Contains(err.Error(), "msggan") {
		t.Errorf("unknown family: %v, want the list", err)
	}
	var b strings.Builder
	List(&b)
	if !strings.Contains(b.String(), "model=msggan") || !strings.Contains(b.String(), "preset=paper") {
		t.Errorf("listing:\n%s", b.String())
	}
}
