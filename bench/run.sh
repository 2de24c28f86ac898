#!/usr/bin/env bash
# Side-by-side benchmark: ocits, runc and the bare start of the Node that ocits
# runs on, in one run, on the same rootfs, printing medians and ratios.
#
#   sudo bash bench/run.sh              # or: npm run bench
#   OCITS=/path/to/ocits RUNC=/usr/sbin/runc ROUNDS=3 RUNS=10 bash bench/run.sh
#   ROWS="state kill" bash bench/run.sh   # only some of the timed rows
#
# Timed rows (hyperfine, wall time; what each runtime call costs a client):
#   node     `node -e 0` of the Node bin/ocits runs (dist/node): Node's bare start
#   run      `X run` of busybox `true` (create, start, wait, delete in one call)
#   csd      `X create`, `X start`, `X delete -f` of `true`, one after the other
#            (what containerd's shim does), in one sh -c
#   create   `X create` alone (a fresh id each run: the last one is deleted first)
#   start    `X start` of a created container
#   delete   `X delete -f` of a container whose process has exited (and was reaped)
#   state    `X state` of a running container
#   kill     `X kill ID TERM` of a running container: its init is `sleep` as
#            pid 1 of its own pid namespace, which the kernel does not deliver
#            TERM to, so the same container is signalled every run
#   exec     `X exec ID true` into that running container
# Every row is timed ROUNDS times; each round times the runtimes in turn
# (ocits first in odd rounds, runc first in even ones), RUNS runs each after
# WARMUP warm-up runs, once with the environment as it is and once with
# NODE_EXTRA_CA_CERTS unset; the median over all rounds is reported.
# Memory (/usr/bin/time, /proc; median of SAMPLES, alternating):
#   peak RSS of `X run` of `true` (the largest process the call waited for),
#   and of `node -e 0`; RSS of a created-but-not-started container: VmRSS
#   summed over its init and descendants (runc: the blocked `runc init`), plus
#   any other process the runtime left running for it (found by an env mark).
# Each runtime has its own --root, bundles and cgroups under a temp dir;
# everything is cleaned up on exit.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

OCITS=${OCITS:-$REPO/bin/ocits}
RUNC=${RUNC:-/usr/sbin/runc}
NODE=${NODE:-$REPO/dist/node}
ROUNDS=${ROUNDS:-3}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
SAMPLES=${SAMPLES:-5}
ALL_ROWS="node run csd create start delete state kill exec"
ROWS=${ROWS:-$ALL_ROWS}

[ "$(id -u)" = 0 ] || die "run as root (containers need it)"
for tool in hyperfine jq /usr/bin/time "$BENCH_BUSYBOX"; do
  command -v "$tool" >/dev/null 2>&1 || die "missing $tool"
done
[ -x "$OCITS" ] || die "ocits binary not executable: $OCITS (set OCITS=...)"
[ -x "$RUNC" ] || die "runc binary not executable: $RUNC (set RUNC=...)"
[ -x "$NODE" ] || die "no Node at $NODE (npm install links dist/node; or set NODE=...)"
for row in $ROWS; do
  case " $ALL_ROWS " in *" $row "*) ;; *) die "unknown row $row (rows: $ALL_ROWS)" ;; esac
done

TMP=$(mktemp -d /tmp/ocits-bench.XXXXXX)
MARK="OCITS_BENCH_MARK=$$-$RANDOM"
CG="/ocits-bench/$$"
declare -A ROOT=([ocits]=$TMP/root-ocits [runc]=$TMP/root-runc)
declare -A BIN=([ocits]=$OCITS [runc]=$RUNC)
mkdir -p "${ROOT[ocits]}" "${ROOT[runc]}"

