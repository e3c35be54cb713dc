package datasets

import (
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Setting keys of the training data.
const (
	// ParamDataset names the training data (an Open spec).
	ParamDataset = "dataset"
	// ParamSkipBad skips samples that fail to decode (Options.SkipBad).
	ParamSkipBad = "skip_bad"
)

// skipHint ends the error of a sample that fails to decode: how to skip such files instead.
const skipHint = "set skip_bad=true (gantrain -set), Options.SkipBad or gandata -skip-bad to skip and count such files"

// Settings are the data set's keys.
var Settings = gan.Settings{
	{Key: ParamDataset, Default: "mnist", Help: "training data: mnist, fashion-mnist, emoji, folder:/path, zip:/path.zip, cifar10:/dir or cache:/file"},
	{Key: ParamSkipBad, Default: false, Help: "skip (and count, in the log and stats.jsonl) samples that fail to decode, instead of stopping the run with a snapshot"},
}

// OpenFor opens the data set the settings in ctx name at the given resolution and channels (0:
// the data set's own), its order shuffled from seed.
func OpenFor(ctx *context.Context, resolution, channels, seed int) (*Dataset, error) {
	return Open(gan.Get[string](ctx, Settings, ParamDataset), Options{Resolution: resolution, Channels: channels,
		Seed: uint64(seed), SkipBad: gan.Get[bool](ctx, Settings, ParamSkipBad)})
}

// SkippedSamples counts the samples skipped so far because they failed to decode (the training
// loop reports it).
func (d *Dataset) SkippedSamples() int { return len(d.report.Skipped()) }
