package datasets

import (
	"fmt"
	"strings"
	"sync"
)

// Report lists the files that were skipped (Options.SkipBad) or ignored (not PNG/JPEG by name).
type Report struct {
	mu      sync.Mutex
	skipped []error
	ignored []string
}

// maxListed bounds how many file names Report.String prints per category.
const maxListed = 10

func (r *Report) addSkipped(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.skipped = append(r.skipped, err)
}

func (r *Report) addIgnored(path string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ignored = append(r.ignored, path)
}

// Skipped returns one error per skipped file, each naming the file and the reason.
func (r *Report) Skipped() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.skipped...)
}

// Ignored returns the files that were not read because their names are not .png, .jpg or .jpeg.
func (r *Report) Ignored() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.ignored...)
}

// String summarises the report, naming up to maxListed files of each kind.
func (r *Report) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "%d files skipped, %d ignored", len(r.skipped), len(r.ignored))
	for i, err := range r.skipped {
		if i == maxListed {
			fmt.Fprintf(&b, "\n  ... %d more skipped", len(r.skipped)-maxListed)
			break
		}
		fmt.Fprintf(&b, "\n  skipped: %v", err)
	}
	for i, path := range r.ignored {
		if i == maxListed {
			fmt.Fprintf(&b, "\n  ... %d more ignored", len(r.ignored)-maxListed)
			break
		}
		fmt.Fprintf(&b, "\n  ignored (not .png/.jpg/.jpeg): %s", path)
	}
	return b.String()
}