cleanup() {
  local rc=$? name id p
  set +e
  for name in ocits runc; do
    for id in $("${BIN[$name]}" --root "${ROOT[$name]}" list -q 2>/dev/null); do
      "${BIN[$name]}" --root "${ROOT[$name]}" delete --force "$id" >/dev/null 2>&1
    done
  done
  for p in $(marked_pids "$MARK"); do kill -9 "$p" 2>/dev/null; done
  for name in ocits runc; do
    for row in run csd create start delete; do remove_cgroup "$CG/$name-true-$row"; done
    remove_cgroup "$CG/$name-true"
    remove_cgroup "$CG/$name-sleep"
  done
  remove_cgroup "$CG"
  if grep -q " $TMP" /proc/self/mountinfo; then
    echo "bench: something is still mounted under $TMP; not removing it" >&2
  else
    rm -rf "$TMP"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "ocits: $OCITS"
echo "runc:  $RUNC ($("$RUNC" --version 2>/dev/null | head -n 1))"
echo "node:  $NODE ($("$NODE" --version))"
echo "NODE_EXTRA_CA_CERTS: ${NODE_EXTRA_CA_CERTS:-<unset>}"
echo "building the bundles in $TMP ..."
make_rootfs "$TMP/rootfs"
# X <name> ARGS...: the runtime with its own root
X() { local name=$1; shift; "${BIN[$name]}" --root "${ROOT[$name]}" "$@"; }
# per runtime: a bundle running `true` and one running `sleep` (own cgroups)
for name in ocits runc; do
  make_config "$TMP/$name-true" "$TMP/rootfs" "$CG/$name-true" "$RUNC" '["true"]'
  # each timed row of `true` has a bundle and cgroup of its own: a row whose
  # exited processes are left to this host's pid 1 to reap (start, delete)
  # must not slow another row's cgroup removal (runc waits up to 150 ms for a
  # busy cgroup, then leaves its dir behind)
  for row in run csd create start delete; do
    make_config "$TMP/$name-true-$row" "$TMP/rootfs" "$CG/$name-true-$row" "$RUNC" '["true"]'
  done
  make_config "$TMP/$name-sleep" "$TMP/rootfs" "$CG/$name-sleep" "$RUNC" '["sleep", "100000"]'
  X "$name" run --bundle "$TMP/$name-true" "bench-check" </dev/null >"$TMP/check.out" 2>&1 \
    || { cat "$TMP/check.out" >&2; die "'$name run' of the bundle fails"; }
  X "$name" run -d --bundle "$TMP/$name-sleep" sleeper </dev/null >/dev/null 2>&1 || die "$name run -d of the sleeping bundle failed"
done

# ---------------------------------------------------------------- timing
# row_cmd ROW NAME: the timed command (hyperfine -N: no shell, words split)
row_cmd() {
  [ "$1" = node ] && { echo "$NODE -e 0"; return; }
  local row=$1 x="${BIN[$2]} --root ${ROOT[$2]}" b="$TMP/$2-true-$1"
  case $row in
    run) echo "$x run --bundle $b bench-run" ;;
    csd) echo "sh -c '$x create --bundle $b bench-csd && $x start bench-csd && $x delete -f bench-csd'" ;;
    create) echo "$x create --bundle $b bench-create" ;;
    start) echo "$x start bench-start" ;;
    delete) echo "$x delete -f bench-delete" ;;
    state) echo "$x state sleeper" ;;
    kill) echo "$x kill sleeper TERM" ;;
    exec) echo "$x exec sleeper true" ;;
  esac
}

# row_prepare ROW NAME: run before each timed run (not timed), or nothing; it
# ends with 0.1 s of rest, so that the work it set off (processes exiting,
# the kernel releasing cgroups) is not charged to the call timed after it
row_prepare() {
  [ "$1" = node ] && return
  local row=$1 x="${BIN[$2]} --root ${ROOT[$2]}" b="$TMP/$2-true-$1"
  case $row in
    create) echo "sh -c '$x delete -f bench-create >/dev/null 2>&1; sleep 0.1'" ;;
    start)
      # the last run's process reaped first (as for delete), then a fresh created container
      echo "sh -c 'while [ -s $TMP/$2.spid ] && [ -e /proc/\$(cat $TMP/$2.spid) ]; do sleep 0.01; done;" \
        "$x delete -f bench-start >/dev/null 2>&1; $x create --bundle $b --pid-file $TMP/$2.spid bench-start; sleep 0.1'"
      ;;
    delete)
      # until the exited process is reaped: the kernel keeps its cgroup busy
      # till then, and that lag (the host's reaper, not the runtime) is not timed
      echo "sh -c '$x delete -f bench-delete >/dev/null 2>&1; $x create --bundle $b --pid-file $TMP/$2.dpid bench-delete &&" \
        "$x start bench-delete && while [ -e /proc/\$(cat $TMP/$2.dpid) ]; do sleep 0.01; done; sleep 0.1'"
      ;;
  esac
}

