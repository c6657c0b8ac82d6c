package testphone_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/pbx-dev/pbx/internal/testphone"
)

// Two phones call each other directly, exchange a tone and a digit, and
// hang up.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	alice, err := testphone.New(testphone.Config{User: "alice", Logger: quiet})
	if err != nil {
		panic(err)
	}
	defer alice.Close()
	bob, err := testphone.New(testphone.Config{User: "bob", Logger: quiet})
	if err != nil {
		panic(err)
	}
	defer bob.Close()

	answered := make(chan *testphone.Call, 1)
	go func() {
		in, err := bob.WaitIncoming(ctx)
		if err == nil && in.Answer(ctx) == nil {
			answered <- in
		}
		close(answered)
	}()
	call, err := alice.Dial(ctx, bob.URI(), testphone.DialOptions{})
	if err != nil {
		panic(err)
	}
	in := <-answered
	out := call.Streams()[0]
	fmt.Println("codec:", out.Codec(), out.Direction())

	if err := out.SendTone(ctx, 440, 300*time.Millisecond); err != nil {
		panic(err)
	}
	fmt.Println("bob hears 440 Hz:", in.Streams()[0].WaitTone(ctx, 440, 200*time.Millisecond) == nil)

	if err := out.SendDTMF(ctx, '5', 100*time.Millisecond); err != nil {
		panic(err)
	}
	fmt.Println("bob gets digit 5:", in.Streams()[0].WaitDigits(ctx, "5") == nil)

	_ = call.Hangup(ctx)
	<-in.Done()
	fmt.Println("bob's call ended:", in.Err())
	// Output:
	// codec: PCMU sendrecv
	// bob hears 440 Hz: true
	// bob gets digit 5: true
	// bob's call ended: testphone: far end hung up
}
