package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.10g, want %.10g (tolerance %g)", what, got, want, tol)
	}
}

// TestFrechetDistanceClosedForms: for commuting covariances the distance is |mu1-mu2|^2 +
// sum_i (sqrt(l1_i) - sqrt(l2_i))^2 over the shared eigenbasis; a rotated pair (C1 = a I, C2
// any) gives Tr(C1 + C2) - 2 sqrt(a) Tr C2^(1/2); the distance of a Gaussian to itself is 0.
func TestFrechetDistanceClosedForms(t *testing.T) {
	diag := func(v ...float64) *mat.SymDense {
		s := mat.NewSymDense(len(v), nil)
		for i, x := range v {
			s.SetSym(i, i, x)
		}
		return s
	}
	fd, err := FrechetDistance([]float64{1, 2, 3}, diag(4, 1, 9), []float64{0, 2, 5}, diag(1, 1, 4))
	if err != nil {
		t.Fatal(err)
	}
	near(t, "FD of diagonal Gaussians", fd, 1+4+(2-1)*(2-1)+0+(3-2)*(3-2), 1e-12)

	// C2 = R diag(4, 9) R^T with a rotation R; C1 = 2 I. Tr C2^(1/2) = 2 + 3.
	c, s := math.Cos(0.7), math.Sin(0.7)
	c2 := mat.NewSymDense(2, []float64{4*c*c + 9*s*s, (4 - 9) * c * s, (4 - 9) * c * s, 4*s*s + 9*c*c})
	fd, err = FrechetDistance([]float64{0, 0}, diag(2, 2), []float64{0, 0}, c2)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "FD of 2I and a rotated diag(4, 9)", fd, 4+13-2*math.Sqrt(2)*5, 1e-12)

	rng := rand.New(rand.NewPCG(1, 1))
	stats := NewFeatureStats(5, 0)
	features := make([]float32, 200*5)
	for i := range features {
		features[i] = float32(rng.NormFloat64())
	}
	if err := stats.Add(features); err != nil {
		t.Fatal(err)
	}
	mean, cov, err := stats.MeanCov()
	if err != nil {
		t.Fatal(err)
	}
	fd, _ = FrechetDistance(mean, cov, mean, cov)
	near(t, "FD of a Gaussian to itself", fd, 0, 1e-9)
}

// TestFeatureStatsMeanCov: the streamed mean and covariance, added in uneven batches, equal the
// two-pass formulas.
func TestFeatureStatsMeanCov(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	const n, d = 37, 3
	x := make([]float32, n*d)
	for i := range x {
		x[i] = float32(rng.NormFloat64()*2 + float64(i%d))
	}
	stats := NewFeatureStats(d, 5)
	for _, cut := range [][2]int{{0, 10}, {10, 11}, {11, n}} {
		if err := stats.Add(x[cut[0]*d : cut[1]*d]); err != nil {
			t.Fatal(err)
		}
	}
	mean, cov, err := stats.MeanCov()
	if err != nil || stats.Count != n || len(stats.Bank) != 5 {
		t.Fatalf("%d samples, %d kept, %v", stats.Count, len(stats.Bank), err)
	}
	for i := range d {
		m := 0.0
		for r := range n {
			m += float64(x[r*d+i]) / n
		}
		near(t, "mean", mean[i], m, 1e-12)
		for j := range d {
			mj := 0.0
			for r := range n {
				mj += float64(x[r*d+j]) / n
			}
			c := 0.0
			for r := range n {
				c += (float64(x[r*d+i]) - m) * (float64(x[r*d+j]) - mj) / (n - 1)
			}
			near(t, "covariance", cov.At(i, j), c, 1e-10)
		}
	}
	if err := stats.Add([]float32{1, 2}); err == nil {
		t.Error("2 values accepted as rows of 3")
	}
	if err := stats.Add([]float32{1, float32(math.NaN()), 2}); err == nil {
		t.Error("a NaN feature accepted")
	}
}

