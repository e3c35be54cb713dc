package metrics

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/pkg/errors"
	"gonum.org/v1/gonum/mat"
)

// FeatureStats accumulates features batch by batch: their count, sum and sum of outer products
// (float64), for the mean and covariance of the Fréchet distance, and the first Keep features
// themselves, for KID and precision/recall.
type FeatureStats struct {
	Dim, Count int
	Sum        []float64
	// SumOuter is the sum of x x^T, Dim x Dim, row-major.
	SumOuter []float64
	// Keep is how many features Bank holds at most (0: none).
	Keep int
	Bank [][]float32
}

// NewFeatureStats starts empty statistics of dim-dimensional features, keeping the first keep.
func NewFeatureStats(dim, keep int) *FeatureStats {
	return &FeatureStats{Dim: dim, Sum: make([]float64, dim), SumOuter: make([]float64, dim*dim), Keep: keep}
}

// Add accumulates features [n, Dim], row-major.
func (s *FeatureStats) Add(features []float32) error {
	if len(features)%s.Dim != 0 {
		return errors.Errorf("metrics: %d feature values are not rows of %d", len(features), s.Dim)
	}
	d := s.Dim
	row := make([]float64, d)
	for start := 0; start < len(features); start += d {
		for i, v := range features[start : start+d] {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return errors.Errorf("metrics: feature %d of sample %d is %g", i, s.Count, v)
			}
			row[i] = float64(v)
			s.Sum[i] += row[i]
		}
		for i, vi := range row {
			outer := s.SumOuter[i*d : (i+1)*d]
			for j := i; j < d; j++ {
				outer[j] += vi * row[j]
			}
		}
		if len(s.Bank) < s.Keep {
			s.Bank = append(s.Bank, slices.Clone(features[start:start+d]))
		}
		s.Count++
	}
	return nil
}

// MeanCov returns the mean and the unbiased covariance (divided by n-1).
func (s *FeatureStats) MeanCov() (mean []float64, cov *mat.SymDense, err error) {
	if s.Count < 2 {
		return nil, nil, errors.Errorf("metrics: %d samples, need at least 2 for a covariance", s.Count)
	}
	d, n := s.Dim, float64(s.Count)
	mean = make([]float64, d)
	for i := range mean {
		mean[i] = s.Sum[i] / n
	}
	cov = mat.NewSymDense(d, nil)
	for i := range d {
		for j := i; j < d; j++ {
			cov.SetSym(i, j, (s.SumOuter[i*d+j]-n*mean[i]*mean[j])/(n-1))
		}
	}
	return mean, cov, nil
}

// FrechetDistance is |mu1 - mu2|^2 + Tr(C1 + C2 - 2 (C1 C2)^(1/2)) between two Gaussians
// (Heusel et al. 2017). Tr (C1 C2)^(1/2) is the sum of the square roots of the eigenvalues of
// the symmetric S C2 S, S = C1^(1/2) (C1 C2 and S C2 S are similar), negative round-off clipped.
func FrechetDistance(mu1 []float64, c1 *mat.SymDense, mu2 []float64, c2 *mat.SymDense) (float64, error) {
	d := len(mu1)
	if len(mu2) != d || c1.SymmetricDim() != d || c2.SymmetricDim() != d {
		return 0, errors.Errorf("metrics.FrechetDistance: dimensions %d, %d, %dx%d, %dx%d differ", d, len(mu2), c1.SymmetricDim(), c1.SymmetricDim(), c2.SymmetricDim(), c2.SymmetricDim())
	}
	sqrt1, err := symmetricSqrt(c1)
	if err != nil {
		return 0, err
	}
	return frechetDistance(mu1, c1, sqrt1, mu2, c2)
}

// frechetDistance is FrechetDistance with C1's square root given (bootstraps reuse it).
func frechetDistance(mu1 []float64, c1 *mat.SymDense, sqrt1 *mat.Dense, mu2 []float64, c2 *mat.SymDense) (float64, error) {
	d := len(mu1)
	var m mat.Dense
	m.Mul(sqrt1, c2)
	m.Mul(&m, sqrt1)
	product := mat.NewSymDense(d, nil)
	for i := range d {
		for j := i; j < d; j++ {
			product.SetSym(i, j, (m.At(i, j)+m.At(j, i))/2)
		}
	}
	values, err := eigenvalues(product)
	if err != nil {
		return 0, err
	}
	traceSqrt := 0.0
	for _, v := range values {
		traceSqrt += math.Sqrt(max(v, 0))
	}
	distance := 0.0
	for i := range d {
		diff := mu1[i] - mu2[i]
		distance += diff*diff + c1.At(i, i) + c2.At(i, i)
	}
	return distance - 2*traceSqrt, nil
}

func eigenvalues(s *mat.SymDense) ([]float64, error) {
	var e mat.EigenSym
	if !e.Factorize(s, false) {
		return nil, errors.New("metrics: the eigendecomposition of a covariance did not converge")
	}
	return e.Values(nil), nil
}