# the runtimes of a row, in this round's order
row_names() {
  if [ "$1" = node ]; then echo node; elif [ $(($2 % 2)) = 1 ]; then echo "ocits runc"; else echo "runc ocits"; fi
}

time_one() {  # ROW MODE ROUND NAME
  local row=$1 mode=$2 round=$3 name=$4 cmd prep
  local -a envcmd=(env) prepare=()
  [ "$mode" = nocerts ] && envcmd=(env -u NODE_EXTRA_CA_CERTS)
  cmd=$(row_cmd "$row" "$name")
  prep=$(row_prepare "$row" "$name")
  [ -n "$prep" ] && prepare=(--prepare "$prep")
  "${envcmd[@]}" hyperfine -N --style none --warmup "$WARMUP" --runs "$RUNS" "${prepare[@]}" \
    --export-json "$TMP/hf-$row-$mode-$name-$round.json" "$cmd" </dev/null >/dev/null 2>"$TMP/hf.err" \
    || { cat "$TMP/hf.err" >&2; die "hyperfine failed for $name $row ($mode); try: $cmd"; }
}

for round in $(seq 1 "$ROUNDS"); do
  for mode in asis nocerts; do
    echo "timing round $round/$ROUNDS, NODE_EXTRA_CA_CERTS $([ $mode = asis ] && echo 'as is' || echo unset): $ROWS ..."
    for row in $ROWS; do
      for name in $(row_names "$row" "$round"); do
        [ "$name" = node ] && { time_one node "$mode" "$round" node; continue; }
        time_one "$row" "$mode" "$round" "$name"
      done
    done
  done
done

# median_ms ROW MODE NAME: median wall time over all rounds, in ms
median_ms() {
  local files=("$TMP"/hf-"$1"-"$2"-"$3"-*.json)
  [ -e "${files[0]}" ] || { echo nan; return; }
  jq -r '.results[0].times[]' "${files[@]}" | awk '{ print $1 * 1000 }' | median
}

# ---------------------------------------------------------------- memory
# peak_kb CMD...: max RSS in kB of the largest process CMD waited for
peak_kb() {
  /usr/bin/time -f '%M' -o "$TMP/time.out" "$@" </dev/null >/dev/null 2>&1 || die "failed: $*"
  tail -n 1 "$TMP/time.out"
}

# rss_sample NAME: create (not start), sum RSS, delete; prints "init_kb all_kb nprocs"
rss_sample() {
  local name=$1 id="bench-rss" pid init_pids all_pids
  env "$MARK" "${BIN[$name]}" --root "${ROOT[$name]}" create --bundle "$TMP/$name-true" --pid-file "$TMP/$name.pid" "$id" \
    </dev/null >/dev/null 2>"$TMP/create.err" || { cat "$TMP/create.err" >&2; die "$name create failed"; }
  sleep 0.2 # let it settle in its blocked state
  pid=$(cat "$TMP/$name.pid")
  init_pids=$(descendants "$pid")
  # plus whatever else the runtime left behind for this container (monitors ...)
  all_pids=$(printf '%s\n%s\n' "$init_pids" "$(marked_pids "$MARK")")
  # shellcheck disable=SC2086
  echo "$(sum_rss_kb $init_pids) $(sum_rss_kb $all_pids) $(printf '%s\n' $all_pids | sort -un | grep -c .)"
  X "$name" delete --force "$id" >/dev/null 2>&1 || die "$name delete --force failed"
  rm -f "$TMP/$name.pid"
}

for name in ocits runc node; do : >"$TMP/peak-$name"; : >"$TMP/rss-$name"; done
for i in $(seq 1 "$SAMPLES"); do
  echo "memory: sample $i/$SAMPLES ..."
  for name in $( [ $((i % 2)) = 1 ] && echo "ocits runc" || echo "runc ocits"); do
    peak_kb env -u NODE_EXTRA_CA_CERTS "${BIN[$name]}" --root "${ROOT[$name]}" run --bundle "$TMP/$name-true" bench-peak >>"$TMP/peak-$name"
    rss_sample "$name" >>"$TMP/rss-$name"
  done
  peak_kb env -u NODE_EXTRA_CA_CERTS "$NODE" -e 0 >>"$TMP/peak-node"
