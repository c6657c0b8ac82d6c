// Package apps runs the dialplan on channels: the [Runner] walks an
// extension's priorities (Asterisk's pbx_run loop) and calls the dialplan
// applications (Answer, Echo, StreamEcho, Dial, Read, Goto …) registered on
// it.
//
// One Runner serves every call; it is a channel.Handler. Each call runs on
// the goroutine the driver gave it (the channel's consumer goroutine), in
// a [Session] holding the current context, extension and priority. The plan
// is swapped atomically on reload, so live calls finish on the plan they
// started with only for the priority being executed and continue on the
// new one. Applications report a hangup by returning an error wrapping
// io.EOF or channel.ErrHangup; any other error ends the call with a
// failure cause after being logged once.
//
// Applications registered with [TerminatesMedia] consume the caller's
// audio (Echo, StreamEcho, Read, Playback, Background, fileplay's Record):
// before running one, the runner turns the jitter buffer of the channel's
// driver on (a SetJitterBuffer capability found through Tech wrappers).
// Dial and ConfBridge leave it to the bridge: off in a two-party bridge,
// which relays audio with the sender's timing, on in a mixing one
// (DESIGN.md §10).
package apps
