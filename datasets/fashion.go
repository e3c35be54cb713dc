package datasets

import "path/filepath"

// fashionMNISTDir is where Debian's dataset-fashion-mnist package installs the idx files.
const fashionMNISTDir = "/usr/share/datasets/fashion-mnist"

const fashionMNISTInstallHint = "run `apt-get install dataset-fashion-mnist` as root (or `bash scripts/setup-data.sh`)"

// fashionMNISTClassNames are the labels of Fashion-MNIST, in label order.
var fashionMNISTClassNames = []string{
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
}

// openFashionMNIST opens Fashion-MNIST's training set (split "" or "train") or test set
// ("test"), 28x28 gray garments padded to 32x32.
func openFashionMNIST(split string, opts *Options) (sampleSource, []string, error) {
	imagesFile, labelsFile, err := idxSplitFiles(split)
	if err != nil {
		return nil, nil, err
	}
	src, err := openIDXImages("Fashion-MNIST",
		filepath.Join(fashionMNISTDir, imagesFile), filepath.Join(fashionMNISTDir, labelsFile),
		fashionMNISTInstallHint, opts)
	return src, fashionMNISTClassNames, err
}
