#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_monitor.sh — the --monitor command line (stdio and tcp:PORT) on the
# default guest: info registers, stop/cont/info status, savevm, loadvm into
# a second process (the registers, instruction count and virtual time read
# back equal), errors for bad commands and files, quit (exit status 0 and
# the report line), and refusals of bad --monitor uses.
# Usage: test_monitor.sh path/to/x86vm path/to/roms
X86VM=$1
ROMS=$2
if [ ! -f "$ROMS/bios.bin" ] || [ ! -f "$ROMS/default-guest.img" ]; then
  echo "SKIP: $ROMS/bios.bin or default-guest.img not built"
  exit 77
fi
T=$(mktemp -d /tmp/x86vm-mon-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
n=0
check() { # check NAME CONDITION-EXIT-STATUS
  n=$((n + 1))
  if [ "$2" != 0 ]; then echo "FAIL: $1"; fail=$((fail + 1)); fi
}
# Wait (up to 60 s) until FILE contains STRING.
wait_for() {
  i=0
  while ! grep -q "$2" "$1" 2>/dev/null; do
    i=$((i + 1))
    [ $i -gt 600 ] && return 1
    sleep 0.1
  done
}
# The block "info registers" printed, from EAX= to instructions=.
regs() { tr -d '\r' <"$1" | sed 's/^(x86vm) //' | sed -n '/^EAX=/,/^instructions=/p'; }

# 1. Monitor on stdio, COM1 to a file: once the guest is up, pause it, save,
#    read the registers, try bad commands, quit.
{
  wait_for "$T/com1-a.out" "default guest ready" || echo "# guest never got ready"
  printf 'info status\nstop\ninfo status\nsavevm %s\ninfo registers\nbogus\ninfo\nloadvm %s\nsavevm\nquit\n' \
    "$T/m.snap" "$T/missing.snap"
} | "$X86VM" --serial "file:$T/com1-a.out" --monitor stdio --timeout 120 >"$T/mon-a.out" 2>"$T/mon-a.err"
st=$?
tr -d '\r' <"$T/mon-a.out" >"$T/a.txt"
check "stdio monitor: status $st, want 0" $([ $st = 0 ]; echo $?)
check "stdio monitor: report line" $(tail -n 1 "$T/mon-a.err" | grep -Eq '^x86vm: quit from the monitor; [0-9]+ instructions; last POST code 0x99$'; echo $?)
check "banner and prompt" $(grep -q "^x86vm monitor: type 'help' for commands" "$T/a.txt" && grep -q '^(x86vm) ' "$T/a.txt"; echo $?)
check "info status: running, then paused after stop" $(grep -q "VM status: running" "$T/a.txt" && grep -q "VM status: paused" "$T/a.txt"; echo $?)
check "savevm wrote a snapshot" $(grep -q "saved $T/m.snap at instruction [0-9]" "$T/a.txt" && [ -s "$T/m.snap" ]; echo $?)
check "info registers" $(regs "$T/mon-a.out" | grep -q "^EIP=[0-9a-f]\{8\} EFL=" && regs "$T/mon-a.out" | grep -q "^CR0="; echo $?)
check "unknown command" $(grep -q "unknown command 'bogus' (try 'help')" "$T/a.txt"; echo $?)
check "info without a subject" $(grep -q "info: want 'info registers' or 'info status'" "$T/a.txt"; echo $?)
check "loadvm of a missing file is refused, machine unchanged" $(grep -q "loadvm: .*missing.snap.*(machine unchanged)" "$T/a.txt"; echo $?)
check "savevm without a file name" $(grep -q "savevm: want a file name" "$T/a.txt"; echo $?)
regs "$T/mon-a.out" >"$T/regs-a.txt"

# 2. A second process loads that snapshot while paused: the same registers,
#    instruction count and virtual time; then it runs on and quits.
{
  sleep 0.5
  printf 'stop\nloadvm %s\ninfo registers\ncont\n' "$T/m.snap"
  sleep 1
  printf 'info status\nquit\n'
} | "$X86VM" --serial null --monitor stdio --timeout 120 >"$T/mon-b.out" 2>"$T/mon-b.err"
st=$?
tr -d '\r' <"$T/mon-b.out" >"$T/b.txt"
regs "$T/mon-b.out" >"$T/regs-b.txt"
check "loadvm process: status $st, want 0" $([ $st = 0 ]; echo $?)
check "loadvm reports the instruction count" $(grep -q "loaded $T/m.snap: instruction $(sed -n 's/^instructions=\([0-9]*\).*/\1/p' "$T/regs-a.txt")" "$T/b.txt"; echo $?)
check "registers after loadvm equal those saved" $([ -s "$T/regs-a.txt" ] && cmp -s "$T/regs-a.txt" "$T/regs-b.txt"; echo $?)
check "running again after cont" $(grep -q "VM status: running" "$T/b.txt"; echo $?)

# 3. Monitor on TCP (loopback): a client connects, asks, quits.
if command -v python3 >/dev/null; then
  port=$((20000 + $$ % 20000))
  "$X86VM" --serial null --monitor "tcp:$port" --timeout 120 </dev/null >/dev/null 2>"$T/mon-c.err" &
  pid=$!
  python3 - "$port" >"$T/c.txt" 2>&1 <<'PY'
import socket, sys, time
port = int(sys.argv[1])
for _ in range(100):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("cannot connect")
def until(token):
    data = b""
    while token not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return data
out = until(b"(x86vm) ")
s.sendall(b"info registers\r\n")
out += until(b"(x86vm) ")
s.sendall(b"quit\r\n")
time.sleep(0.2)
sys.stdout.write(out.decode(errors="replace"))
PY
  wait $pid
  st=$?
  check "tcp monitor: status $st, want 0" $([ $st = 0 ]; echo $?)
  check "tcp monitor: listening message" $(grep -q "listening on 127.0.0.1:$port" "$T/mon-c.err"; echo $?)
  check "tcp monitor: registers over the socket" $(grep -q "^EIP=" "$T/c.txt" || grep -q "EIP=" "$T/c.txt"; echo $?)
  check "tcp monitor: quit" $(tail -n 1 "$T/mon-c.err" | grep -q "quit from the monitor"; echo $?)
else
  echo "SKIP: tcp monitor checks (no python3)"
fi

# 4. Refusals.
"$X86VM" --monitor stdio </dev/null >/dev/null 2>"$T/err1"
st=$?
check "--monitor stdio with COM1 on stdio refused (status $st)" $([ $st = 2 ] && grep -q "COM1 is on stdio too" "$T/err1"; echo $?)
"$X86VM" --serial null --monitor "file:$T/x" </dev/null >/dev/null 2>"$T/err2"
st=$?
check "--monitor file: refused (status $st)" $([ $st = 2 ] && grep -q "the monitor needs input" "$T/err2"; echo $?)
"$X86VM" --serial null --monitor bogus </dev/null >/dev/null 2>"$T/err3"
st=$?
check "--monitor bogus refused (status $st)" $([ $st = 2 ] && grep -q "^x86vm: --monitor bogus" "$T/err3"; echo $?)

echo "$((n - fail))/$n monitor checks passed"
[ "$fail" = 0 ] || { for f in a b; do echo "--- monitor $f ---"; cat "$T/$f.txt"; tail -n 3 "$T/mon-$f.err"; done; exit 1; }
