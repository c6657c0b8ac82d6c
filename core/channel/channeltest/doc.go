// Package channeltest provides an in-memory [Mock] driver half for tests
// and the conformance suite [Run] that every channel driver must pass.
package channeltest
