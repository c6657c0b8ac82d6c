package testphone

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// sipgo logs some transport events (such as "TCP ref went negative"
	// while closing) through its package default logger, not the one given
	// to the UA.
	sip.SetDefaultLogger(testLogger())
	goleak.VerifyTestMain(m)
}

// testLogger discards logs unless TESTPHONE_LOG is set (sipgo goroutines
// may log after a test returned, so t.Log cannot be used).
func testLogger() *slog.Logger {
	if os.Getenv("TESTPHONE_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// testContext returns a context that ends with the test or after d.
func testContext(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// newPhone starts a phone closed at the end of the test.
func newPhone(t *testing.T, cfg Config) *Phone {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testLogger()
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return p
}

// connect calls b from a directly (no PBX) and answers; it returns both
// ends of the call.
func connect(t *testing.T, ctx context.Context, a, b *Phone, opts DialOptions, answer ...StreamSpec) (*Call, *Call) {
	t.Helper()
	ac, err := a.Invite(ctx, b.URI(), opts)
	if err != nil {
		t.Fatalf("Invite: %v", err)
	}
	bc, err := b.WaitIncoming(ctx)
	if err != nil {
		t.Fatalf("WaitIncoming: %v", err)
	}
	if err := bc.Answer(ctx, answer...); err != nil {
		t.Fatalf("Answer: %v", err)
	}
	if err := ac.WaitAnswer(ctx); err != nil {
		t.Fatalf("WaitAnswer: %v", err)
	}
	return ac, bc
}

// waitDone waits for c to end and returns its end reason.
func waitDone(t *testing.T, ctx context.Context, c *Call) error {
	t.Helper()
	select {
	case <-c.Done():
		return c.Err()
	case <-ctx.Done():
		t.Fatalf("call %s did not end: %v", c.CallID(), ctx.Err())
		return nil
	}
}
