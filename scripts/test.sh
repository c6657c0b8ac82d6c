#!/usr/bin/env bash
# Runs every test of pbx: formatting, vet, a cgo-free build, the race-enabled
# unit and end-to-end suites (which start real SIP user agents on loopback),
# and the invariants build. Installs the Debian packages the tests need
# first (SIPp, sox, baresip), so a fresh machine needs nothing else but Go.
set -euo pipefail
cd "$(dirname "$0")/.."

"$(dirname "$0")/setup.sh"

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== cgo-free build"
CGO_ENABLED=0 go build ./...

echo "== go test -race (unit, end-to-end, fuzz seeds)"
go test -race -timeout 15m ./...

echo "== go test -run Alloc (zero-allocation guards, which -race skips)"
go test -run 'Alloc' -timeout 5m ./...

echo "== go test -tags invariants (frame ownership checks)"
go test -tags invariants -timeout 10m ./core/...
