package translate_test

import (
	"errors"
	"fmt"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/translate"
)

func ExampleRegistry_BuildPath() {
	reg := translate.NewRegistry()
	p, err := reg.BuildPath(format.ALaw, format.G722)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p)

	// 20 ms of A-law silence, read from the network.
	in := frame.Get(160)
	in.Kind, in.Format, in.Timestamp = frame.Voice, format.ALaw, 1600
	for i := range in.Payload {
		in.Payload[i] = 0xd5
	}
	out, err := p.Translate(in) // borrows in
	in.Release()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer out.Release() // the caller owns the output
	fmt.Println(out.Format, len(out.Payload), "bytes,", out.Samples, "samples, timestamp", out.Timestamp)
	// Output:
	// alaw -> slin -> slin16 -> g722
	// g722 160 bytes, 320 samples, timestamp 1600
}

func ExampleRegistry_Build_errors() {
	reg := translate.NewRegistry()
	_, err := reg.Build(format.H264, format.VP8)
	fmt.Println(errors.Is(err, translate.ErrVideo), errors.Is(err, translate.ErrNoTranslationPath))
	_, err = reg.Build(format.ULaw, format.ULaw)
	fmt.Println(errors.Is(err, translate.ErrSameFormat))
	fmt.Println(err)
	_, err = reg.Build(format.ULaw, format.Opus)
	fmt.Println(err)
	// Output:
	// true true
	// true
	// translate: build ulaw -> ulaw: translate: source and destination formats are the same
	// translate: build ulaw -> opus: translate: no translation path
}

// The channel core takes the registry as its path builder.
func ExampleRegistry_Build() {
	var paths channel.PathBuilder = translate.NewRegistry()
	tr, err := paths.Build(format.Opus, format.ULaw)
	if err != nil {
		fmt.Println(err)
		return
	}
	p := tr.(*translate.Path)
	fmt.Println(p.Src(), "->", p.Dst(), "via", p.Route())
	// Output:
	// opus -> ulaw via opus -> slin48 -> slin -> ulaw
}

func ExampleRegistry_BestChoice() {
	reg := translate.NewRegistry()
	phone := format.NewCaps(format.G722, format.ULaw)
	trunk := format.NewCaps(format.ALaw)
	a, b, err := reg.BestChoice(phone, trunk)
	fmt.Println(a, b, err)
	// Output:
	// ulaw alaw <nil>
}
