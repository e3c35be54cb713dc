package engine

import (
	"log"
	"slices"
	"strings"
	"sync"

	"github.com/ganlab/gogan/ganlib/engine/fastgo"
	"github.com/gomlx/gomlx/backends"
)

// Options of the pure-Go backend config ("go:option,option"):
//
//	simplego   GoMLX's simplego executing everything (completed with Pad and Reverse), without
//	           the fast kernels of package fastgo: the previous default, kept for comparison
//	portable   the fast backend with its plain-Go kernels even where SIMD kernels are available
//
// Other options are passed on to simplego (which executes the operations fastgo has no kernel for).
const (
	SimplegoOption = "simplego"
	PortableOption = "portable"
)

// newFastGo creates the default pure-Go backend: package fastgo's executor and kernels over the
// completed simplego backend, or the completed simplego backend alone with the "simplego" option.
func newFastGo(config string) (backends.Backend, error) {
	options := strings.FieldsFunc(config, func(r rune) bool { return r == ',' })
	useSimplego := slices.Contains(options, SimplegoOption)
	portable := slices.Contains(options, PortableOption)
	options = slices.DeleteFunc(options, func(o string) bool { return o == SimplegoOption || o == PortableOption })
	inner, err := newPureGo(strings.Join(options, ","))
	if err != nil || useSimplego {
		return inner, err
	}
	if !fastgo.SIMD() {
		slowPathOnce.Do(func() {
			log.Printf("ganlib: pure-Go backend on the slow path: portable plain-Go kernels (%s); "+
				"build with GOEXPERIMENT=simd (as scripts/*.sh do) on an AVX-512 CPU for the SIMD kernels", fastgo.SIMDStatus())
		})
	}
	return fastgo.New(inner, fastgo.Options{
		Name:        PureGoName,
		Description: inner.Description(),
		Portable:    portable,
	}), nil
}

// slowPathOnce logs the slow-path notice once per process.
var slowPathOnce sync.Once
