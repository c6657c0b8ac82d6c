#!/usr/bin/env bash
# Concurrent echo calls with G.711 RTP at 20 ms: CALLS calls set up at
# 50/s, each playing A-law audio for about SECONDS while the PBX echoes it.
# Reports failed calls, the PBX's CPU, and RSS per active call
# ((RSS at full load - RSS idle) / CALLS).
source "$(dirname "$0")/lib.sh"
calls=${1:-500}
secs=${2:-60}
loops=$(( (secs + 7) / 8 ))
start_pbx ""
idle=$(rss_kib)
go run "$root/bench/mkpcap" -seconds 8 -o "$out/alaw20.pcap"
sed -e "s/LOOPS/$loops/" -e "s|PCAP|$out/alaw20.pcap|" "$here/sipp/echo_pcap.xml" > "$out/echo.xml"
cd "$out"
sipp 127.0.0.1:5070 -i 127.0.0.1 -p 5071 -mi 127.0.0.1 -mp 42000 -sf echo.xml -r 50 -m "$calls" -l "$calls" \
	-nostdin -timeout $((secs + 120))s -timeout_error -trace_stat -stf "$out/stat.csv" -fd 1 \
	> "$out/sipp.log" 2>&1 &
sipp_pid=$!
# Sample the PBX at full load: all calls up, and (for runs of 60 s) the
# set-up transactions over (sipgo keeps an answered INVITE's server
# transaction for 64*T1 = 32 s, RFC 6026), so RSS is what held calls
# cost.
settle=$(( secs >= 50 ? 35 : 10 ))
sleep $(( calls / 50 + settle ))
t0=$(cpu_ticks)
udp0=$(udp_counters)
busy=$(rss_kib)
curl -s "http://127.0.0.1:${PPROF_PORT:-6061}/debug/pprof/heap?gc=1" -o "$out/heap.pprof" || true
curl -s "http://127.0.0.1:${PPROF_PORT:-6061}/debug/pprof/goroutine?debug=1" -o "$out/goroutines.txt" || true
curl -s "http://127.0.0.1:${PPROF_PORT:-6061}/debug/pprof/heap?debug=1" | grep -E "^# (HeapInuse|HeapIdle|HeapReleased|Stack|Sys|NextGC|NumGC|HeapAlloc) " > "$out/memstats.txt" || true
sleep 10
echo "pbx at $calls concurrent calls: $(report_pbx "$t0" 10 | head -1)"
echo "kernel UDP over those 10 s (all sockets, PBX and SIPp): $(udp_loss "$udp0" "$(udp_counters)")"
echo "datagrams dropped on the PBX's full RTP socket buffers since the calls started: $(pbx_socket_drops)"
pbx_cli show rtp > "$out/rtp-live.txt" 2>&1 || true
if [ -n "${CPU_PROFILE:-}" ]; then # a 10 s CPU profile after the measurement window
	curl -s "http://127.0.0.1:${PPROF_PORT:-6061}/debug/pprof/profile?seconds=10" -o "$out/cpu.pprof" || true
fi
wait $sipp_pid || echo "sipp exit $? (failed calls)"
echo "RTP over all calls, as the PBX counted it (lost = sequence gaps in what it received):"
pbx_cli show rtp 2>&1 | sed 's/^/  /' || true
echo "idle rss $idle KiB, rss at $calls calls $busy KiB, per call $(( (busy - idle) / calls )) KiB"
awk -F';' 'NR==1 {for (i=1;i<=NF;i++) col[$i]=i} END {print "sipp: created " $col["TotalCallCreated"] ", successful " $col["SuccessfulCall(C)"] ", failed " $col["FailedCall(C)"] ", elapsed " $col["ElapsedTime(C)"]}' "$out/stat.csv"
grep -h "rtp" "$out/pbx.log" | tail -3 || true
echo "results in $out"
