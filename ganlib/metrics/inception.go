package metrics

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/ganlab/gogan/ganlib/ops"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/examples/inceptionv3/hdf5"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pkg/errors"
)

// InceptionSetup is the command that installs and converts the InceptionV3 weights.
const InceptionSetup = "bash scripts/setup-metrics.sh"

// InceptionWeightsPath is where the set-up writes the converted weights, from the repository root.
const InceptionWeightsPath = ".data/inception/nsfwjs-4.4.0-inception-v3.bin"

// KerasLayer is one layer of a Keras model's topology: its class, configuration and inputs.
type KerasLayer struct {
	Name    string          `json:"name"`
	Class   string          `json:"class"`
	Config  json.RawMessage `json:"config"`
	Inbound []string        `json:"inbound"`
}

// KerasModel is a converted Keras model: its layers in topological order and its weights by
// name ("conv2d_1/kernel", "batch_normalization_1/moving_mean", ...).
type KerasModel struct {
	Source  string
	Layers  []KerasLayer
	Weights map[string]*tensors.Tensor
}

// ReadKerasModel reads a file written by scripts/nsfw-inception.js convert.
func ReadKerasModel(path string) (*KerasModel, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, errors.Errorf("the InceptionV3 weights %s are not installed: run %s", path, InceptionSetup)
	}
	if err != nil {
		return nil, err
	}
	const magic = "GOGANW1\n"
	if !bytes.HasPrefix(data, []byte(magic)) || len(data) < len(magic)+4 {
		return nil, errors.Errorf("%s is not a converted weights file (run %s again)", path, InceptionSetup)
	}
	n := int(binary.LittleEndian.Uint32(data[len(magic):]))
	start := len(magic) + 4
	if start+n > len(data) {
		return nil, errors.Errorf("%s: header of %d bytes past the end of the file (run %s again)", path, n, InceptionSetup)
	}
	var header struct {
		Source  string `json:"source"`
		Weights []struct {
			Name   string `json:"name"`
			Shape  []int  `json:"shape"`
			Offset int    `json:"offset"`
		} `json:"weights"`
		Layers []KerasLayer `json:"layers"`
	}
	if err := json.Unmarshal(data[start:start+n], &header); err != nil {
		return nil, errors.Wrapf(err, "%s: header", path)
	}
	body := data[start+n:]
	m := &KerasModel{Source: header.Source, Layers: header.Layers, Weights: map[string]*tensors.Tensor{}}
	for _, w := range header.Weights {
		size := 1
		for _, d := range w.Shape {
			size *= d
		}
		if (w.Offset+size)*4 > len(body) {
			return nil, errors.Errorf("%s: weight %s past the end of the file (run %s again)", path, w.Name, InceptionSetup)
		}
		values := make([]float32, size)
		for i := range values {
			values[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[(w.Offset+i)*4:]))
		}
		m.Weights[w.Name] = tensors.FromFlatDataAndDimensions(values, w.Shape...)
	}
	return m, nil
}

// kerasConfig is the part of the layers' configurations the interpreter reads.
type kerasConfig struct {
	Filters    int     `json:"filters"`
	KernelSize []int   `json:"kernel_size"`
	Strides    []int   `json:"strides"`
	Padding    string  `json:"padding"`
	UseBias    bool    `json:"use_bias"`
	PoolSize   []int   `json:"pool_size"`
	Epsilon    float64 `json:"epsilon"`
	Scale      bool    `json:"scale"`
	Center     bool    `json:"center"`
	Activation string  `json:"activation"`
	Axis       int     `json:"axis"`
}

