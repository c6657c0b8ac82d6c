#!/bin/sh
# gen-prompts.sh regenerates the bundled demo prompts under sounds/en/.
#
# Run it by hand from the repository root after changing a prompt; tests
# never run it, the generated files are committed as data. It needs
# espeak-ng and sox from Debian:
#
#	apt-get install -y espeak-ng sox
#
# Every prompt exists twice: NAME.wav (8 kHz) and NAME.wav16 (16 kHz),
# mono 16-bit PCM, leading and trailing silence trimmed, so a stream of
# either rate plays one without resampling. "beep" is a generated 1 kHz
# tone, not speech.
set -eu

out=${1:-sounds/en}
voice=${VOICE:-en-us}
speed=${SPEED:-150}

command -v espeak-ng >/dev/null || { echo "gen-prompts: espeak-ng missing: apt-get install -y espeak-ng" >&2; exit 1; }
command -v sox >/dev/null || { echo "gen-prompts: sox missing: apt-get install -y sox" >&2; exit 1; }

mkdir -p "$out/digits"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# write NAME: converts $tmp/src.wav into NAME.wav and NAME.wav16, trimming
# silence at both ends (sox: silence, reverse, silence, reverse) and
# normalising to -3 dBFS. -D turns dithering off so output is reproducible.
write() {
	for rate in 8000 16000; do
		ext=wav
		[ "$rate" = 16000 ] && ext=wav16
		sox -D "$tmp/src.wav" -t wav -e signed-integer -b 16 -c 1 -r "$rate" "$tmp/out.wav" \
			silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse norm -3
		mv "$tmp/out.wav" "$out/$1.$ext"
	done
}

say() {
	espeak-ng -v "$voice" -s "$speed" -w "$tmp/src.wav" "$2"
	write "$1"
}

# The beep: 250 ms of 1 kHz with 10 ms fades, as in Asterisk's beep.
sox -D -n -r 48000 -c 1 -b 16 "$tmp/src.wav" synth 0.25 sine 1000 fade 0.01 0.25 0.01 vol 0.5
for rate in 8000 16000; do
	ext=wav
	[ "$rate" = 16000 ] && ext=wav16
	sox -D "$tmp/src.wav" -t wav -e signed-integer -b 16 -c 1 -r "$rate" "$out/beep.$ext"
done

say welcome "Welcome."
say leave-message "Please leave a message after the tone."

set -- zero one two three four five six seven eight nine
d=0
for word in "$@"; do
	say "digits/$d" "$word"
	d=$((d + 1))
done
