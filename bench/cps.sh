#!/usr/bin/env bash
# Call setups per second: SIPp's UAC (INVITE, 100, 200, ACK, BYE) into an
# extension that answers, at RATE calls/s for SECONDS.
source "$(dirname "$0")/lib.sh"
rate=${1:-300}
secs=${2:-60}
start_pbx ""
t0=$(cpu_ticks)
idle=$(rss_kib)
cd "$out"
sipp 127.0.0.1:5070 -i 127.0.0.1 -p 5071 -sn uac -s answer -r "$rate" -m $((rate * secs)) \
	-l $((rate * 4)) -d 10 -nostdin -timeout $((secs + 60))s -timeout_error \
	-trace_stat -stf "$out/stat.csv" -fd 1 -trace_rtt -rtt_freq 1 \
	> "$out/sipp.log" 2>&1 || echo "sipp exit $? (failed calls)"
(cd "$out" 2>/dev/null; mv -f "$root"/bench/uac_*_rtt.csv "$out/rtt.csv" 2>/dev/null || mv -f ./uac_*_rtt.csv "$out/rtt.csv" 2>/dev/null || true)
echo "rate $rate cps for $secs s; idle rss $idle KiB"
grep -E "Successful call|Failed call|Total Call created" "$out/sipp.log" | tail -3 || true
if [ -s "$out/stat.csv" ]; then
	awk -F';' 'NR==1 {for (i=1;i<=NF;i++) col[$i]=i} END {print "sipp: created " $col["TotalCallCreated"] ", successful " $col["SuccessfulCall(C)"] ", failed " $col["FailedCall(C)"] ", elapsed " $col["ElapsedTime(C)"]}' "$out/stat.csv"
fi
if [ -s "$out/rtt.csv" ]; then
	# rtt lines: date_ms;response_time_ms;rtd_no (SIPp has 1 ms resolution): INVITE->200.
	awk -F';' 'NR>1 {print $2}' "$out/rtt.csv" | sort -n | awk '{a[NR]=$1} END {if (NR) printf "INVITE->200: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d samples)\n", a[int(NR*0.5)+1], a[int(NR*0.99)+1], a[NR], NR}'
fi
report_pbx "$t0" "$secs"
echo "results in $out"
# What the PBX holds once the calls are over and sipgo's transactions
# have expired (64*T1 = 32 s): goroutines, live channels, RSS and the heap
# after a collection.
sleep 35
curl -s "http://127.0.0.1:${PPROF_PORT:-6061}/debug/pprof/heap?gc=1" -o "$out/heap.pprof" || true
curl -s "http://127.0.0.1:${PPROF_PORT:-6061}/debug/pprof/goroutine?debug=1" -o "$out/goroutines.txt" || true
echo "35 s after the run: $(head -1 "$out/goroutines.txt" 2>/dev/null), $(pbx_cli channels 2>/dev/null | grep -c / || true) channels, rss $(rss_kib) KiB"
