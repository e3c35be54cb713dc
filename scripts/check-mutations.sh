#!/usr/bin/env bash
# Mutation check of the test suite: each mutation below is a small change that leaves the code
# compiling and self-consistent but wrong (a term weighted 0, a lost interpolation, a gradient
# cut, a layout swapped). For each, a copy of the working tree gets the change and the named
# tests must FAIL there; a mutation that the tests let pass is reported and the script exits 1.
#   bash scripts/check-mutations.sh            every mutation
#   bash scripts/check-mutations.sh NAME ...   the named ones
# It takes a few minutes (one test build per mutation) and is not part of the test command;
# run it after changing a test or the code a mutation names. A mutation whose code is gone
# (moved or rewritten) is an error: update its line here.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"
if [[ ",${GOEXPERIMENT:-}," != *,simd,* ]]; then export GOEXPERIMENT="simd${GOEXPERIMENT:+,${GOEXPERIMENT}}"; fi

# name | file | exact text | replacement | package | tests (go test -run pattern)
mutations=(
	"penalty-at-reals|ganlib/losses/penalty.go|Mul(weight, Sub(fake[i], real[i]))|Mul(MulScalar(weight, 0), Sub(fake[i], real[i]))|./ganlib/train|^TestWGANGPStep\$"
	"penalty-unweighted|ganlib/objective/gp.go|return MulScalar(penalty, lambda)|return MulScalar(penalty, 0*lambda)|./ganlib/train|^TestWGANGPStep\$"
	"orthogonal-dropped|ganlib/objective/orthogonal.go|return ortho|return MulScalar(ortho, 0)|./ganlib/train|^TestGeneratorStepWithOrthogonalRegularization\$"
	"lazy-term-zero|ganlib/objective/objective.go|term = MulScalar(term, float64(p.Interval))|term = MulScalar(term, 0*float64(p.Interval))|./ganlib/train|^TestLazyR1Step\$"
	"path-length-zero|ganlib/objective/pathlength.go|			return penalty|			return MulScalar(penalty, 0)|./ganlib/train|^TestPathLengthStep\$"
	"r1-dropped|ganlib/objective/r1.go|			return r1|			return MulScalar(r1, 0)|./ganlib/train|^TestNonSaturatingStepWithR1\$"
	"style-layer-cut|ganlib/layers/stylegan.go|y = Noise(c.ctx, y, b.noise)|y = Noise(c.ctx, StopGradient(y), b.noise)|./ganlib/layers|^TestStyleLayerGradients\$"
	"noise-variance|ganlib/layers/stylegan.go|noise = ctx.RandomNormal(x.Graph(), shapes.Make(x.DType(), b, h, w, 1))|noise = MulScalar(ctx.RandomNormal(x.Graph(), shapes.Make(x.DType(), b, h, w, 1)), 0.8)|./ganlib/layers|^TestNoiseStartsAtZeroStrength\$"
	"fusion-off|ganlib/engine/fastgo/fusion.go|	if fusionDisabled {|	if true {|./ganlib/engine/fastgo|^TestFusionPreservesResults\$"
	"small-products-off|ganlib/engine/fastgo/elementwise.go|simdBinary32(code, o, any(a).([]float32), any(b).([]float32))|simdBinary32(code, o, any(a).([]float32), any(b).([]float32)); if code == ewMul { for i := range o { if o[i] > -0.05 && o[i] < 0.05 { o[i] *= 1.001 } } }|./ganlib/engine/fastgo|^TestElementwiseGraphs\$"
	"reference-dtype-ignored|ganlib/verify/stepcompare.go|dtypes_ := [2]dtypes.DType{sc.ReferenceDType, dtypes.Float32}|dtypes_ := [2]dtypes.DType{dtypes.Float32, dtypes.Float32}|./cmd/ganbench|^TestStepsSuite\$"
	"phi-order|ganlib/blocks/msg.go|joined := Concatenate([]*Node{img, x}, 3)|joined := Concatenate([]*Node{x, img}, 3)|./ganlib/models/msggan|^TestForwardReference\$"
	"cifar-planes|datasets/cifar.go|sample[3*p+2] = planes[2*cifarPlane+p]|sample[3*p+2] = planes[cifarPlane+p]|./datasets|^FuzzDecodeCIFAR\$"
	"grey-channel-shift|datasets/resize.go|copy(dst[i*channels:(i+1)*channels], src[i*stride:])|copy(dst[i*channels:(i+1)*channels], src[i*stride+1:])|./datasets|^FuzzDecodeImage\$"
	"fade-in-g-alpha-ignored|ganlib/blocks/generator.go|return append(images, Add(old, Mul(ConvertDType(alpha, img.DType()), Sub(img, old))))|return append(images, Add(old, Sub(img, old)))|./ganlib/models/progan|^TestFadeInIsContinuous\$"
	"fade-in-d-alpha-ignored|ganlib/blocks/discriminator.go|x = Add(old, Mul(ConvertDType(alpha, x.DType()), Sub(x, old)))|x = Add(old, Sub(x, old))|./ganlib/models/progan|^TestFadeInIsContinuous\$"
	"real-fade-in-off|ganlib/growing/growing.go|real = Add(low, Mul(ConvertDType(alpha, real.DType()), Sub(real, low)))|real = Add(low, Sub(real, low))|./ganlib/models/progan|^TestRealInputsFadeIn\$"
	"optimizer-reset-off|ganlib/train/loop.go|v.MustSetValue(tensors.FromShape(v.Shape()))|_ = v|./ganlib/train|^TestStagesCompileOncePerStage\$"
	"stage-not-resumed|ganlib/train/loop.go|l.stageKey = s.Stage|l.stageKey = \"\"|./ganlib/models|^TestResumeMidFadeInIsExact\$"
	"level-boundary|ganlib/blocks/connections.go|case (k-2)*4 < n-2:|case (k-2)*4 <= n-2:|./ganlib/blocks|^TestConnectionLevels\$"
	"mbstd-placement-ignored|ganlib/models/msggan/model.go|MbstdEveryBlock: !cfg.MbstdFinalOnly|MbstdEveryBlock: true|./ganlib/models/msggan|^TestParameterCounts\$"
	"stability-absolute|ganlib/metrics/stability.go|sum += d * d|sum += max(d, -d)|./ganlib/metrics|^TestStability\$"
	"study-early-metrics|ganlib/study/loop.go|			if m.Kimg != last {|			if m.Kimg == last {|./ganlib/study|^TestLoopKeepsATrainedRunsCurvesAndStages\$"
	"mean-curve-partial-ticks|ganlib/study/table.go|		if p.n == seeds && p.n > 0 {|		if p.n > 0 {|./ganlib/study|^TestAgreementAndMeanCurve\$"
	"agreement-direction-ignored|ganlib/study/table.go|				return cmpFloat(values[b], values[a])|				return cmpFloat(values[a], values[b])|./ganlib/study|^TestAgreementAndMeanCurve\$"
	"stage-speed-last-tick|ganlib/study/table.go|		seconds[len(seconds)-1] += t.Seconds|		seconds[len(seconds)-1] = t.Seconds|./ganlib/study|^TestAgreementAndMeanCurve\$"
	"residual-gain|ganlib/blocks/stylegan2.go|var residualGain = math.Sqrt(0.5)|var residualGain = math.Sqrt(1.0)|./ganlib/blocks|^TestResidualBlocksSumWithGain\$"
	"sn-u-not-saved|ganlib/layers/biggan.go|		u.SetValueGraph(next)|		_ = next|./ganlib/layers|^TestSpectralWeightMatchesSVD\$"
	"bn-momentum|ganlib/layers/biggan.go|MulScalar(v.ValueGraph(g), 1-BatchNormMomentum)|MulScalar(v.ValueGraph(g), 1-0.5*BatchNormMomentum)|./ganlib/layers|^TestConditionalBatchNormMatchesLoops\$"
	"cbn-gain-without-one|ganlib/layers/biggan.go|perSample(OnePlus(SNDense(ctx.In(\"gain\"), cond, channels, false)))|perSample(Identity(SNDense(ctx.In(\"gain\"), cond, channels, false)))|./ganlib/layers|^TestConditionalBatchNormMatchesLoops\$"
	"standing-average|ganlib/layers/biggan.go|AddScalar(k, 1)))|AddScalar(k, 2)))|./ganlib/layers|^TestConditionalBatchNormMatchesLoops\$"
	"projection-dropped|ganlib/ops/spectral.go|return ReduceAndKeep(Mul(embedding, h), ReduceSum, -1)|return ReduceAndKeep(Mul(embedding, ZerosLike(h)), ReduceSum, -1)|./ganlib/layers|^TestProjectionHeadClosedForm\$"
	"g-ignores-labels|ganlib/blocks/progan.go|x = Concatenate([]*Node{x, ops.PixelNorm(embedding)}, 1)|x = Concatenate([]*Node{x, ZerosLike(ops.PixelNorm(embedding))}, 1)|./ganlib/models|^TestConditioningChangesBothNetworks\$"
	"truncate-shrinks|ganlib/models/biggan/truncation.go|v = float32(rng.NormFloat64())|v = v * 0.5|./ganlib/models/biggan|^TestTruncateResamplesOnlyOutliers\$"
	"style-latent-index|ganlib/blocks/stylegan2.go|w(s.ws, 2*k-5)|w(s.ws, 2*k-4)|./ganlib/blocks|^TestEveryStyleLatentIsUsed\$"
	"up-conv-padding|ganlib/ops/resample.go|before, after := floorDiv(fw+1, 2), floorDiv(fw-2, 2)|before, after := floorDiv(fw+1, 2)+1, floorDiv(fw-2, 2)-1|./ganlib/ops|^TestResampledConv2DHandComputed\$"
	"up-conv-orientation|ganlib/ops/resample.go|x, kernel, Padding{}, 1, true)|x, kernel, Padding{}, 1, false)|./ganlib/ops|^TestResampledConv2DHandComputed\$"
	"w-avg-decay|ganlib/models/stylegan2/model.go|MulScalar(Sub(avg, mean), c.WAvgBeta)|MulScalar(Sub(mean, avg), c.WAvgBeta)|./ganlib/models/stylegan2|^TestMappingAverageMixingAndTruncation\$"
	"truncation-cutoff|ganlib/gan/gan.go|return Where(LessThan(index, cutoff), truncated, ws)|return Where(LessOrEqual(index, cutoff), truncated, ws)|./ganlib/models/stylegan2|^TestMappingAverageMixingAndTruncation\$"
	"explore-truncation-cutoff|ganlib/gan/gan.go|return Where(LessThan(index, cutoff), truncated, ws)|return Where(LessOrEqual(index, cutoff), truncated, ws)|./ganlib/explore|^TestTruncationToTheAverage\$"
	"mix-source|ganlib/explore/grids.go|				if in[s] {|				if !in[s] {|./ganlib/explore|^TestStyleMixingKeepsTheOtherBands\$"
	"band-limit|ganlib/explore/grids.go|coarse = max(4, min(8, resolution/8))|coarse = max(4, min(8, resolution/4))|./ganlib/explore|^TestStyleMixingKeepsTheOtherBands\$"
	"z-path-linear|ganlib/explore/interpolate.go|z = append(z, Slerp(from[i], to[i], t)...)|z = append(z, Lerp(from[i], to[i], t)...)|./ganlib/explore|^TestInterpolation\$"
	"latent-noise-linear|ganlib/explore/project.go|noise = o.LatentNoise * math.Pow(max(0, 1-t/o.NoiseRamp), 2)|noise = o.LatentNoise * max(0, 1-t/o.NoiseRamp)|./ganlib/explore|^TestScheduleClosedForms\$"
	"noise-reg-dropped|ganlib/explore/project.go|MulScalar(reg, o.NoiseWeight))|MulScalar(reg, 0*o.NoiseWeight))|./ganlib/explore|^TestProjectionRecoversAGeneratedImage\$"
	"noise-maps-not-renormalized|ganlib/explore/project.go|v.SetValueGraph(Mul(n, Rsqrt(ReduceAllMean(Square(n)))))|_ = n|./ganlib/explore|^TestProjectionRecoversAGeneratedImage\$"
	"noise-pyramid-depth|ganlib/losses/noise.go|if n.Shape().Dimensions[1] <= 8 {|if n.Shape().Dimensions[1] <= 16 {|./ganlib/losses|^TestNoiseAutocorrelationByHand\$"
	"descend-rate-ignored|ganlib/train/optimizer.go|ConvertDType(step, v.DType()), ConvertDType(rate, v.DType()))|ConvertDType(step, v.DType()), Scalar(g, v.DType(), o.LearningRate))|./ganlib/train|^TestDescendAtAFedRate\$"
	"feature-weights-not-copied|ganlib/metrics/features.go|runs.RestoreVariables(ctx, saved)|runs.RestoreVariables(ctx, saved[:0])|./ganlib/metrics|^TestClassifierFeatureFn\$"
	"metrics-truncation-ignored|ganlib/metrics/quality.go|z = gan.TruncateZ(z, threshold, rand.New|z = gan.TruncateZ(z, 0*threshold, rand.New|./ganlib/metrics|^TestGeneratedStatsTruncates\$"
	"launch-classes-kept|ganlib/launch/launch.go|		if err := refit(gan.ParamClasses, data.NumClasses()); err != nil {|		if err := refit(gan.ParamClasses, model.NumClasses); err != nil {|./ganlib/study|^TestLoopFitsAClassConditionalModelToItsData\$"
)