// TestKernelDistanceDirect: with one subset of all samples KID is the unbiased MMD^2 written out
// directly; features from one distribution give about 0, a shifted one clearly more.
func TestKernelDistanceDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	cloud := func(n int, shift float64) [][]float32 {
		out := make([][]float32, n)
		for i := range out {
			out[i] = []float32{float32(rng.NormFloat64() + shift), float32(rng.NormFloat64()), float32(rng.NormFloat64())}
		}
		return out
	}
	x, y := cloud(20, 0), cloud(20, 1)
	k := func(a, b []float32) float64 {
		v := (float64(a[0])*float64(b[0])+float64(a[1])*float64(b[1])+float64(a[2])*float64(b[2]))/3 + 1
		return v * v * v
	}
	var kxx, kyy, kxy float64
	for i := range 20 {
		for j := range 20 {
			if i != j {
				kxx += k(x[i], x[j])
				kyy += k(y[i], y[j])
			}
			kxy += k(x[i], y[j])
		}
	}
	want := kxx/(20*19) + kyy/(20*19) - 2*kxy/(20*20)
	got, err := KernelDistance(x, y, KIDOptions{Subsets: 1, MaxSubsetSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "KID (one subset of all)", got, want, 1e-9*math.Abs(want))
	same, _ := KernelDistance(cloud(400, 0), cloud(400, 0), KIDOptions{Subsets: 10, MaxSubsetSize: 200, Seed: 1})
	shifted, _ := KernelDistance(cloud(400, 0), cloud(400, 1), KIDOptions{Subsets: 10, MaxSubsetSize: 200, Seed: 1})
	if math.Abs(same) > 0.05 || shifted < 0.3 {
		t.Errorf("KID of one distribution %g (want about 0), of a shift by 1 %g (want clearly more)", same, shifted)
	}
}

// TestInceptionScoreClosedForms: confident predictions spread evenly over c classes score c;
// the same prediction for every sample scores 1; the splits are scored apart.
func TestInceptionScoreClosedForms(t *testing.T) {
	var confident, constant [][]float64
	for i := range 100 {
		p := make([]float64, 10)
		p[i%10] = 1
		confident = append(confident, p)
		constant = append(constant, []float64{0.5, 0.3, 0.2})
	}
	mean, std, err := InceptionScore(confident, 10)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "IS of confident, even predictions", mean, 10, 1e-9)
	near(t, "its spread", std, 0, 1e-9)
	mean, _, _ = InceptionScore(constant, 10)
	near(t, "IS of one prediction for all", mean, 1, 1e-12)
	// Two splits: one with two classes (IS 2), one with a single class (IS 1).
	halves := [][]float64{{1, 0}, {0, 1}, {1, 0}, {1, 0}}
	mean, std, _ = InceptionScore(halves, 2)
	near(t, "IS mean over the splits", mean, 1.5, 1e-12)
	near(t, "IS spread over the splits", std, 0.5, 1e-12)
	if _, _, err := InceptionScore(halves, 5); err == nil {
		t.Error("5 splits of 4 samples accepted")
	}
}

// TestPrecisionRecallKnownOverlap: points on a line; the real set covers [0, 99], the generated
// one [50, 149] with the same spacing, so with k = 1 (radius: the unit spacing) half of each
// lies in the other's manifold; identical sets give 1 and 1.
func TestPrecisionRecallKnownOverlap(t *testing.T) {
	line := func(from int) [][]float32 {
		var out [][]float32
		for i := range 100 {
			out = append(out, []float32{float32(from + i), 0})
		}
		return out
	}
	p, r, err := PrecisionRecall(line(0), line(50), 1)
	if err != nil {
		t.Fatal(err)
	}
	// Generated 50..99 inside; 100 is within 1 of the real 99 (its radius is 1): 51 of 100.
	near(t, "precision", p, 0.51, 1e-12)
	near(t, "recall", r, 0.51, 1e-12)
	p, r, _ = PrecisionRecall(line(0), line(0), 3)
	near(t, "precision of identical sets", p, 1, 0)
	near(t, "recall of identical sets", r, 1, 0)
	p, r, _ = PrecisionRecall(line(0), line(1000), 3)
	near(t, "precision of disjoint sets", p, 0, 0)
	near(t, "recall of disjoint sets", r, 0, 0)
}

// TestBootstrapOfAMean: the bootstrap spread of a sample mean is about the standard error
// sigma / sqrt(n), and its 95% interval about +-1.96 of it around the mean.
func TestBootstrapOfAMean(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	values := make([]float64, 400)
	mean := 0.0
	for i := range values {
		values[i] = 3 + 2*rng.NormFloat64()
		mean += values[i] / 400
	}
	std, lo, hi, err := Bootstrap(len(values), 400, 1, func(indices []int) (float64, error) {
		m := 0.0
		for _, i := range indices {
			m += values[i] / float64(len(indices))
		}
		return m, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "bootstrap std of the mean", std, 2/math.Sqrt(400), 0.015)
	near(t, "lower 2.5%", lo, mean-1.96*0.1, 0.04)
	near(t, "upper 97.5%", hi, mean+1.96*0.1, 0.04)
	if _, _, _, err := Bootstrap(10, 1, 1, nil); err == nil {
		t.Error("one resample accepted")
	}
}
