package datasets

import (
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// ParamDataset is the setting that names the training data (an Open spec).
const ParamDataset = "dataset"

// Settings are the data set's keys.
var Settings = gan.Settings{{Key: ParamDataset, Default: "mnist", Help: "training data: mnist, fashion-mnist, emoji, folder:/path, zip:/path.zip, cifar10:/dir or cache:/file"}}

// OpenFor opens the data set the settings in ctx name, at m's resolution and channels, its
// order shuffled from seed.
func OpenFor(ctx *context.Context, m gan.Model, seed int) (*Dataset, error) {
	return Open(gan.Get[string](ctx, Settings, ParamDataset), Options{Resolution: m.Resolution, Channels: m.Channels, Seed: uint64(seed)})
}