// Forward builds the model from its input x [B, H, W, C] up to the layer named output and
// returns that layer's value. The layers up to it must be InputLayer, Conv2D, BatchNormalization,
// Activation (relu), MaxPooling2D, AveragePooling2D or Concatenate (InceptionV3's up to mixed10
// but the head); padding "same" follows TensorFlow (the extra row and column after), and
// average pooling divides by the in-image count, as TensorFlow does.
func (m *KerasModel) Forward(x *Node, output string) (*Node, error) {
	g := x.Graph()
	values := map[string]*Node{}
	weight := func(name string) (*Node, error) {
		t, ok := m.Weights[name]
		if !ok {
			return nil, errors.Errorf("keras model: no weight %q", name)
		}
		c := Const(g, t)
		if c.Rank() == 1 { // per-channel: broadcast over [B, H, W, C]
			c = Reshape(c, 1, 1, 1, c.Shape().Dimensions[0])
		}
		return c, nil
	}
	for _, l := range m.Layers {
		var cfg kerasConfig
		if err := json.Unmarshal(l.Config, &cfg); err != nil {
			return nil, errors.Wrapf(err, "keras layer %s", l.Name)
		}
		var in []*Node
		for _, name := range l.Inbound {
			v, ok := values[name]
			if !ok {
				return nil, errors.Errorf("keras layer %s: input %s not computed before it", l.Name, name)
			}
			in = append(in, v)
		}
		var y *Node
		switch l.Class {
		case "InputLayer":
			y = x
		case "Conv2D":
			kernel, err := weight(l.Name + "/kernel")
			if err != nil {
				return nil, err
			}
			pad := tfPadding(in[0], cfg.KernelSize, cfg.Strides, cfg.Padding)
			y = ops.Conv2DStrided(in[0], kernel, pad, cfg.Strides[0])
			if cfg.Strides[0] != cfg.Strides[1] {
				return nil, errors.Errorf("keras layer %s: strides %v, want equal ones", l.Name, cfg.Strides)
			}
			if cfg.UseBias {
				bias, err := weight(l.Name + "/bias")
				if err != nil {
					return nil, err
				}
				y = Add(y, bias)
			}
		case "BatchNormalization":
			mean, err := weight(l.Name + "/moving_mean")
			if err != nil {
				return nil, err
			}
			variance, err := weight(l.Name + "/moving_variance")
			if err != nil {
				return nil, err
			}
			y = Mul(Sub(in[0], mean), Rsqrt(AddScalar(variance, cfg.Epsilon)))
			if cfg.Scale {
				gamma, err := weight(l.Name + "/gamma")
				if err != nil {
					return nil, err
				}
				y = Mul(y, gamma)
			}
			if cfg.Center {
				beta, err := weight(l.Name + "/beta")
				if err != nil {
					return nil, err
				}
				y = Add(y, beta)
			}
		case "Activation":
			if cfg.Activation != "relu" {
				return nil, errors.Errorf("keras layer %s: activation %q not supported", l.Name, cfg.Activation)
			}
			y = Max(in[0], ZerosLike(in[0]))
		case "MaxPooling2D", "AveragePooling2D":
			y = pool(in[0], cfg.PoolSize, cfg.Strides, cfg.Padding, l.Class == "MaxPooling2D")
		case "Concatenate":
			y = Concatenate(in, -1)
		default:
			return nil, errors.Errorf("keras layer %s: class %s not supported", l.Name, l.Class)
		}
		values[l.Name] = y
		if l.Name == output {
			return y, nil
		}
	}
	return nil, errors.Errorf("keras model: no layer %q", output)
}

// tfPadding is TensorFlow's padding of x [B, H, W, C] for a window and strides: none for
// "valid"; for "same" the total max((ceil(n/s)-1) s + k - n, 0) per axis, the odd one after.
func tfPadding(x *Node, window, strides []int, padding string) ops.Padding {
	if padding != "same" {
		return ops.Padding{}
	}
	var p ops.Padding
	for axis := range 2 {
		n, k, s := x.Shape().Dimensions[1+axis], window[axis], strides[axis]
		total := max(((n+s-1)/s-1)*s+k-n, 0)
		p[axis] = [2]int{total / 2, total - total/2}
	}
	return p
}

// pool is max or average pooling over windows of x [B, H, W, C]; the average divides by the
// number of in-image samples of each window (TensorFlow's, for "same" padding).
func pool(x *Node, window, strides []int, padding string, isMax bool) *Node {
	p := tfPadding(x, window, strides, padding)
	g := x.Graph()
	if isMax {
		return windows(x, Scalar(g, x.DType(), math.Inf(-1)), window, strides, p, Max)
	}
	sum := windows(x, ScalarZero(g, x.DType()), window, strides, p, Add)
	ones := OnesLike(Slice(x, AxisRange(0, 1), AxisRange(), AxisRange(), AxisRange(0, 1)))
	counts := windows(ones, ScalarZero(g, x.DType()), window, strides, p, Add)
	return Div(sum, counts)
}

// windows combines, with combine, the strided window samples of x padded with padValue.
func windows(x, padValue *Node, window, strides []int, p ops.Padding, combine func(a, b *Node) *Node) *Node {
	padded := x
	if p != (ops.Padding{}) {
		padded = Pad(x, padValue, backends.PadAxis{}, backends.PadAxis{Start: p[0][0], End: p[0][1]}, backends.PadAxis{Start: p[1][0], End: p[1][1]}, backends.PadAxis{})
	}
	h, w := padded.Shape().Dimensions[1], padded.Shape().Dimensions[2]
	outH, outW := (h-window[0])/strides[0]+1, (w-window[1])/strides[1]+1
	var acc *Node
	for i := range window[0] {
		for j := range window[1] {
			rows, cols := AxisRange(i, i+(outH-1)*strides[0]+1), AxisRange(j, j+(outW-1)*strides[1]+1)
			if strides[0] > 1 {
				rows = rows.Stride(strides[0])
			}
			if strides[1] > 1 {
				cols = cols.Stride(strides[1])
			}
			s := Slice(padded, AxisRange(), rows, cols, AxisRange())
			if acc == nil {
				acc = s
			} else {
				acc = combine(acc, s)
			}
		}
	}
	return acc
}

