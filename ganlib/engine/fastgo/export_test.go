package fastgo

// SetFusion turns the compile-time rewrites on or off (for tests that compare both).
func SetFusion(on bool) { fusionDisabled = !on }

// ToFloat64s and CheckValues are shared with the external tests.
var (
	ToFloat64s  = toFloat64s
	CheckValues = checkValues
)
