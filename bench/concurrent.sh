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
sed "s/LOOPS/$loops/" "$here/sipp/echo_pcap.xml" > "$out/echo.xml"
cd "$out"
sipp 127.0.0.1:5070 -i 127.0.0.1 -p 5071 -mi 127.0.0.1 -mp 42000 -sf echo.xml -r 50 -m "$calls" -l "$calls" \
	-nostdin -timeout $((secs + 120))s -timeout_error -trace_stat -stf "$out/stat.csv" -fd 1 \
	> "$out/sipp.log" 2>&1 &
sipp_pid=$!
# Sample the PBX at full load: after all calls are up.
sleep $(( calls / 50 + 10 ))
t0=$(cpu_ticks)
busy=$(rss_kib)
curl -s "http://127.0.0.1:${PPROF_PORT:-6061}/debug/pprof/heap" -o "$out/heap.pprof" || true
curl -s "http://127.0.0.1:${PPROF_PORT:-6061}/debug/pprof/goroutine?debug=1" -o "$out/goroutines.txt" || true
curl -s "http://127.0.0.1:${PPROF_PORT:-6061}/debug/pprof/heap?debug=1" | grep -E "^# (HeapInuse|HeapIdle|HeapReleased|Stack|Sys|NextGC|NumGC|HeapAlloc) " > "$out/memstats.txt" || true
sleep 10
echo "pbx at $calls concurrent calls: $(report_pbx "$t0" 10 | head -1)"
wait $sipp_pid || echo "sipp exit $? (failed calls)"
echo "idle rss $idle KiB, rss at $calls calls $busy KiB, per call $(( (busy - idle) / calls )) KiB"
awk -F';' 'NR==1 {for (i=1;i<=NF;i++) col[$i]=i} END {print "sipp: created " $col["TotalCallCreated"] ", successful " $col["SuccessfulCall(C)"] ", failed " $col["FailedCall(C)"] ", elapsed " $col["ElapsedTime(C)"]}' "$out/stat.csv"
grep -h "rtp" "$out/pbx.log" | tail -3 || true
echo "results in $out"
