package explore

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/ganlab/gogan/ganlib/atomicfile"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pkg/errors"
)

// EncodeNPY returns a float32 tensor in NumPy's .npy format (version 1.0, little-endian, C
// order), which numpy.load reads: projected latents go to Python tools as they are.
func EncodeNPY(t *tensors.Tensor) ([]byte, error) {
	if t.DType() != dtypes.Float32 {
		return nil, errors.Errorf("explore: .npy of %s: only float32 is written", t.Shape())
	}
	dims := make([]string, len(t.Shape().Dimensions))
	for i, d := range t.Shape().Dimensions {
		dims[i] = fmt.Sprint(d)
	}
	shape := strings.Join(dims, ", ")
	if len(dims) == 1 {
		shape += ","
	}
	header := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", shape)
	// The magic, version and header length take 10 bytes; the header ends in a newline and pads
	// the whole preamble to a multiple of 64.
	header += strings.Repeat(" ", 63-(10+len(header))%64) + "\n"
	var buf bytes.Buffer
	buf.WriteString("\x93NUMPY\x01\x00")
	_ = binary.Write(&buf, binary.LittleEndian, uint16(len(header)))
	buf.WriteString(header)
	_ = binary.Write(&buf, binary.LittleEndian, tensors.MustCopyFlatData[float32](t))
	return buf.Bytes(), nil
}

// WriteNPZ writes named float32 tensors as an uncompressed .npz (numpy.load gives a dict of
// them), atomically.
func WriteNPZ(path string, names []string, values []*tensors.Tensor) error {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for i, name := range names {
		data, err := EncodeNPY(values[i])
		if err != nil {
			return errors.WithMessagef(err, "%s in %s", name, path)
		}
		w, err := z.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: zip.Store})
		if err != nil {
			return errors.Wrapf(err, "writing %s", path)
		}
		if _, err := w.Write(data); err != nil {
			return errors.Wrapf(err, "writing %s", path)
		}
	}
	if err := z.Close(); err != nil {
		return errors.Wrapf(err, "writing %s", path)
	}
	return atomicfile.Write(path, buf.Bytes())
}
