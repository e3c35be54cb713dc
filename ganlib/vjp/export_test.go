package vjp

// The GoMLX internals the gradients read by reflection, for the external test that pins them.
var (
	PadAxes     = padAxes
	ReverseAxes = reverseAxes
	NodeParams  = nodeParams
)
