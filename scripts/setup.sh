#!/usr/bin/env bash
# Installs what pbx's tests need on a fresh Debian machine: SIPp (package
# sip-tester) for end-to-end and load tests, sox for audio checks, and the
# baresip softphone for interop tests (package baresip-core: the binary and
# its modules, without the GUI and video packages that "baresip" pulls in).
# Safe to run again: it installs only what is missing.
set -euo pipefail
need=()
command -v sipp >/dev/null 2>&1 || need+=(sip-tester)
command -v sox >/dev/null 2>&1 || need+=(sox)
command -v baresip >/dev/null 2>&1 || need+=(baresip-core)
if [ ${#need[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	echo "== installing ${need[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
