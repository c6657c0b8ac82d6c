package format_test

import (
	"fmt"

	"github.com/pbx-dev/pbx/core/format"
)

func ExampleCaps_Intersect() {
	ours := format.NewCaps(format.Opus, format.ULaw, format.ALaw)
	theirs := format.NewCaps(format.ALaw, format.ULaw, format.H264)
	fmt.Println(ours.Intersect(theirs))
	fmt.Println(ours.Intersect(format.NewCaps(format.VP8)))
	// Output:
	// ulaw|alaw
	// (nothing)
}

func ExampleParseCaps() {
	c, err := format.ParseCaps("ULAW, slin8 | ulaw")
	fmt.Println(c, err)
	_, err = format.ParseCaps("ulaw|pcmu")
	fmt.Println(err)
	// Output:
	// ulaw|slin <nil>
	// format: unknown format "pcmu"
}
