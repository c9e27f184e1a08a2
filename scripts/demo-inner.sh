#!/usr/bin/env bash
# The demo's story, run by scripts/demo.sh inside tests/integration/pcsc-sandbox.sh (a private
# pcscd with a vpcd reader; $VPCD_PORT is the reader's card port). It plugs the virtual eUICC
# into that reader, starts the test SM-DP+ on 127.0.0.1:8443, and walks through what an LPA
# does, one narrated step at a time.
#
# Usage: scripts/demo-inner.sh BUILD_DIR PKI_DIR WORK_DIR
#
# Every step goes through card(): today that is euicc-card talking to the card directly; when
# the daemon lands, card() becomes euiccctl (and a step that starts euiccd joins start_peers).
set -euo pipefail

[[ $# -eq 3 ]] || { echo "usage: $0 BUILD_DIR PKI_DIR WORK_DIR" >&2; exit 2; }
build=$1
pki=$2
work=$3
source_dir=$(cd "$(dirname "$0")/.." && pwd)
[[ -n "${VPCD_PORT:-}" ]] || { echo "$0: run me inside tests/integration/pcsc-sandbox.sh" >&2; exit 2; }

smdp_host=testsmdpplus1.example.com
smdp_port=8443
activation_code="LPA:1\$$smdp_host:$smdp_port\$DEMO-1"
net_options=(--ca "$pki/ci.pem" --resolve "$smdp_host:$smdp_port:127.0.0.1")

# ---- presentation ----------------------------------------------------------------------------
if [[ -t 1 ]]; then bold=$'\e[1m' dim=$'\e[2m' plain=$'\e[0m'; else bold='' dim='' plain=''; fi
step_number=0
step() {  # step "what happens" — a header for the next command(s)
  step_number=$((step_number + 1))
  printf '\n%s== %d. %s%s\n' "$bold" "$step_number" "$1" "$plain"
}
note() { printf '%s%s%s\n' "$dim" "$*" "$plain"; }
show() {  # show CMD...: print the command as a reader would type it, then run it
  local line arg
  line=$(basename "$1")
  for arg in "${@:2}"; do
    if [[ "$arg" =~ ^[A-Za-z0-9_./:@=,+-]+$ ]]; then line+=" $arg"; else line+=" '$arg'"; fi
  done
  printf '%s$ %s%s\n' "$dim" "$line" "$plain"
  "$@"
}

# The one place that says how the demo talks to the card.
card() { show "$build/tools/euicc-card" "$@"; }

# ---- peers -----------------------------------------------------------------------------------
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ $status -ne 0 ]]; then
    for log in "$work"/*.log; do
      [[ -s "$log" ]] || continue
      echo "--- $log (last lines) ---" >&2
      tail -n 15 "$log" >&2
    done
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_peers() {
  step "Plug the virtual eUICC into the (virtual) card reader, start the test SM-DP+"
  "$build/veuicc/veuicc" --state "$work/euicc-state.json" --seed "$source_dir/scripts/demo-seed.json" \
    --euicc-cert "$pki/euicc.pem" --euicc-key "$pki/euicc.key" --eum-cert "$pki/eum.pem" \
    --ci-cert "$pki/ci.pem" >"$work/veuicc.log" 2>&1 &
  pids+=($!)
  note "virtual eUICC: pid $!, its state is the JSON file $work/euicc-state.json"
  /usr/bin/python3 "$source_dir/tests/smdpp/smdpp.py" --config "$source_dir/tests/smdpp/demo-smdp.json" --pki-dir "$pki" \
    --port "$smdp_port" --ready-file "$work/smdp-ready.json" --verbose >"$work/smdp.log" 2>&1 &
  pids+=($!)
  local smdp_pid=$!
  for _ in $(seq 150); do
    [[ -s "$work/smdp-ready.json" ]] && break
    kill -0 "$smdp_pid" 2>/dev/null || { echo "the test SM-DP+ exited at start" >&2; exit 1; }
    sleep 0.1
  done
  [[ -s "$work/smdp-ready.json" ]] || { echo "the test SM-DP+ did not start within 15 s" >&2; exit 1; }
  note "test SM-DP+: https://$smdp_host:$smdp_port (on 127.0.0.1, TLS from the test CI in $pki)"
  "$build/tools/euicc-card" --wait 10 eid >/dev/null  # the reader has seen the card
}

# ---- the story -------------------------------------------------------------------------------
start_peers

step "Which eUICC is this? (its EID, the number an operator binds a profile to)"
card eid

step "What the eUICC can do (EUICCInfo1 and EUICCInfo2)"
card info

step "Profiles already on the eUICC"
card list

step "Download a profile: the activation code from an operator's QR code"
note "$activation_code"
new_iccid=$(/usr/bin/python3 -c 'import json, sys
orders = json.load(open(sys.argv[1]))["orders"]
print(next(o["metadata"]["iccid"] for o in orders if o["matchingId"] == "DEMO-1"))' "$source_dir/tests/smdpp/demo-smdp.json")
if card download "$activation_code" --yes "${net_options[@]}"; then
  downloaded=1
else
  downloaded=
  note "The download failed (see the message above); the demo goes on with a profile"
  note "that was already on the eUICC."
  new_iccid=89012600000000000013
fi

step "Profiles now"
card list

step "Enable ${downloaded:+the new }profile $new_iccid (the enabled one is disabled)"
card enable "$new_iccid"

step "Give it a name people recognise"
card nickname "$new_iccid" "My demo line"

step "Notifications the eUICC signed for the operators, kept until delivered"
card notifications list

step "Deliver them to the SM-DP+; each one is removed from the eUICC once acknowledged"
card notifications process "${net_options[@]}"

step "Final state"
card list
card notifications list

# Next steps of the story go here (top-up: check the balance, recharge a voucher).

printf '\n%sDone.%s The virtual eUICC, the test SM-DP+ and pcscd stop now.\n' "$bold" "$plain"
