package biggan

import (
	"strings"
	"testing"

	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestBadSettings: each inconsistent setting is one error naming it and what it allows.
func TestBadSettings(t *testing.T) {
	for _, tc := range []struct {
		settings map[string]any
		naming   string
	}{
		{map[string]any{ParamLatentDim: 130}, "biggan_latent_dim=130: hierarchical latents at 32x32 need a multiple of 4 (one chunk per block and the input), such as 132"},
		{map[string]any{ParamAttention: 12}, "biggan_attention=12: use 0 or a power-of-two resolution from 8 to 32"},
		{map[string]any{ParamStats: "moving"}, `biggan_bn_stats="moving": use running, standing, batch`},
		{map[string]any{ParamResolution: 24}, "biggan_resolution=24 must be a power of two >= 8"},
		{map[string]any{gan.ParamClasses: 1}, "classes=1: use 0 (unconditional) or the number of classes, at least 2"},
		{map[string]any{ParamStandingBatches: 0}, "biggan_standing_batches and biggan_standing_batch_size must be positive"},
	} {
		ctx := context.New()
		ctx.SetParams(Settings.Defaults())
		ctx.SetParams(gan.ModelSettings.Defaults())
		ctx.SetParams(tc.settings)
		_, err := FromContext(ctx)
		if err == nil || !strings.Contains(err.Error(), tc.naming) {
			t.Errorf("%v: error %v, want one with %q", tc.settings, err, tc.naming)
		}
	}
}
