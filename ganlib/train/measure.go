package train

import (
	"maps"

	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/runs"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// Measure runs snapshot hooks (metrics) on a saved snapshot outside training, as the loop
// would have at that snapshot: its variables restored into ctx (which holds the run's
// settings), the generator's moving average at the snapshot's stage. Hooks record into the
// run folder (metrics.jsonl); the returned tick holds the values they measured.
func Measure(backend backends.Backend, ctx *context.Context, m gan.Model, dir runs.Dir, path string, hooks []func(*SnapshotEvent) error) (*runs.Tick, error) {
	s, err := runs.ReadSnapshot(path)
	if err != nil {
		return nil, err
	}
	if err := runs.RestoreVariables(ctx, s.Variables); err != nil {
		return nil, errors.WithMessagef(err, "restoring %s", path)
	}
	cfg, err := RunConfigFromContext(ctx)
	if err != nil {
		return nil, err
	}
	key, alpha := s.Stage, m.StageAt(s.Progress.Kimg()).Alpha
	exec := sampleExec(backend, ctx, m, key)
	defer exec.Finalize()
	tick := &runs.Tick{Kimg: s.Progress.Kimg(), Stage: key, Alpha: alpha}
	event := &SnapshotEvent{Tick: tick, Run: dir, Model: m, Seed: cfg.Seed, Shown: s.Progress.Shown, Backend: backend,
		State: maps.Clone(s.HookState), Sample: sampler(exec, m, alpha), Graph: grapher(backend, ctx, key, alpha)}
	if event.State == nil {
		event.State = map[string][]byte{}
	}
	for _, hook := range hooks {
		if err := hook(event); err != nil {
			return nil, errors.WithMessagef(err, "measuring %s", path)
		}
	}
	return tick, nil
}
