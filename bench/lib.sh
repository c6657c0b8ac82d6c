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
control = 127.0.0.1:${CONTROL_PORT:-5049}
control_token_file = $out/control.token
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

# udp_counters prints the kernel's UDP InDatagrams, RcvbufErrors and
# InErrors (all sockets of the machine: datagrams dropped on a full
# receive buffer are the loss a loopback load run can have).
udp_counters() {
	awk '/^Udp:/ && !h {for (i=2;i<=NF;i++) col[$i]=i; h=1; next} /^Udp:/ {print $col["InDatagrams"], $col["RcvbufErrors"], $col["InErrors"]}' /proc/net/snmp
}

udp_loss() { # $1, $2: udp_counters before and after
	echo "$1 $2" | awk '{d=$4-$1; e=$5-$2; printf "%d datagrams received, %d dropped on full buffers (%.4f%%), %d errors", d, e, (d+e) ? 100*e/(d+e) : 0, $6-$3}'
}

# pbx_socket_drops prints the datagrams dropped on full receive buffers
# of the PBX's RTP/RTCP sockets (local ports 20000-40000, see start_pbx),
# summed over the sockets open now (/proc/net/udp "drops").
pbx_socket_drops() {
	awk 'function hex(s,  i, n) {n = 0; for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789ABCDEF", substr(s, i, 1)) - 1; return n}
		FNR > 1 {split($2, a, ":"); p = hex(a[2]); if (p >= 20000 && p <= 40000) d += $NF} END {print d + 0}' /proc/net/udp /proc/net/udp6
}

# pbx_cli runs a pbx command against the bench PBX.
pbx_cli() { "$out/pbx" --config "$out/pbx.conf" "$@"; }
