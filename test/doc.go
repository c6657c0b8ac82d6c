// Package test holds the end-to-end tests: the real pbx binary, built once
// per run, started on a test configuration with ephemeral ports, driven by
// real SIP user agents on loopback — the project's own test phone
// (internal/testphone), SIPp and the baresip softphone (interop: digest
// registration, calls both ways, echo, RFC 4733 digits) — with media
// proven by detecting tones at the far end.
package test
