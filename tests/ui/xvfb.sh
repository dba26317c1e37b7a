# xvfb.sh — sourced by the window tests.  xvfb_start DIR: a private X server
# (Xvfb, 1600x1200x24, no TCP) on a free display number, its log in DIR;
# sets XPID (for the caller's cleanup) and DPY (":N"); exits 77 (skip) if it
# does not come up within 10 s.
xvfb_start() {
  Xvfb -displayfd 3 -screen 0 1600x1200x24 -nolisten tcp 3>"$1/dpy" 2>"$1/xvfb.log" &
  XPID=$!
  i=0
  while [ ! -s "$1/dpy" ]; do
    i=$((i + 1)); [ $i -gt 100 ] && { echo "SKIP: Xvfb did not start"; cat "$1/xvfb.log"; exit 77; }
    sleep 0.1
  done
  DPY=:$(cat "$1/dpy")
}
