package explore

import (
	"image"
	"math"
	"slices"

	"github.com/ganlab/gogan/ganlib/render"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pkg/errors"
)

// Space is where an interpolation runs.
type Space string

const (
	// SpaceZ interpolates the latents z spherically (they are Gaussian: a straight line would pass
	// through improbable short latents), then maps them.
	SpaceZ Space = "z"
	// SpaceW maps the endpoints and interpolates their w linearly (StyleGAN's perceptual path
	// length in W uses the same).
	SpaceW Space = "w"
)

// Slerp is the spherical interpolation from a to b at t in [0, 1], along the great circle of
// their directions with their norms interpolated linearly (Lerp where they are parallel).
func Slerp(a, b []float32, t float64) []float32 {
	var na, nb, dot float64
	for i := range a {
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
		dot += float64(a[i]) * float64(b[i])
	}
	na, nb = math.Sqrt(na), math.Sqrt(nb)
	omega := math.Acos(max(-1, min(1, dot/(na*nb))))
	if omega < 1e-6 || na == 0 || nb == 0 {
		return Lerp(a, b, t)
	}
	norm := (1-t)*na + t*nb
	ca, cb := math.Sin((1-t)*omega)/math.Sin(omega)/na, math.Sin(t*omega)/math.Sin(omega)/nb
	out := make([]float32, len(a))
	for i := range a {
		out[i] = float32(norm * (ca*float64(a[i]) + cb*float64(b[i])))
	}
	return out
}

// Lerp is the linear interpolation from a to b at t.
func Lerp(a, b []float32, t float64) []float32 {
	out := make([]float32, len(a))
	for i := range a {
		out[i] = float32((1-t)*float64(a[i]) + t*float64(b[i]))
	}
	return out
}

// rows splits z [n, D] into its rows.
func rows(z *tensors.Tensor) [][]float32 {
	values := tensors.MustCopyFlatData[float32](z)
	n := z.Shape().Dimensions[0]
	return slices.Collect(slices.Chunk(values, len(values)/n))
}

// between draws the images at t between paired latents from[i] and to[i], interpolated in space,
// with truncation psi (1: none; a model without a mapping network has neither psi nor W).
func (e *Explorer) between(from, to [][]float32, t float64, space Space, psi float64) (render.Images, error) {
	var z []float32
	for i := range from {
		if space == SpaceZ {
			z = append(z, Slerp(from[i], to[i], t)...)
		} else {
			z = append(z, from[i]...)
		}
	}
	zt := tensors.FromFlatDataAndDimensions(z, len(from), e.Model.LatentDim)
	switch {
	case space != SpaceZ && space != SpaceW:
		return render.Images{}, errors.Errorf("interpolation space %q: use z or w", space)
	case space == SpaceZ && e.Model.Mapping == nil:
		if psi != 1 {
			return render.Images{}, errors.Wrapf(e.StyleBased("truncation"), "psi %g", psi)
		}
		return e.Generate(zt)
	case space == SpaceZ:
		w, err := e.Styles(zt, psi, 0)
		if err != nil {
			return render.Images{}, err
		}
		return e.Synthesize(w)
	}
	var zTo []float32
	for i := range to {
		zTo = append(zTo, to[i]...)
	}
	a, err := e.Styles(zt, psi, 0)
	if err != nil {
		return render.Images{}, err
	}
	b, err := e.Styles(tensors.FromFlatDataAndDimensions(zTo, len(to), e.Model.LatentDim), psi, 0)
	if err != nil {
		return render.Images{}, err
	}
	a.Values = Lerp(a.Values, b.Values, t)
	return e.Synthesize(a)
}

// Interpolation is a strip of steps images from latent z[0] to z[1] (endpoints included).
func (e *Explorer) Interpolation(z *tensors.Tensor, steps int, space Space, psi float64) (render.Images, error) {
	if z.Shape().Dimensions[0] != 2 || steps < 2 {
		return render.Images{}, errors.Errorf("an interpolation strip needs 2 latents and at least 2 steps, got %s and %d", z.Shape(), steps)
	}
	r := rows(z)
	var strip render.Images
	for i := range steps {
		images, err := e.between(r[:1], r[1:], float64(i)/float64(steps-1), space, psi)
		if err != nil {
			return render.Images{}, err
		}
		if i == 0 {
			strip = images
			continue
		}
		strip.Batch++
		strip.Pixels = append(strip.Pixels, images.Pixels...)
	}
	return strip, nil
}

// Walk is a looping latent walk for an animation: z holds keys keyframes of walks latents each
// (z[k*walks+j] is walk j's k-th keyframe); each walk goes through its keyframes and back to the
// first, frames frames per segment. Each returned frame is the walks' images side by side,
// enlarged to at least render.MinTile.
func (e *Explorer) Walk(z *tensors.Tensor, keys, frames int, space Space, psi float64) ([]image.Image, error) {
	n := z.Shape().Dimensions[0]
	if keys < 2 || frames < 1 || n%keys != 0 {
		return nil, errors.Errorf("a walk needs at least 2 keyframes of the same number of latents and a frame per segment: %d latents, %d keyframes, %d frames", n, keys, frames)
	}
	walks, r := n/keys, rows(z)
	var out []image.Image
	for k := range keys {
		from, to := r[k*walks:(k+1)*walks], r[((k+1)%keys)*walks:((k+1)%keys+1)*walks]
		for f := range frames {
			images, err := e.between(from, to, float64(f)/float64(frames), space, psi)
			if err != nil {
				return nil, err
			}
			cells := [][]render.Cell{make([]render.Cell, walks)}
			for j := range walks {
				cells[0][j] = render.Cell{Images: &images, Index: j}
			}
			out = append(out, render.LabelledGrid(cells, render.MinTile, "", nil, nil))
		}
	}
	return out, nil
}
