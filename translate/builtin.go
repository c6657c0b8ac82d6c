package translate

import "github.com/pbx-dev/pbx/core/format"

// builtinSteps returns the steps [NewRegistry] registers. Table costs come
// from [DefaultCost]. Computational costs are fixed, in microseconds of CPU
// per second of output audio: this package's benchmarks (ns per 20 ms
// frame × 50 / 1000; fastest of several runs on the project's 2-core
// amd64 machine, Go 1.26). Fixed values keep the route table
// deterministic; they only break ties, so re-measuring is needed only when
// a step gets much faster or slower. The Opus figure is for a 20 ms CELT
// packet.
func builtinSteps() []Step {
	var (
		ulaw, alaw            = format.ULaw, format.ALaw
		slin8, slin16, slin48 = format.SLin8, format.SLin16, format.SLin48
		g722f, opusf          = format.G722, format.Opus
		up2, up3, up6         = newFIRKernel(2, 1), newFIRKernel(3, 1), newFIRKernel(6, 1)
		down2, down3, down6   = newFIRKernel(1, 2), newFIRKernel(1, 3), newFIRKernel(1, 6)
		upStep                = func(src, dst format.Format, k *firKernel, comp int) Step {
			return Step{Src: src, Dst: dst, CompCost: comp, New: func() Translator { return newUpsampler(k, src, dst) }}
		}
		downStep = func(src, dst format.Format, k *firKernel, comp int) Step {
			return Step{Src: src, Dst: dst, CompCost: comp, New: func() Translator { return newDownsampler(k, src, dst) }}
		}
	)
	return []Step{
		{Src: ulaw, Dst: slin8, CompCost: 8, New: func() Translator { return &ulawDecoder{dst: slin8} }},
		{Src: slin8, Dst: ulaw, CompCost: 26, New: func() Translator { return &ulawEncoder{dst: ulaw} }},
		{Src: alaw, Dst: slin8, CompCost: 9, New: func() Translator { return &alawDecoder{dst: slin8} }},
		{Src: slin8, Dst: alaw, CompCost: 17, New: func() Translator { return &alawEncoder{dst: alaw} }},
		{Src: ulaw, Dst: alaw, CompCost: 5, New: func() Translator { return &ulawToALaw{dst: alaw} }},
		{Src: alaw, Dst: ulaw, CompCost: 5, New: func() Translator { return &alawToULaw{dst: ulaw} }},
		upStep(slin8, slin16, up2, 252),
		upStep(slin8, slin48, up6, 699),
		upStep(slin16, slin48, up3, 738),
		downStep(slin16, slin8, down2, 241),
		downStep(slin48, slin8, down6, 727),
		downStep(slin48, slin16, down3, 648),
		{Src: g722f, Dst: slin16, CompCost: 760, New: func() Translator { return newG722Decoder(g722f, slin16) }},
		{Src: slin16, Dst: g722f, CompCost: 883, New: func() Translator { return newG722Encoder(slin16, g722f) }},
		{Src: opusf, Dst: slin48, CompCost: 1722, New: func() Translator { return newOpusDecoder(slin48) }},
	}
}
