// Package config reads the PBX's system configuration: one file in the INI
// style Asterisk admins know from pjsip.conf and asterisk.conf
// ("[section]", "key = value", ";" comments), with the SIP transports, the
// endpoints (phones) and their passwords, the RTP port range, jitter
// buffer settings, file paths, the control endpoint and logging.
//
// Why INI and not TOML or YAML: the people this PBX is for already edit
// Asterisk's .conf files, a line-based format gives every error an exact
// file:line, and the grammar is small enough to parse and fuzz ourselves.
//
// [Default] returns the embedded default configuration, which listens on
// 127.0.0.1 only and defines demo phones 1001–1003. Every problem — an
// unknown key, a value of the wrong type, a duplicate endpoint, a port
// range out of bounds — is reported as "file:line: what is wrong", all of
// them at once, and [Parse] returns no configuration when there is any.
// [Load] also loads the TLS certificate and key the [sip] section names
// (for tls and wss) and reports a bad pair at the tls_cert line.
package config
