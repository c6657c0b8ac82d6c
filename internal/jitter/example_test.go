package jitter_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/pbx-dev/pbx/internal/jitter"
)

// A stream of 20 ms µ-law packets where packet 3 is lost: the buffer
// conceals it and reports the loss.
func ExampleBuffer() {
	jb, err := jitter.New(jitter.Config{Concealer: jitter.NewG711PLC(jitter.Ulaw)})
	if err != nil {
		panic(err)
	}
	start := time.Unix(0, 0)
	payload := make([]byte, 160)
	var statuses []string
	for k := range 8 {
		now := start.Add(time.Duration(k) * 20 * time.Millisecond)
		if k != 3 {
			jb.Push(uint16(k), uint32(k*160), now, payload, k == 0)
		}
		_, status := jb.Pop(now.Add(5 * time.Millisecond))
		statuses = append(statuses, status.String())
	}
	st := jb.Stats()
	fmt.Println(strings.Join(statuses, " "))
	fmt.Printf("lost %d concealed %d\n", st.Lost, st.Concealed)
	// Output:
	// not-yet not-yet normal normal normal concealed normal normal
	// lost 1 concealed 1
}
