package losses

// Lazy regularization intervals of StyleGAN2 (paper App. B): R1 every 16 discriminator steps,
// path length every 8 generator steps (the official code uses 4 for path length).
const (
	DefaultR1Interval         = 16
	DefaultPathLengthInterval = 8
)

// Lazy is StyleGAN2's lazy regularization schedule (Sec. 3.1, App. B): a regularizer is evaluated
// only every Interval steps, in its own optimizer step, and multiplied by Interval so that its
// gradient keeps its overall magnitude. Steps count from 0 and step 0 applies, as in the official
// code (batch_idx % interval == 0).
//
// The regularizer step shares the network's optimizer state with the main-loss steps, so
// Interval minibatches make Interval+1 optimizer updates; the paper compensates with lr' = c lr,
// beta1' = beta1^c, beta2' = beta2^c, c = Interval/(Interval+1): use
// train.Optimizer.LazyCorrected(Interval) as that network's optimizer for both kinds of step.
//
// Interval <= 1 is ordinary regularization: the term is added to the main loss every step with
// weight 1, and the optimizer is used uncorrected.
type Lazy struct {
	Interval int
}

// Applies reports whether step (counted from 0) evaluates the regularizer.
func (l Lazy) Applies(step int) bool {
	return l.Interval <= 1 || step%l.Interval == 0
}

// Weight is the factor the regularizer is multiplied by on the steps it applies: Interval (1 for
// Interval <= 1).
func (l Lazy) Weight() float64 {
	return float64(max(l.Interval, 1))
}