// symmetricSqrt is the PSD square root V diag(sqrt(max(l, 0))) V^T of a symmetric matrix.
func symmetricSqrt(s *mat.SymDense) (*mat.Dense, error) {
	var e mat.EigenSym
	if !e.Factorize(s, true) {
		return nil, errors.New("metrics: the eigendecomposition of a covariance did not converge")
	}
	values := e.Values(nil)
	var v mat.Dense
	e.VectorsTo(&v)
	d := len(values)
	scaled := mat.NewDense(d, d, nil)
	for i := range d {
		for j := range d {
			scaled.Set(i, j, v.At(i, j)*math.Sqrt(max(values[j], 0)))
		}
	}
	var root mat.Dense
	root.Mul(scaled, v.T())
	return &root, nil
}

// KIDOptions are the subsets of the kernel inception distance (stylegan2-ada: 100 subsets of
// at most 1000 samples).
type KIDOptions struct {
	Subsets, MaxSubsetSize int
	Seed                   uint64
}

// KernelDistance is the unbiased squared MMD between feature sets x and y with the polynomial
// kernel k(a, b) = (a.b / d + 1)^3 (Binkowski et al. 2018), averaged over random subsets of m =
// min(|x|, |y|, MaxSubsetSize) samples of each drawn without replacement, as stylegan2-ada
// measures it.
func KernelDistance(x, y [][]float32, o KIDOptions) (float64, error) {
	m := min(len(x), len(y), o.MaxSubsetSize)
	if m < 2 || o.Subsets < 1 {
		return 0, errors.Errorf("metrics.KernelDistance: subsets of %d samples (%d and %d features), %d subsets: need 2 or more samples and a subset", m, len(x), len(y), o.Subsets)
	}
	d := float64(len(x[0]))
	// kernelSum is sum_ij k(a_i, b_j) from the Gram matrix a b^T (gonum's blocked, parallel
	// product), without its diagonal when a is b.
	kernelSum := func(a, b *mat.Dense, offDiagonal bool) float64 {
		var gram mat.Dense
		gram.Mul(a, b.T())
		sum := 0.0
		for i := range m {
			for j, v := range gram.RawRowView(i) {
				if offDiagonal && i == j {
					continue
				}
				k := v/d + 1
				sum += k * k * k
			}
		}
		return sum
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x6b6964))
	total := 0.0
	for range o.Subsets {
		xs, ys := denseRows(pick(rng, x, m)), denseRows(pick(rng, y, m))
		within := kernelSum(xs, xs, true) + kernelSum(ys, ys, true)
		total += within/float64(m*(m-1)) - 2*kernelSum(xs, ys, false)/float64(m*m)
	}
	return total / float64(o.Subsets), nil
}

// denseRows copies rows into a matrix.
func denseRows(rows [][]float32) *mat.Dense {
	out := mat.NewDense(len(rows), len(rows[0]), nil)
	for i, r := range rows {
		for j, v := range r {
			out.Set(i, j, float64(v))
		}
	}
	return out
}

// pick draws m of the rows without replacement (all of them, in order, when m is their number).
func pick(rng *rand.Rand, rows [][]float32, m int) [][]float32 {
	if m == len(rows) {
		return rows
	}
	out := make([][]float32, m)
	for i, j := range rng.Perm(len(rows))[:m] {
		out[i] = rows[j]
	}
	return out
}

// InceptionScore is exp(E_x KL(p(y|x) || p(y))) over each of splits equal parts of the class
// probabilities probs [n][classes] (Salimans et al. 2016; 10 splits), with p(y) each split's
// mean: the mean and standard deviation over the splits.
func InceptionScore(probs [][]float64, splits int) (mean, std float64, err error) {
	if splits < 1 || len(probs) < splits {
		return 0, 0, errors.Errorf("metrics.InceptionScore: %d samples in %d splits", len(probs), splits)
	}
	var scores []float64
	for s := range splits {
		part := probs[s*len(probs)/splits : (s+1)*len(probs)/splits]
		marginal := make([]float64, len(part[0]))
		for _, p := range part {
			for k, v := range p {
				marginal[k] += v / float64(len(part))
			}
		}
		kl := 0.0
		for _, p := range part {
			for k, v := range p {
				if v > 0 {
					kl += v * (math.Log(v) - math.Log(marginal[k]))
				}
			}
		}
		scores = append(scores, math.Exp(kl/float64(len(part))))
	}
	for _, v := range scores {
		mean += v / float64(splits)
	}
	for _, v := range scores {
		std += (v - mean) * (v - mean) / float64(splits)
	}
	return mean, math.Sqrt(std), nil
}

// PrecisionRecall is Kynkäänniemi et al. (2019)'s improved precision and recall with k nearest
// neighbours: precision is the fraction of generated features inside the real manifold (within
// the distance of some real feature to its k-th nearest real neighbour), recall the fraction of
// real features inside the generated manifold, the same way round.
func PrecisionRecall(real, generated [][]float32, k int) (precision, recall float64, err error) {
	if k < 1 || len(real) <= k || len(generated) <= k {
		return 0, 0, errors.Errorf("metrics.PrecisionRecall: k=%d with %d real and %d generated features: need more than k of each", k, len(real), len(generated))
	}
	return coverage(real, generated, k), coverage(generated, real, k), nil
}