done
declare -A PEAK RSS_INIT RSS_ALL NPROCS
for name in ocits runc node; do PEAK[$name]=$(median <"$TMP/peak-$name"); done
for name in ocits runc; do
  RSS_INIT[$name]=$(awk '{ print $1 }' "$TMP/rss-$name" | median)
  RSS_ALL[$name]=$(awk '{ print $2 }' "$TMP/rss-$name" | median)
  NPROCS[$name]=$(awk '{ print $3 }' "$TMP/rss-$name" | median)
done

# ---------------------------------------------------------------- report
mib() { awk -v k="$1" 'BEGIN { if (k == "nan" || k == "") print "-"; else printf "%.1f MiB", k / 1024 }'; }
msf() { awk -v v="$1" 'BEGIN { if (v == "nan" || v == "") print "-"; else printf "%.1f ms", v }'; }
declare -A TITLE=(
  [node]='node -e 0 (bare start of that Node)' [run]='run true' [csd]='create + start + delete -f' [create]='create'
  [start]='start' [delete]='delete -f (exited)' [state]='state (running)' [kill]='kill TERM (running)' [exec]='exec true'
)
# the issue's targets: per-call rows against Node's bare start, the rest against runc
declare -A TARGET=([state]='<= 1.15 node' [kill]='<= 1.15 node' [start]='<= 1.15 node' [delete]='<= 1.15 node' [csd]='<= 2.0 runc' [run]='<= 1.8 runc')
line() { printf '%-44s %11s %11s %11s %10s %10s  %s\n' "$@"; }

echo
line "metric (median)" "ocits" "runc" "node -e 0" "ocits/runc" "ocits/node" "target"
line "--------------------------------------------" "-----------" "-----------" "-----------" "----------" "----------" "------"
for mode in asis nocerts; do
  if [ "$mode" = asis ]; then echo "NODE_EXTRA_CA_CERTS as is (${NODE_EXTRA_CA_CERTS:-unset}):"; else echo "NODE_EXTRA_CA_CERTS unset:"; fi
  NODE_MS=$(median_ms node "$mode" node)
  for row in $ROWS; do
    if [ "$row" = node ]; then
      line "  ${TITLE[$row]}" "" "" "$(msf "$NODE_MS")" "" "" ""
      continue
    fi
    o=$(median_ms "$row" "$mode" ocits)
    r=$(median_ms "$row" "$mode" runc)
    line "  ${TITLE[$row]}" "$(msf "$o")" "$(msf "$r")" "" "$(ratio "$o" "$r")" "$(ratio "$o" "$NODE_MS")" "${TARGET[$row]:-}"
  done
done
echo "memory (NODE_EXTRA_CA_CERTS unset):"
line "  peak RSS of run true (node: of node -e 0)" "$(mib "${PEAK[ocits]}")" "$(mib "${PEAK[runc]}")" "$(mib "${PEAK[node]}")" \
  "$(ratio "${PEAK[ocits]}" "${PEAK[runc]}")" "$(ratio "${PEAK[ocits]}" "${PEAK[node]}")" "<= 45 MiB"
line "  created container: RSS of init (+children)" "$(mib "${RSS_INIT[ocits]}")" "$(mib "${RSS_INIT[runc]}")" "" "$(ratio "${RSS_INIT[ocits]}" "${RSS_INIT[runc]}")" "" "< 1 MiB"
line "  created container: RSS of all processes" "$(mib "${RSS_ALL[ocits]}")" "$(mib "${RSS_ALL[runc]}")" "" "$(ratio "${RSS_ALL[ocits]}" "${RSS_ALL[runc]}")" "" ""
line "  created container: processes" "${NPROCS[ocits]}" "${NPROCS[runc]}" "" "" "" ""
echo
echo "($ROUNDS rounds x $RUNS runs per runtime, row and mode, alternating order; memory: median of $SAMPLES, NODE_EXTRA_CA_CERTS unset)"