only=("$@")
selected() {
	[ ${#only[@]} -eq 0 ] && return 0
	local n
	for n in "${only[@]}"; do [ "$n" = "$1" ] && return 0; done
	return 1
}

scratch="$(mktemp -d)"
trap 'rm -rf "${scratch}"' EXIT
survivors=()
broken=()
for entry in "${mutations[@]}"; do
	IFS='|' read -r name file text replacement package tests <<<"${entry}"
	selected "${name}" || continue
	copy="${scratch}/${name}"
	mkdir -p "${copy}"
	# The working tree as it is (tracked and new files, not ignored ones), so uncommitted tests count.
	git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "${copy}" 2>/dev/null || true
	python3 - "${copy}/${file}" "${text}" "${replacement}" "${name}" <<'EOF'
import sys
path, text, replacement, name = sys.argv[1:]
source = open(path).read()
count = source.count(text)
if count != 1:
    sys.exit(f"check-mutations: {name}: {path} holds {count} copies of {text!r}, want exactly 1: update the mutation")
open(path, "w").write(source.replace(text, replacement))
EOF
	log="${scratch}/${name}.log"
	if (cd "${copy}" && go test -count=1 -run "${tests}" "${package}" >"${log}" 2>&1); then
		echo "check-mutations: ${name}: SURVIVED (${package} -run '${tests}' passed with ${file}: ${text} -> ${replacement})"
		survivors+=("${name}")
	else
		caught="$(grep -E -- '^\s*--- FAIL' "${log}" | sed 's/^ *--- FAIL: //; s/ (.*//' | paste -sd, - || true)"
		if [ -n "${caught}" ]; then
			echo "check-mutations: ${name}: caught by ${caught}"
		else
			# No test failed: the mutated tree did not build, which says nothing of the tests.
			echo "check-mutations: ${name}: no test failed, the build did (fix the mutation):"
			tail -20 "${log}"
			broken+=("${name}")
		fi
	fi
done
if [ ${#survivors[@]} -gt 0 ] || [ ${#broken[@]} -gt 0 ]; then
	echo "check-mutations: survived: ${survivors[*]:-none}; did not build: ${broken[*]:-none}" >&2
	exit 1
fi
echo "check-mutations: every mutation was caught"