// String says what the model is.
func (m *KerasModel) String() string {
	return fmt.Sprintf("%s: %d layers, %d weights", m.Source, len(m.Layers), len(m.Weights))
}

// ExtractorNSFWInception names the InceptionV3 of npm nsfwjs in metric names (mixed5 features);
// ExtractorNSFWInceptionPool the same network's 2048-d pool (mixed10, whose blocks from mixed6
// on nsfwjs fine-tuned for its own classes).
const (
	ExtractorNSFWInception     = "nsfwinception"
	ExtractorNSFWInceptionPool = "nsfwinceptionpool"
)

// InceptionSize is the side images are resized to (bilinear) before InceptionV3.
const InceptionSize = 299

// Inception is the feature extractor of nsfwjs's InceptionV3 (Keras, converted by the set-up):
// images in [-1, 1] (grey repeated to RGB) resized to 299x299, the mixed5 block's 768 maps
// mean-pooled. Its layers up to mixed5 are the frozen ImageNet weights; the FD and KID it gives
// are not comparable with published FIDs, which use the standard pt_inception pool3 features.
type Inception struct {
	model   *KerasModel
	backend backends.Backend
	execs   map[[3]int]*Exec
	// output is the layer whose maps, mean-pooled, are the features (dim of them); name the
	// extractor's.
	output, name string
	dim          int
}

// NewInception reads the converted weights; pool selects the 2048-d mixed10 features instead of
// mixed5's 768.
func NewInception(backend backends.Backend, path string, pool bool) (*Inception, error) {
	m, err := ReadKerasModel(path)
	if err != nil {
		return nil, err
	}
	if pool {
		return &Inception{model: m, backend: backend, execs: map[[3]int]*Exec{}, output: "mixed10", dim: 2048, name: ExtractorNSFWInceptionPool}, nil
	}
	return &Inception{model: m, backend: backend, execs: map[[3]int]*Exec{}, output: "mixed5", dim: 768, name: ExtractorNSFWInception}, nil
}

func (x *Inception) Name() string    { return x.name }
func (x *Inception) FeatureDim() int { return x.dim }
func (x *Inception) Classes() int    { return 0 }

// Resolution and Channels are 0: it takes images of any size, grey or RGB.
func (x *Inception) Resolution() int { return 0 }
func (x *Inception) Channels() int   { return 0 }
func (x *Inception) Describe() string {
	if x.name == ExtractorInception {
		return fmt.Sprintf("%s, mean-pooled %s (%d-d) at 299x299", x.model.Source, x.output, x.dim)
	}
	if x.name == ExtractorNSFWInceptionPool {
		return "InceptionV3 of npm nsfwjs@4.4.0 (ImageNet weights up to mixed5, nsfwjs's fine-tuning after), mean-pooled mixed10 (2048-d) at 299x299: not comparable with published FIDs"
	}
	return "InceptionV3 of npm nsfwjs@4.4.0 (ImageNet weights up to mixed5, converted here), mean-pooled mixed5 (768-d) at 299x299: not comparable with published FIDs"
}

// inceptionBatch is how many images run through InceptionV3 at once (its 299x299 activations
// of a larger batch take gigabytes).
const inceptionBatch = 8

// Extract runs the model on images [n, H, W, 1 or 3] in [-1, 1], inceptionBatch at a time.
func (x *Inception) Extract(images *tensors.Tensor) (features, probs []float32, err error) {
	d := images.Shape().Dimensions
	if len(d) != 4 || (d[3] != 1 && d[3] != 3) {
		return nil, nil, errors.Errorf("metrics: InceptionV3 takes images [n, H, W, 1 or 3], got %s", images.Shape())
	}
	values := tensors.MustCopyFlatData[float32](images)
	if err := checkRange(values, "InceptionV3"); err != nil {
		return nil, nil, err
	}
	size := d[1] * d[2] * d[3]
	for start := 0; start < d[0]; start += inceptionBatch {
		n := min(inceptionBatch, d[0]-start)
		chunk := tensors.FromFlatDataAndDimensions(values[start*size:(start+n)*size], n, d[1], d[2], d[3])
		f, err := x.extractChunk(chunk)
		if err != nil {
			return nil, nil, err
		}
		features = append(features, f...)
	}
	return features, nil, nil
}

