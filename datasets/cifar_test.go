package datasets

import (
	"path/filepath"
	"strings"
	"testing"
)

// cifarRecords builds CIFAR-10 binary records whose record i has label i%10 and whose pixel p
// of channel c is (i + 3*p + 100*c) mod 256, so any mix-up of planes or pixels shows.
func cifarRecords(count int) []byte {
	raw := make([]byte, 0, count*cifarRecordBytes)
	for i := range count {
		raw = append(raw, byte(i%10))
		for c := range 3 {
			for p := range cifarPlane {
				raw = append(raw, byte(i+3*p+100*c))
			}
		}
	}
	return raw
}

func TestCIFAR10BinaryToHWC(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "data_batch_1.bin"), cifarRecords(3))
	writeFile(t, filepath.Join(dir, "data_batch_2.bin"), cifarRecords(12)[3*cifarRecordBytes:])
	writeFile(t, filepath.Join(dir, "test_batch.bin"), []byte("not read: only data_batch_* are training files"))
	d := mustOpen(t, "cifar10:"+dir, Options{})
	if d.Len() != 12 || d.Resolution() != 32 || d.Channels() != 3 || d.NumClasses() != 10 || d.ClassNames()[3] != "cat" {
		t.Fatalf("cifar10: Len %d Resolution %d Channels %d classes %v; want 12, 32, 3, airplane...truck",
			d.Len(), d.Resolution(), d.Channels(), d.ClassNames())
	}
	b, err := d.Samples([]int{0, 11})
	if err != nil {
		t.Fatal(err)
	}
	if b.Labels[0] != 0 || b.Labels[1] != 1 {
		t.Errorf("labels of records 0 and 11 = %v, want [0 1]", b.Labels)
	}
	// Record 11, pixel (x=5, y=2) is p = 69: red 11+207 = 218, green 318 mod 256 = 62, blue 162.
	for c, want := range []uint8{218, 62, 162} {
		if got := pixel(b, 1, 5, 2, c); got != unit(want) {
			t.Errorf("record 11 pixel (5, 2) channel %d = %v, want %v (byte %d)", c, got, unit(want), want)
		}
	}
}

func TestCIFAR10AtSixteenAverages(t *testing.T) {
	file := filepath.Join(t.TempDir(), "one.bin")
	writeFile(t, file, cifarRecords(1))
	d := mustOpen(t, "cifar10:"+file, Options{Resolution: 16, Channels: 1})
	b, err := d.Samples([]int{0})
	if err != nil {
		t.Fatal(err)
	}
	// Pixel (0, 0) at 16x16 covers pixels p = 0, 1, 32, 33 of record 0, whose (R, G, B) are
	// (0,100,200), (3,103,203), (96,196,40), (99,199,43). The box mean is (49.5, 149.5, 121.5),
	// stored rounded as (50, 150, 122); its luma 0.299*50 + 0.587*150 + 0.114*122 = 117.4 -> 117.
	if got := pixel(b, 0, 0, 0, 0); got != unit(117) {
		t.Errorf("16x16 gray pixel (0, 0) = %v, want %v (byte 117)", got, unit(117))
	}
}

func TestCIFAR10Errors(t *testing.T) {
	dir := t.TempDir()
	wrongLength := filepath.Join(dir, "data_batch_1.bin")
	writeFile(t, wrongLength, cifarRecords(2)[:5000])
	_, err := Open("cifar10:"+dir, Options{})
	if err == nil || !strings.Contains(err.Error(), wrongLength) || !strings.Contains(err.Error(), "5000") || !strings.Contains(err.Error(), "3073") {
		t.Errorf("truncated batch: error %v, want one naming the file, its size 5000 and the record size 3073", err)
	}
	badLabel := cifarRecords(1)
	badLabel[0] = 12
	writeFile(t, wrongLength, badLabel)
	if _, err := Open("cifar10:"+dir, Options{}); err == nil || !strings.Contains(err.Error(), "label 12") {
		t.Errorf("label 12: error %v, want one naming the label", err)
	}
	if _, err := Open("cifar10:"+t.TempDir(), Options{}); err == nil || !strings.Contains(err.Error(), "data_batch_*.bin") {
		t.Errorf("empty folder: error %v, want one naming data_batch_*.bin", err)
	}
}

// FuzzDecodeCIFAR checks that no input makes the CIFAR-10 decoder panic and that what it accepts
// is the records' labels (0-9) and every pixel moved from its plane to its HWC place.
func FuzzDecodeCIFAR(f *testing.F) {
	f.Add(cifarRecords(2))
	f.Add(cifarRecords(1)[:3000])                    // truncated record
	f.Add(append(cifarRecords(1), 0))                // one byte too many
	f.Add(append([]byte{10}, make([]byte, 3072)...)) // label out of range
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		pixels, labels, err := decodeCIFAR(raw)
		if err != nil {
			return
		}
		if len(labels)*cifarRecordBytes != len(raw) || len(pixels) != len(labels)*3*cifarPlane {
			t.Fatalf("%d bytes decoded to %d labels and %d pixels", len(raw), len(labels), len(pixels))
		}
		// Every pixel against the layout: record i's byte 1 + c*1024 + p (plane c, pixel p) is
		// sample i's element 3p + c (HWC).
		for i, label := range labels {
			record := raw[i*cifarRecordBytes : (i+1)*cifarRecordBytes]
			if label != int32(record[0]) || label > 9 {
				t.Fatalf("record %d: label %d from byte %d", i, label, record[0])
			}
			sample := pixels[i*3*cifarPlane : (i+1)*3*cifarPlane]
			for c := range 3 {
				for p := range cifarPlane {
					if got, want := sample[3*p+c], record[1+c*cifarPlane+p]; got != want {
						t.Fatalf("record %d pixel %d channel %d = %d, want byte %d of the record (%d)", i, p, c, got, 1+c*cifarPlane+p, want)
					}
				}
			}
		}
	})
}
