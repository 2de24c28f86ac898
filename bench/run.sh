#!/usr/bin/env bash
# Side-by-side benchmark: ocits vs runc on the same bundle, in one run.
#
#   sudo bash bench/run.sh              # or: npm run bench
#   OCITS=/path/to/ocits RUNC=/usr/sbin/runc ROUNDS=3 RUNS=10 bash bench/run.sh
#
# 1. `X run` of busybox `true`, timed with hyperfine: ROUNDS rounds, each round
#    times both runtimes (alternating which goes first), RUNS runs each after
#    WARMUP warm-up runs; the median over all runs is reported, once with the
#    environment as is and once with NODE_EXTRA_CA_CERTS unset (it costs every
#    Node start ~50 ms here).
# 2. `X exec ID true` into a running container of each runtime, timed the
#    same way (both modes).
# 3. RSS of a created-but-not-started container: VmRSS summed over the init
#    and its descendants (runc: the blocked `runc init`), plus any other
#    process the runtime left running for the container (found by an env mark);
#    median of SAMPLES creates.
# Each runtime has its own --root under a temp dir; everything is cleaned on exit.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

OCITS=${OCITS:-$REPO/bin/ocits}
RUNC=${RUNC:-/usr/sbin/runc}
ROUNDS=${ROUNDS:-3}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
SAMPLES=${SAMPLES:-3}

[ "$(id -u)" = 0 ] || die "run as root (containers need it)"
for tool in hyperfine jq "$BENCH_BUSYBOX"; do
  command -v "$tool" >/dev/null 2>&1 || die "missing $tool"
done
[ -x "$OCITS" ] || die "ocits binary not executable: $OCITS (set OCITS=...)"
[ -x "$RUNC" ] || die "runc binary not executable: $RUNC (set RUNC=...)"

TMP=$(mktemp -d /tmp/ocits-bench.XXXXXX)
MARK="OCITS_BENCH_MARK=$$-$RANDOM"
CG="/ocits-bench/$$"
BUNDLE=$TMP/bundle
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
  remove_cgroup "$CG-exec"
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
echo "NODE_EXTRA_CA_CERTS: ${NODE_EXTRA_CA_CERTS:-<unset>}"
echo "building the bundle in $BUNDLE ..."
make_bundle "$BUNDLE" "$CG" "$RUNC" '["true"]'

# sanity: both runtimes can run it at all
for name in ocits runc; do
  if ! "${BIN[$name]}" --root "${ROOT[$name]}" run --bundle "$BUNDLE" "bench-$name-check" </dev/null >"$TMP/check.out" 2>&1; then
    echo "bench: '$name run' of the bundle fails:" >&2
    cat "$TMP/check.out" >&2
    exit 1
  fi
done

# ---------------------------------------------------------------- timing
# time_round WHAT MODE ROUND: one hyperfine per runtime, order alternating per
# round; WHAT is "run" (run the bundle) or "exec" (exec true into bench-exec-NAME)
time_round() {
  local what=$1 mode=$2 round=$3 order name cmd
  if [ $((round % 2)) = 1 ]; then order="ocits runc"; else order="runc ocits"; fi
  for name in $order; do
    if [ "$what" = run ]; then
      cmd="${BIN[$name]} --root ${ROOT[$name]} run --bundle $BUNDLE bench-$name"
    else
      cmd="${BIN[$name]} --root ${ROOT[$name]} exec bench-exec-$name true"
    fi
    local -a envcmd=(env)
    [ "$mode" = nocerts ] && envcmd=(env -u NODE_EXTRA_CA_CERTS)
    "${envcmd[@]}" hyperfine -N --style none --warmup "$WARMUP" --runs "$RUNS" \
      --export-json "$TMP/hf-$what$mode-$name-$round.json" "$cmd" </dev/null >/dev/null \
      || die "hyperfine failed for $name $what ($mode); try: $cmd"
  done
}

time_all() {  # WHAT
  for mode in asis nocerts; do
    for round in $(seq 1 "$ROUNDS"); do
      echo "timing $1: $mode, round $round/$ROUNDS ($RUNS runs each) ..."
      time_round "$1" "$mode" "$round"
    done
  done
}
time_all run

# median_ms MODE NAME: median wall time over all rounds, in ms
median_ms() {
  jq -r '.results[0].times[]' "$TMP"/hf-"$1"-"$2"-*.json | awk '{ print $1 * 1000 }' | median
}

# ---------------------------------------------------------------- exec
# a sleeping container per runtime, then `exec ID true` timed as above
EXEC_BUNDLE=$TMP/exec-bundle
make_bundle "$EXEC_BUNDLE" "$CG-exec" "$RUNC" '["sleep", "1000"]'
for name in ocits runc; do
  "${BIN[$name]}" --root "${ROOT[$name]}" run -d --bundle "$EXEC_BUNDLE" "bench-exec-$name" </dev/null >/dev/null 2>&1 \
    || die "$name run -d of the exec bundle failed"
