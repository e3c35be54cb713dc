package main

import (
	"archive/zip"
	"bufio"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// These tests drive the real commands as a user does: gantrain trains a tiny run, ganexplore
// explores its snapshot. Both binaries are built once by TestMain.

var ganexplore, gantrain string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ganexplore-test-")
	if err != nil {
		panic(err)
	}
	ganexplore, gantrain = filepath.Join(dir, "ganexplore"), filepath.Join(dir, "gantrain")
	for bin, pkg := range map[string]string{ganexplore: ".", gantrain: "../gantrain"} {
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building %s: %v\n%s", pkg, err, out)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// command runs a binary and returns its output and exit status.
func command(t *testing.T, bin string, args ...string) (string, int) {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if exit, ok := err.(*exec.ExitError); ok {
		return string(out), exit.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s %v: %v", bin, args, err)
	}
	return string(out), 0
}

// train runs gantrain with settings into a new run folder and returns it.
func train(t *testing.T, settings string) string {
	t.Helper()
	root := t.TempDir()
	if out, code := command(t, gantrain, "-out", root, "-name", "tiny", "-set", settings); code != 0 {
		t.Fatalf("gantrain exited %d:\n%s", code, out)
	}
	return filepath.Join(root, "00000-tiny")
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// TestExploreAStyleGAN2Run: on the snapshot of a (tiny, briefly trained) model=stylegan2 run
// the four modes write what they say: a truncation sweep with a row per psi, a mixing grid per
// band, an interpolation strip and a looping walk GIF, and a projection's images, latent (numpy
// reads the .npz), loss log and summary, whose distance falls.
func TestExploreAStyleGAN2Run(t *testing.T) {
	run := train(t, "model=stylegan2;dataset=mnist;stylegan2_channel_base=128;stylegan2_channel_max=16;stylegan2_latent_dim=16;"+
		"stylegan2_w_dim=16;stylegan2_mapping_layers=2;batch_size=8;kimg=0.032;tick_kimg=0.016;seed=3")
	out := t.TempDir()
	explore := func(args ...string) string {
		t.Helper()
		text, code := command(t, ganexplore, append([]string{"-snapshot", run, "-out", out}, args...)...)
		if code != 0 {
			t.Fatalf("ganexplore %v exited %d:\n%s", args, code, text)
		}
		return text
	}
	explore("-mode", "truncate", "-psis", "1,0.5,0", "-n", "4")
	// 32x32 images enlarged to 64: 3 rows of 64-pixel tiles under the title.
	if b := decodePNG(t, filepath.Join(out, "truncation.png")).Bounds(); b.Dy() != 16+3*66+2 {
		t.Errorf("truncation.png %v: want 3 rows", b)
	}
	explore("-mode", "mix", "-rows", "2", "-n", "3")
	for _, band := range []string{"coarse", "middle", "fine"} {
		if b := decodePNG(t, filepath.Join(out, "mix-"+band+".png")).Bounds(); b.Dy() != 30+3*66+2 {
			t.Errorf("mix-%s.png %v: want B's row and 2 rows of A", band, b)
		}
	}
	explore("-mode", "interp", "-space", "w", "-n", "2", "-steps", "5", "-keys", "3", "-frames", "4")
	if b := decodePNG(t, filepath.Join(out, "interp-w.png")).Bounds(); b.Dy() != 16+2*66+2 || b.Dx() < 5*66 {
		t.Errorf("interp-w.png %v: want 2 strips of 5", b)
	}
	f, err := os.Open(filepath.Join(out, "walk-w.gif"))
	if err != nil {
		t.Fatal(err)
	}
	anim, err := gif.DecodeAll(f)
	f.Close()
	if err != nil || len(anim.Image) != 12 {
		t.Fatalf("walk-w.gif: %v, want 3 keyframes x 4 frames", err)
	}

	target := filepath.Join(t.TempDir(), "blob.png")
	blob := image.NewGray(image.Rect(0, 0, 28, 28))
	for y := range 28 {
		for x := range 28 {
			if (x-14)*(x-14)+(y-12)*(y-12) < 40 {
				blob.SetGray(x, y, color.Gray{255})
			}
		}
	}
	pf, err := os.Create(target)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(pf, blob); err != nil {
		t.Fatal(err)
	}
	pf.Close()
	text := explore("-mode", "project", "-image", target, "-project-steps", "30", "-record", "10", "-features", "classifier",
		"-set", "metrics_classifier_steps=30;metrics_cache="+t.TempDir())
	if !strings.Contains(text, "project [##############################] 30/30") {
		t.Errorf("no finished progress bar in the output:\n%s", text)
	}
	var s summary
	data, err := os.ReadFile(filepath.Join(out, "projection.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Distances) != 3 || s.Features != "classifier" || !(s.Distances[2].Pixel < s.Distances[0].Pixel) || !strings.Contains(s.Notes[len(s.Notes)-1], "LPIPS") {
		t.Errorf("projection.json: %s", data)
	}
	lines := 0
	lf, err := os.Open(filepath.Join(out, "loss.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for sc := bufio.NewScanner(lf); sc.Scan(); lines++ {
	}
	lf.Close()
	if lines != 30 {
		t.Errorf("loss.jsonl has %d lines, want one per step (30)", lines)
	}
	z, err := zip.OpenReader(filepath.Join(out, "projected.npz"))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	if len(z.File) != 1+7 || z.File[0].Name != "w.npy" {
		t.Fatalf("projected.npz holds %d arrays (first %s): want w and the 7 noise maps of a 32x32 model", len(z.File), z.File[0].Name)
	}
	r, err := z.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	w, _ := io.ReadAll(r)
	if !strings.HasPrefix(string(w), "\x93NUMPY\x01\x00") || !strings.Contains(string(w[:128]), "'shape': (1, 8, 16)") || len(w) != 128+8*16*4 {
		t.Errorf("w.npy: %d bytes, header %q", len(w), w[:min(len(w), 128)])
	}
	for _, name := range []string{"target.png", "projected.png", "progress.png", "progress.gif"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Error(err)
		}
	}
}

// TestExploreRefusesAFamilyWithoutMapping: a model=msggan snapshot cannot be mixed, truncated or
// projected (a clear error, exit status 1), but walks in Z.
func TestExploreRefusesAFamilyWithoutMapping(t *testing.T) {
	run := train(t, "msggan_resolution=8;msggan_channel_max=8;msggan_latent_dim=8;batch_size=8;tick_kimg=0.016;kimg=0.016;seed=3")
	for _, mode := range []string{"mix", "truncate", "project"} {
		args := []string{"-snapshot", run, "-out", t.TempDir(), "-mode", mode}
		if mode == "project" {
			args = append(args, "-image", filepath.Join(run, "missing.png"))
		}
		out, code := command(t, ganexplore, args...)
		if code != 1 || !strings.Contains(out, "no mapping network") || strings.Contains(out, "goroutine") {
			t.Errorf("-mode %s on MSG-ProGAN: exit %d:\n%s\nwant exit 1 naming the missing mapping network, no stack", mode, code, out)
		}
	}
	if out, code := command(t, ganexplore, "-snapshot", run, "-out", t.TempDir(), "-mode", "interp", "-space", "z", "-n", "1", "-steps", "3", "-keys", "2", "-frames", "2"); code != 0 {
		t.Errorf("interpolation in Z of MSG-ProGAN exited %d:\n%s", code, out)
	}
}
