// Package growing is ProGAN's progressive growing as data: a schedule of stages from 4x4 to a
// model's resolution, each new resolution faded in and then stabilized, and the graph-side
// questions a growing model asks (which resolution a graph is built for, whether it fades in).
// ProGAN and StyleGAN2's configurations A-D grow with it.
package growing

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/ganlab/gogan/ganlib/ops"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// Schedule is a growing schedule.
type Schedule struct {
	// Resolution is the last stage's (a power of two >= 8).
	Resolution int
	// FadeKimg and StableKimg are each resolution's fade-in and stabilize phases, in thousands of
	// real images (ProGAN's paper: 800 + 800; its code: 600 + 600); 4x4 has a stabilize phase only.
	FadeKimg, StableKimg float64
	// ResetOptimizers starts the optimizers' state afresh at each new resolution (ProGAN's code).
	ResetOptimizers bool
	// BatchSizes gives the batch size at some resolutions (the others: the run's batch_size).
	BatchSizes map[int]int
}

// Keys are the setting keys a family gives the schedule's fields, for error messages.
type Keys struct {
	FadeKimg, StableKimg, BatchSizes string
}

// Validate reports the first inconsistent field, naming its setting.
func (s Schedule) Validate(keys Keys) error {
	switch {
	case !(s.FadeKimg > 0):
		return errors.Errorf("%s=%g: a fade-in must last (> 0 kimg)", keys.FadeKimg, s.FadeKimg)
	case s.StableKimg < 0:
		return errors.Errorf("%s=%g must be >= 0", keys.StableKimg, s.StableKimg)
	}
	for r, b := range s.BatchSizes {
		if r < 4 || r > s.Resolution || r&(r-1) != 0 || b <= 0 {
			return errors.Errorf("%s: batch size %d at resolution %d: want positive sizes at resolutions 4 to %d", keys.BatchSizes, b, r, s.Resolution)
		}
	}
	return nil
}

// ParseBatchSizes reads "4:64,8:32" (resolution:batch, comma-separated; empty: none).
func ParseBatchSizes(key, spec string) (map[int]int, error) {
	var sizes map[int]int
	for _, field := range strings.Split(spec, ",") {
		if field = strings.TrimSpace(field); field == "" {
			continue
		}
		r, b, ok := strings.Cut(field, ":")
		res, err1 := strconv.Atoi(r)
		size, err2 := strconv.Atoi(b)
		if !ok || err1 != nil || err2 != nil {
			return nil, errors.Errorf("%s=%q: %q is not resolution:batch (such as 4:64,8:32)", key, spec, field)
		}
		if sizes == nil {
			sizes = map[int]int{}
		}
		sizes[res] = size
	}
	return sizes, nil
}

// FormatBatchSizes writes sizes as ParseBatchSizes reads them, by resolution.
func (s Schedule) FormatBatchSizes() string {
	var fields []string
	for r := 4; r <= s.Resolution; r *= 2 {
		if b, ok := s.BatchSizes[r]; ok {
			fields = append(fields, fmt.Sprintf("%d:%d", r, b))
		}
	}
	return strings.Join(fields, ",")
}

// Phase is one stage of the schedule.
type Phase struct {
	Resolution int
	Fading     bool
	Start, End float64 // kimg
}

// Key names the phase, as the training loop's stages and logs do: "8x8 fade-in", "8x8".
func (p Phase) Key() string {
	if p.Fading {
		return fmt.Sprintf("%dx%d fade-in", p.Resolution, p.Resolution)
	}
	return fmt.Sprintf("%dx%d", p.Resolution, p.Resolution)
}

// Phases lists the phases: 4x4 stabilize, then per resolution a fade-in and a stabilize phase;
// the last lasts to the end of training.
func (s Schedule) Phases() []Phase {
	phases := []Phase{{Resolution: 4, Start: 0, End: s.StableKimg}}
	for r := 8; r <= s.Resolution; r *= 2 {
		last := phases[len(phases)-1].End
		phases = append(phases, Phase{Resolution: r, Fading: true, Start: last, End: last + s.FadeKimg},
			Phase{Resolution: r, Start: last + s.FadeKimg, End: last + s.FadeKimg + s.StableKimg})
	}
	return phases
}

// Stage returns the stage at kimg; alpha grows linearly in images shown over a fade-in.
func (s Schedule) Stage(kimg float64) gan.Stage {
	phases := s.Phases()
	p := phases[len(phases)-1]
	for _, candidate := range phases {
		if kimg < candidate.End {
			p = candidate
			break
		}
	}
	alpha := 1.0
	if p.Fading {
		alpha = (kimg - p.Start) / (p.End - p.Start)
	}
	return gan.Stage{Key: p.Key(), Alpha: alpha, BatchSize: s.BatchSizes[p.Resolution], ResetOptimizers: s.ResetOptimizers && p.Fading}
}

// Of returns the stage g is built for: its resolution and whether it fades in. A graph without
// a stage (sampling outside training) is the last resolution, stable.
func (s Schedule) Of(ctx *context.Context, g *Graph) (resolution int, fading bool) {
	key := gan.StageKey(ctx, g)
	if key == "" {
		return s.Resolution, false
	}
	for _, p := range s.Phases() {
		if p.Key() == key {
			return p.Resolution, p.Fading
		}
	}
	panic(errors.Errorf("growing: graph built for stage %q, not one of the schedule's %s", key, strings.Join(s.keys(), ", ")))
}

func (s Schedule) keys() []string {
	var keys []string
	for _, p := range s.Phases() {
		keys = append(keys, p.Key())
	}
	return keys
}

// Grow sets m's stages from the schedule: its Stage function, its stage keys, and where its
// last stage begins.
func (s Schedule) Grow(m gan.Model) gan.Model {
	phases := s.Phases()
	m.Stage, m.StageKeys, m.FinalStageKimg = s.Stage, s.keys(), phases[len(phases)-1].Start
	return m
}

// Reals is what a growing model's discriminator sees of a real batch [B, H, W, C] in g's
// stage: the batch average-pooled to the stage's resolution and, during a fade-in, moved from
// the previous resolution (upsampled) to this one by the graph's alpha, as the generator's
// image is.
func (s Schedule) Reals(ctx *context.Context, real *Node) *Node {
	resolution, fading := s.Of(ctx, real.Graph())
	for real.Shape().Dimensions[1] > resolution {
		real = ops.AvgPool2x(real)
	}
	if alpha := gan.Alpha(ctx, real.Graph()); fading && alpha != nil {
		low := ops.UpsampleNearest2x(ops.AvgPool2x(real))
		real = Add(low, Mul(ConvertDType(alpha, real.DType()), Sub(real, low)))
	}
	return real
}