done
time_all exec
for name in ocits runc; do
  "${BIN[$name]}" --root "${ROOT[$name]}" delete --force "bench-exec-$name" >/dev/null 2>&1
done

# ---------------------------------------------------------------- RSS
# rss_sample NAME: create (not start), sum RSS, delete; prints "init_kb all_kb nprocs"
rss_sample() {
  local name=$1 id="bench-rss-$1" pid init_pids all_pids
  env "$MARK" "${BIN[$name]}" --root "${ROOT[$name]}" create --bundle "$BUNDLE" --pid-file "$TMP/$name.pid" "$id" \
    </dev/null >/dev/null 2>"$TMP/create.err" || { cat "$TMP/create.err" >&2; die "$name create failed"; }
  sleep 0.2 # let it settle in its blocked state
  pid=$(cat "$TMP/$name.pid")
  init_pids=$(descendants "$pid")
  # plus whatever else the runtime left behind for this container (monitors ...)
  all_pids=$(printf '%s\n%s\n' "$init_pids" "$(marked_pids "$MARK")")
  # shellcheck disable=SC2086
  echo "$(sum_rss_kb $init_pids) $(sum_rss_kb $all_pids) $(printf '%s\n' $all_pids | sort -un | grep -c .)"
  "${BIN[$name]}" --root "${ROOT[$name]}" delete --force "$id" >/dev/null 2>&1 || die "$name delete --force failed"
  rm -f "$TMP/$name.pid"
}

declare -A RSS_INIT RSS_ALL NPROCS
for name in ocits runc; do
  : >"$TMP/rss-$name"
done
for i in $(seq 1 "$SAMPLES"); do
  for name in ocits runc; do
    echo "rss: $name sample $i/$SAMPLES ..."
    rss_sample "$name" >>"$TMP/rss-$name"
  done
done
for name in ocits runc; do
  RSS_INIT[$name]=$(awk '{ print $1 }' "$TMP/rss-$name" | median)
  RSS_ALL[$name]=$(awk '{ print $2 }' "$TMP/rss-$name" | median)
  NPROCS[$name]=$(awk '{ print $3 }' "$TMP/rss-$name" | median)
done

# ---------------------------------------------------------------- report
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
msf() { awk -v v="$1" 'BEGIN { printf "%.1f ms", v }'; }

A_O=$(median_ms runasis ocits);    A_R=$(median_ms runasis runc)
EA_O=$(median_ms execasis ocits);    EA_R=$(median_ms execasis runc)
EN_O=$(median_ms execnocerts ocits); EN_R=$(median_ms execnocerts runc)
N_O=$(median_ms runnocerts ocits); N_R=$(median_ms runnocerts runc)

echo
printf '%-46s %12s %12s %11s\n' "metric (median)" "ocits" "runc" "ocits/runc"
printf '%-46s %12s %12s %11s\n' "----------------------------------------------" "------------" "------------" "-----------"
printf '%-46s %12s %12s %11s\n' "run true: wall, env as is" "$(msf "$A_O")" "$(msf "$A_R")" "$(ratio "$A_O" "$A_R")"
printf '%-46s %12s %12s %11s\n' "run true: wall, NODE_EXTRA_CA_CERTS unset" "$(msf "$N_O")" "$(msf "$N_R")" "$(ratio "$N_O" "$N_R")"
printf '%-46s %12s %12s %11s\n' "exec true: wall, env as is" "$(msf "$EA_O")" "$(msf "$EA_R")" "$(ratio "$EA_O" "$EA_R")"
printf '%-46s %12s %12s %11s\n' "exec true: wall, NODE_EXTRA_CA_CERTS unset" "$(msf "$EN_O")" "$(msf "$EN_R")" "$(ratio "$EN_O" "$EN_R")"
printf '%-46s %12s %12s %11s\n' "created container: RSS of init (+children)" "$(mib "${RSS_INIT[ocits]}")" "$(mib "${RSS_INIT[runc]}")" "$(ratio "${RSS_INIT[ocits]}" "${RSS_INIT[runc]}")"
printf '%-46s %12s %12s %11s\n' "created container: RSS of all its processes" "$(mib "${RSS_ALL[ocits]}")" "$(mib "${RSS_ALL[runc]}")" "$(ratio "${RSS_ALL[ocits]}" "${RSS_ALL[runc]}")"
printf '%-46s %12s %12s %11s\n' "created container: processes" "${NPROCS[ocits]}" "${NPROCS[runc]}" ""
echo
echo "($ROUNDS rounds x $RUNS runs per runtime and mode, alternating order; RSS over $SAMPLES creates)"
