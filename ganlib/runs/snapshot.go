package runs

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"os"
	"slices"
	"sort"
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
	Progress     Progress
	RNG          []byte
	DataPosition int64
	Params       map[string]string
	Variables    []SavedVariable
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

// CaptureVariables copies every variable of ctx that has a value.
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
	sort.Slice(saved, func(i, j int) bool {
		return saved[i].Scope+"/"+saved[i].Name < saved[j].Scope+"/"+saved[j].Name
	})
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

// WriteSnapshot writes s to the run's SnapshotPath atomically (a temporary file, then a rename:
// the previous snapshot is never lost) and returns the path.
func (d Dir) WriteSnapshot(s *Snapshot) (string, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(s); err != nil {
		return "", errors.Wrap(err, "encoding snapshot")
	}
	path := d.SnapshotPath(s.Progress.Shown)
	return path, atomicfile.Write(path, buf.Bytes())
}

// ReadSnapshot reads a snapshot file.
func ReadSnapshot(path string) (*Snapshot, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Wrapf(err, "reading snapshot")
	}
	var s Snapshot
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&s); err != nil {
		return nil, errors.Wrapf(err, "decoding snapshot %s (truncated or not a snapshot?)", path)
	}
	return &s, nil
}
