#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_monitor.sh — the --monitor command line (stdio, tcp:PORT with a
# token or insecure, unix:PATH) on the default guest: info registers,
# stop/cont/info status, savevm, loadvm into a second process (the
# registers, instruction count and virtual time read back equal), errors for
# bad commands and files, quit (exit status 0 and the report line); the
# security rules: plain TCP refused, token checked, socket mode 0600, file
# names confined to --state-dir (no absolute, '..', links), no replacing
# files that are not snapshots without -f; refusals of bad --monitor uses.
# Usage: test_monitor.sh path/to/x86vm path/to/roms
X86VM=$1
ROMS=$2
if [ ! -f "$ROMS/bios.bin" ] || [ ! -f "$ROMS/default-guest.img" ]; then
  echo "SKIP: $ROMS/bios.bin or default-guest.img not built"
  exit 77
fi
T=$(mktemp -d /tmp/x86vm-mon-XXXXXX)
[ -n "$KEEP" ] || trap 'rm -rf "$T"' EXIT
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
#    read the registers, try bad commands, quit.  stdio takes absolute
#    paths, but it too replaces no file that is not a snapshot.
echo "plain text" >"$T/plain.txt"
{
  wait_for "$T/com1-a.out" "default guest ready" || echo "# guest never got ready"
  printf 'info status\nstop\ninfo status\nsavevm %s\ninfo registers\nbogus\ninfo\nloadvm %s\nsavevm\nsavevm %s\nquit\n' \
    "$T/m.snap" "$T/missing.snap" "$T/plain.txt"
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
check "stdio savevm does not replace a file that is not a snapshot" $(grep -q "savevm: $T/plain.txt exists and is not a snapshot" "$T/a.txt" &&
  [ "$(cat "$T/plain.txt")" = "plain text" ]; echo $?)
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

# A monitor client: client.py ADDRESS TOKEN LINE... — ADDRESS is a TCP
# port or a Unix socket path; TOKEN ("" for none) is sent first; then each
# LINE after the previous prompt.  Prints what the monitor said.
cat >"$T/client.py" <<'PY'
import re, socket, sys, time
addr, token, lines = sys.argv[1], sys.argv[2], sys.argv[3:]
for _ in range(200):
    try:
        if addr.isdigit():
            s = socket.create_connection(("127.0.0.1", int(addr)), timeout=20)
        else:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(20)
            s.connect(addr)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("cannot connect")
def until(tok):
    data = b""
    while tok not in data:
        try:
            chunk = s.recv(4096)
        except OSError:
            break
        if not chunk:
            data += b"<closed>"
            break
        data += chunk
    return data
if token:
    s.sendall(token.encode() + b"\n")
out = until(b"(x86vm) ")
for line in lines:
    if b"<closed>" in out:
        break
    s.sendall(line.encode() + b"\r\n")
    out += until(b"(x86vm) ") if line != "quit" else b""
time.sleep(0.2)
text = out.decode(errors="replace").replace("\r", "")
sys.stdout.write(re.sub(r"(?m)^(\(x86vm\) )+", "", text))
PY
if command -v python3 >/dev/null; then
  port=$((20000 + $$ % 20000))
  # 3. Plain tcp:PORT is refused (one line naming both choices); a token
  #    file others can read is refused.
  "$X86VM" --serial null --monitor "tcp:$port" --timeout 5 </dev/null >/dev/null 2>"$T/err-tcp"
  st=$?
  check "plain tcp:PORT refused (status $st)" $([ $st = 2 ] && [ "$(wc -l <"$T/err-tcp")" = 1 ] &&
    grep -q "tcp:$port,token=FILE" "$T/err-tcp" && grep -q "tcp:$port,insecure" "$T/err-tcp"; echo $?)
  printf 'sesame-0123456789\n' >"$T/token"
  chmod 644 "$T/token"
  "$X86VM" --serial null --monitor "tcp:$port,token=$T/token" --timeout 5 </dev/null >/dev/null 2>"$T/err-tok"
  st=$?
  check "token file readable by others refused (status $st)" $([ $st = 2 ] && grep -q "chmod 600" "$T/err-tok"; echo $?)
  chmod 600 "$T/token"

  # 4. tcp:PORT,token=FILE: a client whose first line is a command, and one
  #    with a wrong token, are hung up on and logged, no command run; the
  #    right token gets the prompt and the commands.
  "$X86VM" --serial null --monitor "tcp:$port,token=$T/token" --state-dir "$T" --timeout 120 </dev/null \
    >/dev/null 2>"$T/mon-c.err" &
  pid=$!
  python3 "$T/client.py" "$port" "quit" >"$T/c0.txt" 2>&1
  python3 "$T/client.py" "$port" "sesame-wrong" "info registers" >"$T/c1.txt" 2>&1
  python3 "$T/client.py" "$port" "sesame-0123456789" "info registers" "savevm tok.snap" "quit" >"$T/c.txt" 2>&1
  wait $pid
  st=$?
  check "token monitor: status $st, want 0" $([ $st = 0 ]; echo $?)
  check "token monitor: listening message" $(grep -q "listening on 127.0.0.1:$port" "$T/mon-c.err"; echo $?)
  check "no token: closed before any prompt, quit not run" $(grep -q "<closed>" "$T/c0.txt" && ! grep -q "(x86vm)" "$T/c0.txt"; echo $?)
  check "wrong token: closed, no registers" $(grep -q "<closed>" "$T/c1.txt" && ! grep -q "EIP=" "$T/c1.txt"; echo $?)
  check "wrong tokens logged" $([ "$(grep -c "sent a wrong token; connection closed" "$T/mon-c.err")" = 2 ]; echo $?)
  check "right token: registers over the socket" $(grep -q "^EIP=" "$T/c.txt"; echo $?)
  check "token monitor: savevm beneath --state-dir" $(grep -q "saved tok.snap" "$T/c.txt" && [ -s "$T/tok.snap" ]; echo $?)
  check "token monitor: quit" $(tail -n 1 "$T/mon-c.err" | grep -q "quit from the monitor"; echo $?)

  # 5. tcp:PORT,insecure: no token asked.
  "$X86VM" --serial null --monitor "tcp:$port,insecure" --timeout 120 </dev/null >/dev/null 2>"$T/mon-d.err" &
  pid=$!
  python3 "$T/client.py" "$port" "" "info status" "quit" >"$T/d.txt" 2>&1
  wait $pid
  st=$?
  check "insecure tcp monitor: status $st, answers" $([ $st = 0 ] && grep -q "VM status: running" "$T/d.txt"; echo $?)

  # 6. unix:PATH: mode 0600, removed at exit; refused over a file that is
  #    not a socket (left alone).  The file commands are confined to
  #    --state-dir: no absolute paths, no '..', no links, no replacing a
  #    file that is not a snapshot (a PNG for screendump) without -f.
  sd="$T/sd"
  mkdir -p "$sd/sub" "$T/outside"
  echo "precious" >"$T/outside/victim"
  echo "my notes" >"$sd/notes.txt"
  echo "not a png" >"$sd/pic.png"
  ln -s "$T/outside/victim" "$sd/link.snap"
  ln -s "$T/outside" "$sd/linkdir"
  sock="$T/mon.sock"
  "$X86VM" --serial null --monitor "unix:$sock" --state-dir "$sd" --timeout 120 </dev/null >/dev/null 2>"$T/mon-e.err" &
  pid=$!
  i=0; while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  mode=$(stat -c %a "$sock" 2>/dev/null)
  python3 "$T/client.py" "$sock" "" "savevm ok.snap" "savevm ok.snap" "savevm sub/in.snap" "savevm $T/abs.snap" \
    "savevm ../up.snap" "savevm sub/../../up2.snap" "savevm link.snap" "savevm linkdir/x.snap" \
    "savevm notes.txt" "loadvm ok.snap" "loadvm $T/tok.snap" "loadvm link.snap" "screendump shot.png" \
    "screendump pic.png" "change fda $T/outside/victim" "change fda linkdir/victim" \
    "help" "savevm -f notes.txt" "quit" >"$T/e.txt" 2>&1
  wait $pid
  st=$?
  check "unix monitor: status $st, want 0" $([ $st = 0 ]; echo $?)
  check "unix socket mode 600 (got $mode)" $([ "$mode" = 600 ]; echo $?)
  check "unix socket removed at exit" $([ ! -e "$sock" ]; echo $?)
  check "savevm NAME writes beneath the state dir, replaces a snapshot" $([ "$(grep -c "^saved ok.snap at instruction" "$T/e.txt")" = 2 ] &&
    [ -s "$sd/ok.snap" ] && [ ! -e ok.snap ]; echo $?)
  check "savevm into a subdirectory" $([ -s "$sd/sub/in.snap" ]; echo $?)
  check "absolute path refused" $(grep -q "^savevm: $T/abs.snap: absolute paths are refused" "$T/e.txt" && [ ! -e "$T/abs.snap" ]; echo $?)
  check "'..' refused" $(grep -q "^savevm: ../up.snap: '..' is refused" "$T/e.txt" && grep -q "^savevm: sub/../../up2.snap: '..' is refused" "$T/e.txt" &&
    [ ! -e "$T/up.snap" ] && [ ! -e "$T/up2.snap" ]; echo $?)
  check "symbolic link as the file refused, target untouched" $(grep -q "^savevm: link.snap is a symbolic link (refused)" "$T/e.txt" &&
    [ "$(cat "$T/outside/victim")" = precious ]; echo $?)
  check "symbolic link as a directory refused" $(grep -q "^savevm: linkdir/x.snap: directory linkdir: a symbolic link (refused)" "$T/e.txt" &&
    [ ! -e "$T/outside/x.snap" ]; echo $?)
  check "a file that is not a snapshot is not replaced without -f" $(grep -q "^savevm: notes.txt exists and is not a snapshot (give savevm -f notes.txt" "$T/e.txt"; echo $?)
  check "savevm -f replaces it" $(grep -q "^saved notes.txt at instruction" "$T/e.txt" && head -c 8 "$sd/notes.txt" | grep -q X86VMSS; echo $?)
  check "loadvm NAME beneath the state dir" $(grep -q "^loaded ok.snap: instruction" "$T/e.txt"; echo $?)
  check "loadvm of an absolute path / a link refused" $(grep -q "^loadvm: $T/tok.snap: absolute paths are refused.*(machine unchanged)" "$T/e.txt" &&
    grep -q "^loadvm: link.snap: a symbolic link (refused) (machine unchanged)" "$T/e.txt"; echo $?)
  check "screendump beneath the state dir (PNG)" $(head -c 4 "$sd/shot.png" 2>/dev/null | grep -q PNG; echo $?)
  check "screendump does not replace a non-PNG" $(grep -q "^screendump: pic.png exists and is not a PNG image" "$T/e.txt" &&
    [ "$(cat "$sd/pic.png")" = "not a png" ]; echo $?)
  check "change: outside files refused" $(grep -q "^change: $T/outside/victim: absolute paths are refused" "$T/e.txt" &&
    grep -q "^change: linkdir/victim: directory linkdir: a symbolic link" "$T/e.txt"; echo $?)
  check "help names the state directory" $(grep -q "File names are relative to the state directory $sd" "$T/e.txt"; echo $?)
  check "no temporary directories left" $([ -z "$(ls -A "$sd" | grep '^\.x86vm-')" ]; echo $?)
  echo "not a socket" >"$T/plain"
  "$X86VM" --serial null --monitor "unix:$T/plain" --timeout 5 </dev/null >/dev/null 2>"$T/err-unix"
  st=$?
  check "unix:PATH over a regular file refused (status $st), file kept" $([ $st = 2 ] && grep -q "exists and is not a socket" "$T/err-unix" &&
    [ "$(cat "$T/plain")" = "not a socket" ]; echo $?)
else
  echo "SKIP: socket monitor checks (no python3)"
fi

# 7. Refusals.
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
[ "$fail" = 0 ] || { for f in a b c e; do echo "--- monitor $f ---"; cat "$T/$f.txt"; tail -n 3 "$T/mon-$f.err"; done; exit 1; }
