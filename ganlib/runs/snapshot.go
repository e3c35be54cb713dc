package runs

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/ganlab/gogan/ganlib/atomicfile"
	"github.com/ganlab/gogan/ganlib/gan"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pkg/errors"
)

// Snapshot is everything a run needs to continue exactly: every context variable (G, D, the G
// EMA, both optimizers' moments and steps, regularizers' running values such as the path-length
// mean), the loop's counters, the host random generator, the data stream position, and the
// settings (for the record and to detect a resume under different settings).
type Snapshot struct {
	Progress Progress
	// Stage is the growing schedule's stage of the last iteration (its key; "" without growing).
	Stage        string
	RNG          []byte
	DataPosition int64
	Params       map[string]string
	Variables    []SavedVariable
	// HookState is what the snapshot hooks carry from one snapshot to the next (a metric's
	// previous images), by hook name.
	HookState map[string][]byte

	// unverified is set for a snapshot read from the format before checksums.
	unverified bool
}

// Verified reports whether the snapshot's checksum was checked when it was read (snapshots
// written before the checksummed format cannot be).
func (s *Snapshot) Verified() bool { return !s.unverified }

// NonFinite lists the float variables holding NaN or an infinity ("scope/name").
func (s *Snapshot) NonFinite() []string {
	var bad []string
	for _, v := range s.Variables {
		if !v.finite() {
			bad = append(bad, v.Scope+"/"+v.Name)
		}
	}
	return bad
}

func (v SavedVariable) finite() bool {
	switch v.DType {
	case dtypes.Float32.String():
		for i := 0; i+4 <= len(v.Data); i += 4 {
			f := math.Float32frombits(binary.LittleEndian.Uint32(v.Data[i:]))
			if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
				return false
			}
		}
	case dtypes.Float64.String():
		for i := 0; i+8 <= len(v.Data); i += 8 {
			f := math.Float64frombits(binary.LittleEndian.Uint64(v.Data[i:]))
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return false
			}
		}
	}
	return true
}

// Progress counts a run's work.
type Progress struct {
	// Shown is the number of real images shown to the discriminator.
	Shown int64
	// Iterations counts G steps (each after NCritic D steps).
	Iterations int64
}

// Kimg is Shown in thousands.
func (p Progress) Kimg() float64 { return float64(p.Shown) / 1000 }

// SavedVariable is one context variable's value.
type SavedVariable struct {
	Scope, Name, DType string
	Dims               []int
	Data               []byte
}

// CaptureParams renders every context param as text (the settings a snapshot records).
func CaptureParams(ctx *context.Context) map[string]string {
	params := map[string]string{}
	ctx.EnumerateParams(func(scope, key string, value any) {
		params[scope+"|"+key] = fmt.Sprint(value)
	})
	return params
}

// RestoreParams sets ctx's settings to a snapshot's (Snapshot.Params, values as text), each
// parsed as the setting's type; false for a snapshot from before the settings tables (no model key).
func RestoreParams(ctx *context.Context, saved map[string]string) (bool, error) {
	if _, ok := saved["/|"+gan.ParamModel]; !ok {
		return false, nil
	}
	var err error
	ctx.EnumerateParams(func(scope, key string, value any) {
		text, ok := saved[scope+"|"+key]
		if !ok || scope != context.RootScope || err != nil {
			return
		}
		var parsed any
		switch value.(type) {
		case int:
			parsed, err = strconv.Atoi(text)
		case float64:
			parsed, err = strconv.ParseFloat(text, 64)
		case bool:
			parsed, err = strconv.ParseBool(text)
		case string:
			parsed = text
		default:
			return
		}
		if err != nil {
			err = errors.Errorf("setting %s=%q in the snapshot does not parse as %T", key, text, value)
			return
		}
		ctx.SetParam(key, parsed)
	})
	return true, err
}

// Settings returns a context holding the tables' defaults under the settings of the run that
// wrote s (read from path): what rebuilds its model to measure or explore it.
func (s *Snapshot) Settings(path string, tables ...gan.Settings) (*context.Context, error) {
	ctx := context.New()
	for _, table := range tables {
		ctx.SetParams(table.Defaults())
	}
	restored, err := RestoreParams(ctx, s.Params)
	if err != nil {
		return nil, errors.WithMessagef(err, "the settings of %s", path)
	}
	if !restored {
		return nil, errors.Errorf("%s predates the settings tables: its model cannot be rebuilt", path)
	}
	return ctx, nil
}

// CaptureVariables copies every variable of ctx that has a value, in the context's order.
func CaptureVariables(ctx *context.Context) ([]SavedVariable, error) {
	var saved []SavedVariable
	for v := range ctx.IterVariables() {
		if !v.HasValue() {
			continue
		}
		value, err := v.Value()
		if err != nil {
			return nil, errors.WithMessagef(err, "reading variable %s", v.ScopeAndName())
		}
		sv := SavedVariable{Scope: v.Scope(), Name: v.Name(), DType: value.DType().String(), Dims: slices.Clone(value.Shape().Dimensions)}
		if err := value.ConstBytes(func(data []byte) { sv.Data = slices.Clone(data) }); err != nil {
			return nil, errors.WithMessagef(err, "reading variable %s", v.ScopeAndName())
		}
		saved = append(saved, sv)
	}
	// In the context's order, the order they were created in: a resumed run restores them in it,
	// so that sums over variables (the gradient norm, orthogonal regularization) add in the same
	// order as in the run that made the snapshot.
	return saved, nil
}