// coverage is the fraction of queries within the k-NN radius of some manifold point. Squared
// distances come from Gram matrices, |a|^2 + |b|^2 - 2 a.b, a block of rows at a time (gonum's
// blocked, parallel product).
func coverage(manifold, queries [][]float32, k int) float64 {
	m, q := denseRows(manifold), denseRows(queries)
	mNorms, qNorms := rowNorms(m), rowNorms(q)
	radii := make([]float64, len(manifold))
	nearest := make([]float64, 0, k+1) // the k+1 smallest, ascending; [0] is the point itself
	forBlocks(m, m, func(row int, dots []float64) {
		nearest = nearest[:0]
		for j, dot := range dots {
			d := mNorms[row] + mNorms[j] - 2*dot
			if len(nearest) == k+1 && d >= nearest[k] {
				continue
			}
			at, _ := slices.BinarySearch(nearest, d)
			if len(nearest) < k+1 {
				nearest = append(nearest, 0)
			}
			copy(nearest[at+1:], nearest[at:len(nearest)-1])
			nearest[at] = d
		}
		radii[row] = nearest[k]
	})
	inside := 0
	forBlocks(q, m, func(row int, dots []float64) {
		for j, dot := range dots {
			// A relative slack for the rounding of the Gram form (a point's distance to itself).
			if qNorms[row]+mNorms[j]-2*dot <= radii[j]+1e-9*(qNorms[row]+mNorms[j]) {
				inside++
				return
			}
		}
	})
	return float64(inside) / float64(len(queries))
}

// forBlocks calls fn with each row i of a and the dot products of a_i with every row of b.
func forBlocks(a, b *mat.Dense, fn func(row int, dots []float64)) {
	const block = 1024
	rows, _ := a.Dims()
	for start := 0; start < rows; start += block {
		end := min(start+block, rows)
		var gram mat.Dense
		gram.Mul(a.Slice(start, end, 0, a.RawMatrix().Cols), b.T())
		for i := start; i < end; i++ {
			fn(i, gram.RawRowView(i-start))
		}
	}
}

func rowNorms(a *mat.Dense) []float64 {
	rows, _ := a.Dims()
	norms := make([]float64, rows)
	for i := range norms {
		row := a.RawRowView(i)
		norms[i] = mat.Dot(mat.NewVecDense(len(row), row), mat.NewVecDense(len(row), row))
	}
	return norms
}

func squaredDistance(a, b []float32) float64 {
	s := 0.0
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return s
}

// Bootstrap is a statistic's spread over resamples of its n samples with replacement (Efron
// 1979): statistic is evaluated on each of resamples index lists; it returns their standard
// deviation and their 2.5th and 97.5th percentiles.
func Bootstrap(n, resamples int, seed uint64, statistic func(indices []int) (float64, error)) (std, lo, hi float64, err error) {
	if n < 1 || resamples < 2 {
		return 0, 0, 0, errors.Errorf("metrics.Bootstrap: %d samples, %d resamples: need samples and 2 or more resamples", n, resamples)
	}
	rng := rand.New(rand.NewPCG(seed, 0x626f6f74))
	values := make([]float64, resamples)
	indices := make([]int, n)
	mean := 0.0
	for r := range values {
		for i := range indices {
			indices[i] = rng.IntN(n)
		}
		if values[r], err = statistic(indices); err != nil {
			return 0, 0, 0, err
		}
		mean += values[r] / float64(resamples)
	}
	for _, v := range values {
		std += (v - mean) * (v - mean) / float64(resamples-1)
	}
	slices.Sort(values)
	return math.Sqrt(std), values[int(math.Floor(0.025*float64(resamples-1)))], values[int(math.Ceil(0.975*float64(resamples-1)))], nil
}

// BootstrapFD is the Fréchet distance's spread over resamples of the generated features (the
// real statistics held fixed, as the cached ones are).
func BootstrapFD(real *FeatureStats, generated [][]float32, resamples int, seed uint64) (std, lo, hi float64, err error) {
	mu1, c1, err := real.MeanCov()
	if err != nil {
		return 0, 0, 0, err
	}
	sqrt1, err := symmetricSqrt(c1)
	if err != nil {
		return 0, 0, 0, err
	}
	return Bootstrap(len(generated), resamples, seed, func(indices []int) (float64, error) {
		s := NewFeatureStats(real.Dim, 0)
		for _, i := range indices {
			if err := s.Add(generated[i]); err != nil {
				return 0, err
			}
		}
		mu2, c2, err := s.MeanCov()
		if err != nil {
			return 0, err
		}
		return frechetDistance(mu1, c1, sqrt1, mu2, c2)
	})
}
