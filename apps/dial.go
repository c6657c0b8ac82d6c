package apps

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/dialplan"
)

// dialEvent is something a dialled channel did before it was answered.
type dialEvent struct {
	leg   *dialLeg
	ctl   frame.ControlType // Ringing, Progress, Answer, Busy, Congestion, or Hangup
	cause channel.Cause
}

type dialLeg struct {
	ch     *channel.Channel
	done   chan struct{} // closed when the leg's reader goroutine ended
	status string        // final DIALSTATUS contribution
}

// appDial implements Dial(Tech/res[&Tech2/res2…][,timeout[,options]]).
// Options: r (indicate ringing at once), g (continue the dialplan when the
// callee hangs up), m (ringing instead of music on hold: same as r here).
func appDial(ctx context.Context, s *Session, args string) error {
	p := dialplan.SplitArgs(args)
	if len(p) == 0 || strings.TrimSpace(p[0]) == "" {
		s.SetVar("DIALSTATUS", "INVALIDARGS")
		return nil
	}
	timeout := time.Duration(0)
	if len(p) > 1 {
		timeout = seconds(p[1], 0)
	}
	opts := ""
	if len(p) > 2 {
		opts = p[2]
	}
	start := time.Now()
	caller := s.ch
	setTimes := func(answered time.Time) {
		s.SetVar("DIALEDTIME", strconv.Itoa(int(time.Since(start).Seconds())))
		s.SetVar("DIALEDTIME_MS", strconv.Itoa(int(time.Since(start).Milliseconds())))
		if !answered.IsZero() {
			s.SetVar("ANSWEREDTIME", strconv.Itoa(int(time.Since(answered).Seconds())))
			s.SetVar("ANSWEREDTIME_MS", strconv.Itoa(int(time.Since(answered).Milliseconds())))
		} else {
			s.SetVar("ANSWEREDTIME", "")
		}
	}

	events := make(chan dialEvent, 16)
	stop := make(chan struct{}) // closed when Dial no longer listens
	var legs []*dialLeg
	var wg sync.WaitGroup
	want := caller.Topology().Mirror()
	inherit := inheritable(caller)
	num, name := caller.CallerID()
	failed := "CHANUNAVAIL"
	for _, dest := range strings.Split(p[0], "&") {
		dest = strings.TrimSpace(dest)
		if dest == "" {
			continue
		}
		ch, err := s.r.reg.Request(ctx, dest, want)
		if err != nil {
			s.log.Info("dial: destination unavailable", "dest", dest, "error", err)
			failed = statusOf(channel.CauseOf(err), failed)
			continue
		}
		for k, v := range inherit {
			ch.SetVar(k, v)
		}
		ch.SetCallerID(num, name)
		if err := ch.Call(ctx); err != nil {
			s.log.Info("dial: call failed", "dest", dest, "error", err)
			ch.Hangup(channel.CauseOf(err))
			failed = statusOf(channel.CauseOf(err), failed)
			continue
		}
		leg := &dialLeg{ch: ch, done: make(chan struct{})}
		legs = append(legs, leg)
		wg.Go(func() { watchLeg(leg, caller, events, stop) })
	}
	if len(legs) == 0 {
		s.SetVar("DIALSTATUS", failed)
		setTimes(time.Time{})
		return nil
	}
	hangupAll := func(cause channel.Cause, except *dialLeg) {
		for _, l := range legs {
			if l != except {
				l.ch.Hangup(cause)
			}
		}
	}
	defer wg.Wait()
	defer close(stop)

	if strings.ContainsAny(opts, "rm") {
		caller.Indicate(frame.Ringing)
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = start.Add(timeout)
	}
	ringing := strings.ContainsAny(opts, "rm")
	pending := len(legs)
	var winner *dialLeg
	for winner == nil && pending > 0 {
		// Drain leg events first; the leg goroutines wake us with a null
		// frame queued on the caller.
		select {
		case ev := <-events:
			switch ev.ctl {
			case frame.Ringing:
				if !ringing {
					ringing = true
					caller.Indicate(frame.Ringing)
				}
			case frame.Progress:
				caller.Indicate(frame.Progress)
			case frame.Answer:
				winner = ev.leg
			case frame.Busy:
				ev.leg.status = "BUSY"
				ev.leg.ch.Hangup(channel.CauseUserBusy)
			case frame.Congestion:
				ev.leg.status = "CONGESTION"
				ev.leg.ch.Hangup(channel.CauseNormalCircuitCongestion)
			case frame.Hangup:
				if ev.leg.status == "" {
					ev.leg.status = statusOf(ev.cause, "CHANUNAVAIL")
				}
				pending--
			}
			continue
		default:
		}
		caller.SetReadDeadline(deadline)
		f, err := caller.Read()
		caller.SetReadDeadline(time.Time{})
		if errors.Is(err, channel.ErrDeadline) {
			hangupAll(channel.CauseNoAnswer, nil)
			s.SetVar("DIALSTATUS", "NOANSWER")
			setTimes(time.Time{})
			return nil
		}
		if err != nil {
			hangupAll(channel.CauseNormalClearing, nil)
			s.SetVar("DIALSTATUS", "CANCEL")
			setTimes(time.Time{})
			return io.EOF
		}
		f.Release()
	}
	if winner == nil {
		s.SetVar("DIALSTATUS", legStatus(legs))
		setTimes(time.Time{})
		return nil
	}
	hangupAll(channel.CauseAnsweredElsewhere, winner)
	<-winner.done
	if err := caller.Answer(ctx); err != nil {
		winner.ch.Hangup(channel.CauseNormalClearing)
		return err
	}
	answered := time.Now()
	s.SetVar("DIALSTATUS", "ANSWER")
	s.SetVar("DIALEDPEERNAME", winner.ch.Name())
	var berr error
	if s.r.Bridger == nil {
		berr = errors.New("no bridge service")
	} else {
		berr = s.r.Bridger.Bridge(ctx, caller, winner.ch)
	}
	setTimes(answered)
	if berr != nil {
		s.log.Warn("dial: bridge failed", "error", berr)
	}
	calleeGone := winner.ch.HangupCause() != 0
	winner.ch.Hangup(channel.CauseNormalClearing)
	if caller.HangupCause() != 0 {
		return io.EOF
	}
	if calleeGone && strings.Contains(opts, "g") {
		return nil
	}
	caller.Hangup(channel.CauseNormalClearing)
	return ErrStop
}