// RestoreVariables sets (creating where missing) ctx's variables from a snapshot; those it
// creates under G's or D's scope are trainable, the others state (optimizer moments, the EMA,
// running means, random generator).
func RestoreVariables(ctx *context.Context, saved []SavedVariable) error {
	for _, sv := range saved {
		dtype, err := dtypes.DTypeString(sv.DType)
		if err != nil {
			return errors.Errorf("snapshot variable %s/%s has unknown dtype %q", sv.Scope, sv.Name, sv.DType)
		}
		value := tensors.FromShape(shapes.Make(dtype, sv.Dims...))
		var sizeErr error
		if err := value.MutableBytes(func(data []byte) {
			if len(data) != len(sv.Data) {
				sizeErr = errors.Errorf("snapshot variable %s/%s: %d bytes for shape %v %s", sv.Scope, sv.Name, len(sv.Data), sv.Dims, dtype)
				return
			}
			copy(data, sv.Data)
		}); err != nil {
			return err
		}
		if sizeErr != nil {
			return sizeErr
		}
		scoped := ctx.InAbsPath(sv.Scope).Checked(false)
		if v := scoped.GetVariable(sv.Name); v != nil {
			if !v.Shape().Equal(value.Shape()) {
				return errors.Errorf("snapshot variable %s/%s has shape %s but the model has %s: different settings?",
					sv.Scope, sv.Name, value.Shape(), v.Shape())
			}
			if err := v.SetValue(value); err != nil {
				return err
			}
			continue
		}
		scoped.VariableWithValue(sv.Name, value).SetTrainable(isTrainableScope(sv.Scope))
	}
	return nil
}

// isTrainableScope says whether variables saved under scope are network weights (trainable)
// rather than state (optimizer moments, EMA copies, running means).
func isTrainableScope(scope string) bool {
	for _, prefix := range []string{gan.GeneratorScope, gan.DiscriminatorScope} {
		if scope == prefix || strings.HasPrefix(scope, prefix+"/") {
			return true
		}
	}
	return false
}

// The snapshot file: a header (magic, format version, payload length, SHA-256 of the payload)
// and the gob-encoded Snapshot. Files without the header are the format before checksums.
const (
	snapshotMagic   = "GOGANSNP"
	snapshotVersion = 2
	headerSize      = len(snapshotMagic) + 4 + 8 + sha256.Size
)

// WriteSnapshot writes s to the run's SnapshotPath atomically (a temporary file, then a rename:
// the previous snapshot is never lost) and returns the path. A snapshot with non-finite
// variables is refused: it could never be a good one to resume from.
func (d Dir) WriteSnapshot(s *Snapshot) (string, error) {
	if bad := s.NonFinite(); len(bad) > 0 {
		return "", errors.Errorf("runs: not writing a snapshot at kimg %.3f: %d variables hold NaN or infinities (%s)",
			s.Progress.Kimg(), len(bad), strings.Join(bad[:min(len(bad), 3)], ", "))
	}
	var payload bytes.Buffer
	if err := gob.NewEncoder(&payload).Encode(s); err != nil {
		return "", errors.Wrap(err, "encoding snapshot")
	}
	sum := sha256.Sum256(payload.Bytes())
	file := make([]byte, 0, headerSize+payload.Len())
	file = append(file, snapshotMagic...)
	file = binary.LittleEndian.AppendUint32(file, snapshotVersion)
	file = binary.LittleEndian.AppendUint64(file, uint64(payload.Len()))
	file = append(append(file, sum[:]...), payload.Bytes()...)
	path := d.SnapshotPath(s.Progress.Shown)
	return path, atomicfile.Write(path, file)
}

// ReadSnapshot reads a snapshot file, verifying its checksum: a damaged file is refused, naming
// it.
func ReadSnapshot(path string) (*Snapshot, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Wrapf(err, "reading snapshot")
	}
	payload, verified := data, false
	if bytes.HasPrefix(data, []byte(snapshotMagic)) {
		if len(data) < headerSize {
			return nil, errors.Errorf("snapshot %s is damaged: %d bytes, shorter than its header", path, len(data))
		}
		version := binary.LittleEndian.Uint32(data[len(snapshotMagic):])
		if version != snapshotVersion {
			return nil, errors.Errorf("snapshot %s has format version %d; this program reads version %d", path, version, snapshotVersion)
		}
		length := binary.LittleEndian.Uint64(data[len(snapshotMagic)+4:])
		payload = data[headerSize:]
		if uint64(len(payload)) != length {
			return nil, errors.Errorf("snapshot %s is damaged: %d bytes of content, its header says %d (truncated?)", path, len(payload), length)
		}
		if sum := sha256.Sum256(payload); !bytes.Equal(sum[:], data[headerSize-sha256.Size:headerSize]) {
			return nil, errors.Errorf("snapshot %s is damaged: its content does not match its checksum", path)
		}
		verified = true
	}
	var s Snapshot
	if err := gob.NewDecoder(bytes.NewReader(payload)).Decode(&s); err != nil {
		return nil, errors.Wrapf(err, "decoding snapshot %s (truncated or not a snapshot?)", path)
	}
	s.unverified = !verified
	return &s, nil
}