// features builds the mean-pooled features of images [B, H, W, 1 or 3] in [-1, 1]: grey
// repeated to RGB, resized to InceptionSize (bilinear).
func (x *Inception) features(img *Node) (*Node, error) {
	if img.Shape().Dimensions[3] == 1 {
		img = Concatenate([]*Node{img, img, img}, -1)
	}
	img = Interpolate(img, -1, InceptionSize, InceptionSize, -1).Bilinear().Done()
	y, err := x.model.Forward(img, x.output)
	if err != nil {
		return nil, err
	}
	return ReduceMean(y, 1, 2), nil
}

func (x *Inception) extractChunk(images *tensors.Tensor) ([]float32, error) {
	d := images.Shape().Dimensions
	key := [3]int{d[0], d[1], d[3]}
	if _, ok := x.execs[key]; !ok {
		var buildErr error
		exec, err := NewExec(x.backend, func(img *Node) *Node {
			y, err := x.features(img)
			if err != nil {
				buildErr = err
				return img
			}
			return y
		})
		if err == nil {
			_, err = exec.Exec(images) // compiles, reports a bad graph
		}
		if err == nil && buildErr != nil {
			err = buildErr
		}
		if err != nil {
			return nil, errors.WithMessage(err, "metrics: building InceptionV3")
		}
		x.execs[key] = exec
	}
	out, err := x.execs[key].Exec(images)
	if err != nil {
		return nil, err
	}
	return tensors.MustCopyFlatData[float32](out[0]), nil
}

// ExtractorInception names the Keras ImageNet InceptionV3 a user supplies: the one extractor
// whose Fréchet distance is called FID here (still not the pt_inception network published FIDs
// use, so not comparable with them either).
const ExtractorInception = "inception"

// ReadKerasH5Weights reads the weights of a Keras weights file (such as keras-applications'
// inception_v3_weights_tf_dim_ordering_tf_kernels.h5) with Debian's hdf5-tools (h5dump, through
// GoMLX's example reader): dataset "/conv2d_1/conv2d_1/kernel:0" becomes weight
// "conv2d_1/kernel", as the converted nsfwjs model names them.
func ReadKerasH5Weights(path string) (map[string]*tensors.Tensor, error) {
	contents, err := hdf5.ParseFile(path)
	if err != nil {
		return nil, errors.WithMessagef(err, "reading the Keras weights %s (h5dump comes with apt-get install hdf5-tools)", path)
	}
	weights := map[string]*tensors.Tensor{}
	for key, ds := range contents {
		parts := strings.Split(strings.TrimPrefix(key, "/"), "/")
		if len(parts) != 3 || parts[0] != parts[1] {
			continue // not a layer's weight (Keras keeps other attributes too)
		}
		t, err := ds.ToTensor()
		if err != nil {
			return nil, errors.WithMessagef(err, "%s: dataset %s", path, key)
		}
		weights[parts[0]+"/"+strings.TrimSuffix(parts[2], ":0")] = t
	}
	if len(weights) == 0 {
		return nil, errors.Errorf("%s holds no Keras layer weights (datasets named /layer/layer/name:0)", path)
	}
	return weights, nil
}

// NewImageNetInception is the Inception extractor with a user's Keras ImageNet weights file on
// the topology of the converted nsfwjs model (the same Keras InceptionV3, layer for layer):
// features are mixed10 mean-pooled (2048-d, Keras's avg_pool).
func NewImageNetInception(backend backends.Backend, h5Path, topologyPath string) (*Inception, error) {
	m, err := ReadKerasModel(topologyPath)
	if err != nil {
		return nil, err
	}
	if m.Weights, err = ReadKerasH5Weights(h5Path); err != nil {
		return nil, err
	}
	m.Source = "Keras ImageNet InceptionV3 weights " + h5Path
	return &Inception{model: m, backend: backend, execs: map[[3]int]*Exec{}, output: "mixed10", dim: 2048, name: ExtractorInception}, nil
}

// checkRange refuses images outside [-1, 1] (a little slack for rounding): an extractor given
// 0..255 or 0..1 images would measure something else without a word.
func checkRange(values []float32, extractor string) error {
	lo, hi := float32(0), float32(0)
	for _, v := range values {
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo < -1.001 || hi > 1.001 || math.IsNaN(float64(lo+hi)) {
		return errors.Errorf("metrics: %s takes images in [-1, 1], got values in [%g, %g] (scale 0..255 images by x/127.5 - 1)", extractor, lo, hi)
	}
	return nil
}