// watchLeg reads a dialled channel until it answers or ends, reporting
// events to the Dial loop and waking the caller's read with a null frame.
// After an Answer it stops reading: the bridge takes the channel over.
func watchLeg(l *dialLeg, caller *channel.Channel, events chan<- dialEvent, stop <-chan struct{}) {
	defer close(l.done)
	send := func(ev dialEvent) {
		select {
		case events <- ev:
			caller.Queue(frame.NewNull())
		case <-stop:
		}
	}
	for {
		f, err := l.ch.Read()
		if err != nil {
			send(dialEvent{leg: l, ctl: frame.Hangup, cause: l.ch.HangupCause()})
			return
		}
		if f.Kind == frame.Control {
			switch f.Control {
			case frame.Ringing, frame.Progress, frame.Busy, frame.Congestion:
				send(dialEvent{leg: l, ctl: f.Control})
			case frame.Answer:
				f.Release()
				send(dialEvent{leg: l, ctl: frame.Answer})
				return
			}
		}
		f.Release()
	}
}

// statusOf maps a hangup cause to a DIALSTATUS value.
func statusOf(c channel.Cause, def string) string {
	switch c {
	case channel.CauseUserBusy:
		return "BUSY"
	case channel.CauseNoAnswer, channel.CauseNoUserResponse:
		return "NOANSWER"
	case channel.CauseNormalCircuitCongestion, channel.CauseSwitchCongestion:
		return "CONGESTION"
	case channel.CauseSubscriberAbsent, channel.CauseChannelNotAvailable, channel.CauseUnallocated,
		channel.CauseNoRouteDestination, channel.CauseDestinationOutOfOrder:
		return "CHANUNAVAIL"
	case channel.CauseNormalClearing, channel.CauseCallRejected:
		return "NOANSWER"
	}
	return def
}

// legStatus picks the DIALSTATUS when no leg answered: BUSY beats
// CONGESTION beats NOANSWER beats CHANUNAVAIL.
func legStatus(legs []*dialLeg) string {
	rank := map[string]int{"BUSY": 4, "CONGESTION": 3, "NOANSWER": 2, "CHANUNAVAIL": 1}
	best := "CHANUNAVAIL"
	for _, l := range legs {
		if rank[l.status] > rank[best] {
			best = l.status
		}
	}
	return best
}
