package blocks

import (
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// AllConnections lists every resolution from 4 up to (excluding) resolution: MSG-GAN's
// discriminator inputs besides the full-resolution image.
func AllConnections(resolution int) []int {
	var list []int
	for r := 4; r < resolution; r *= 2 {
		list = append(list, r)
	}
	return list
}

// Levels are MSG-GAN's connection levels (Table 4): the resolutions below the output's in each
// group.
var Levels = []string{"coarse", "middle", "fine"}

// LevelOf returns the level of resolution r in a model of the given resolution. The paper's
// groups are for 1024x1024, exponents 2 to 10: coarse 4 and 8 (exponents 2, 3), middle 16 and
// 32 (4, 5), fine 64 to 1024 (6 to 10). A model of resolution 2^n maps r = 2^k to the paper's
// exponent p = 2 + (k-2)*8/(n-2) and takes p's group: coarse below 4, middle below 6, fine
// from 6. At 32x32 that makes 4 coarse, 8 middle, 16 and 32 fine; at 64x64 4 coarse, 8 middle,
// 16 to 64 fine; at 1024x1024 it is the paper's grouping.
func LevelOf(r, resolution int) string {
	k, n := bits.Len(uint(r))-1, bits.Len(uint(resolution))-1
	// p < 4 and p < 6 in integers: (k-2)*8 < 2(n-2) and (k-2)*8 < 4(n-2).
	switch {
	case (k-2)*4 < n-2:
		return "coarse"
	case (k-2)*2 < n-2:
		return "middle"
	}
	return "fine"
}

// LevelConnections lists the resolutions below the output's at a level (LevelOf).
func LevelConnections(level string, resolution int) []int {
	var list []int
	for _, r := range AllConnections(resolution) {
		if LevelOf(r, resolution) == level {
			list = append(list, r)
		}
	}
	return list
}

// ParseConnections parses the setting key's value: "all", "none", a level of Levels or a
// comma-separated list of resolutions, each below resolution.
func ParseConnections(key, spec string, resolution int) ([]int, error) {
	spec = strings.TrimSpace(spec)
	var list []int
	switch {
	case spec == "all":
		return AllConnections(resolution), nil
	case spec == "none":
		return nil, nil
	case slices.Contains(Levels, spec):
		if list = LevelConnections(spec, resolution); len(list) == 0 {
			return nil, errors.Errorf("%s=%s: a %dx%d model has no %s resolution below its output (its levels: %s); use a list of %v",
				key, spec, resolution, resolution, spec, describeLevels(resolution), AllConnections(resolution))
		}
		return list, nil
	}
	for _, field := range strings.Split(spec, ",") {
		r, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil {
			return nil, errors.Errorf("%s=%q: %q is neither a level nor a resolution: use all, none, %s, or a list such as 4,8",
				key, spec, field, strings.Join(Levels, ", "))
		}
		if !slices.Contains(AllConnections(resolution), r) {
			return nil, errors.Errorf("connection at resolution %d not in %v (%s)", r, AllConnections(resolution), key)
		}
		list = append(list, r)
	}
	return list, nil
}

// FormatConnections writes list as ParseConnections reads it.
func FormatConnections(list []int, resolution int) string {
	switch {
	case len(list) == 0:
		return "none"
	case slices.Equal(list, AllConnections(resolution)):
		return "all"
	}
	fields := make([]string, len(list))
	for i, r := range list {
		fields[i] = strconv.Itoa(r)
	}
	return strings.Join(fields, ",")
}

// describeLevels says which resolutions each level holds at a model's resolution.
func describeLevels(resolution int) string {
	var parts []string
	for _, level := range Levels {
		parts = append(parts, fmt.Sprintf("%s %v", level, LevelConnections(level, resolution)))
	}
	return strings.Join(parts, ", ")
}

// Minibatch stddev placements of MSG-GAN's discriminator, as settings write them.
const (
	MbstdInEveryBlock = "every_block"
	MbstdInFinalBlock = "final"
)

// ParseMbstd reads a placement: whether minibatch stddev is in the final block only.
func ParseMbstd(key, value string) (finalOnly bool, err error) {
	switch value {
	case MbstdInEveryBlock:
		return false, nil
	case MbstdInFinalBlock:
		return true, nil
	}
	return false, errors.Errorf("%s=%q: use %q (the MSG-GAN paper's Table 7) or %q (the authors' PyTorch code)", key, value, MbstdInEveryBlock, MbstdInFinalBlock)
}

// FormatMbstd writes a placement as ParseMbstd reads it.
func FormatMbstd(finalOnly bool) string {
	if finalOnly {
		return MbstdInFinalBlock
	}
	return MbstdInEveryBlock
}
