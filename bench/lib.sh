# Shared helpers for the load scripts: build pbx, start it on a bench
# configuration, and report its CPU and RSS.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
out="$here/results/$(date +%Y%m%d-%H%M%S)-$(basename "$0" .sh)"
mkdir -p "$out"
command -v sipp >/dev/null || "$root/scripts/setup.sh"

start_pbx() { # $1: extra dialplan
	go build -o "$out/pbx" "$root/cmd/pbx"
	cat > "$out/extensions.conf" <<EOC
[bench]
exten => answer,1,Answer()
 same => n,Wait(120)
exten => echo,1,Answer()
 same => n,Echo()
$1
EOC
	cat > "$out/pbx.conf" <<EOC
[general]
log_level = warn
dialplan = extensions.conf
control =
pprof = 127.0.0.1:${PPROF_PORT:-6061}
[sip]
udp = 127.0.0.1:5070
tcp =
media_ip = 127.0.0.1
rtp_start = 20000
rtp_end = 40000
guest_context = bench
rtp_timeout = 0
[bench]
type = endpoint
password = benchpass
context = bench
max_contacts = 100
EOC
	"$out/pbx" run --config "$out/pbx.conf" 2> "$out/pbx.log" &
	pbx_pid=$!
	for _ in $(seq 100); do
		grep -q "sip listening" "$out/pbx.log" 2>/dev/null && break
		if ! kill -0 $pbx_pid 2>/dev/null; then cat "$out/pbx.log"; exit 1; fi
		sleep 0.1
	done
	trap 'kill -INT $pbx_pid 2>/dev/null; wait $pbx_pid 2>/dev/null || true' EXIT
}

rss_kib() { awk '/VmRSS/ {print $2}' /proc/$pbx_pid/status; }
cpu_ticks() { awk '{print $14 + $15}' /proc/$pbx_pid/stat; }

report_pbx() { # $1: ticks before, $2: seconds
	local ticks=$(( $(cpu_ticks) - $1 ))
	local hz=$(getconf CLK_TCK)
	echo "pbx cpu: $(awk -v t=$ticks -v hz=$hz -v s=$2 'BEGIN{printf "%.1f%% of one core (%.1f s over %d s)", 100*t/hz/s, t/hz, s}')"
	echo "pbx rss: $(rss_kib) KiB"
}
