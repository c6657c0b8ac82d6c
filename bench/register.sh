#!/usr/bin/env bash
# REGISTERs per second with digest authentication (401 challenge, then the
# authenticated REGISTER answered 200) at RATE/s for SECONDS.
source "$(dirname "$0")/lib.sh"
rate=${1:-500}
secs=${2:-30}
start_pbx ""
t0=$(cpu_ticks)
cd "$out"
sipp 127.0.0.1:5070 -i 127.0.0.1 -p 5072 -sf "$here/sipp/register_auth.xml" -r "$rate" -m $((rate * secs)) \
	-nostdin -timeout $((secs + 60))s -timeout_error -trace_stat -stf "$out/stat.csv" -fd 1 \
	> "$out/sipp.log" 2>&1 || echo "sipp exit $? (failed registrations)"
awk -F';' 'NR==1 {for (i=1;i<=NF;i++) col[$i]=i} END {print "sipp: registrations " $col["TotalCallCreated"] ", successful " $col["SuccessfulCall(C)"] ", failed " $col["FailedCall(C)"] ", elapsed " $col["ElapsedTime(C)"]}' "$out/stat.csv"
report_pbx "$t0" "$secs"
echo "results in $out"
