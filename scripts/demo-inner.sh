#!/usr/bin/env bash
# The demo's story, run by scripts/demo.sh inside tests/integration/pcsc-sandbox.sh (a private
# pcscd with a vpcd reader; $VPCD_PORT is the reader's card port). It builds a small world of
# real processes, then drives euiccd through its client euiccctl, one narrated step at a time:
#
#   dbus-daemon (private bus, socket in WORK_DIR)
#     ├─ polkit stand-in      python-dbusmock's polkitd template, everything allowed
#     ├─ ModemManager stand-in scripts/demo-modemmanager.py: one modem, a prepaid account
#     └─ euiccd ── pcscd ── vpcd ── veuicc (the virtual eUICC, seeded from demo-seed.json)
#            └──── HTTPS ── the test SM-DP+ (tests/smdpp, 127.0.0.1:8443)
#
# With DEMO_MODEM=at|qmi|mbim the virtual eUICC sits in an emulated modem on a pty instead of
# vpcd, and euiccd reaches it through a [Modem:] section (QMI/MBIM via qmi-proxy/mbim-proxy,
# private to the sandbox's network namespace). The ModemManager stand-in manages that modem too
# (its port, its SIM following the card's state file, the networks its profiles register on),
# so euiccd finds the eUICC's ModemManager modem and Enable is the staged switch: the modem
# leaves, comes back under a new object path with the new SIM and registers.
#
# Usage: [DEMO_MODEM=KIND] scripts/demo-inner.sh BUILD_DIR PKI_DIR WORK_DIR
set -euo pipefail

[[ $# -eq 3 ]] || { echo "usage: $0 BUILD_DIR PKI_DIR WORK_DIR" >&2; exit 2; }
build=$1
pki=$2
work=$3
source_dir=$(cd "$(dirname "$0")/.." && pwd)
[[ -n "${VPCD_PORT:-}" ]] || { echo "$0: run me inside tests/integration/pcsc-sandbox.sh" >&2; exit 2; }

modem=${DEMO_MODEM:-}
switching=${modem:+1}  # the ModemManager stand-in manages the emulated modem: Enable is a switch
case "$modem" in
  "") ;;
  # port_type: the port's MMModemPortType, as ModemManager lists it
  at) modem_device=$work/ttyUSB2 port_type=3 ;;
  qmi) modem_device=$work/cdc-wdm0 port_type=6 ;;
  mbim) modem_device=$work/wwan0mbim0 port_type=7 ;;
  *) echo "$0: DEMO_MODEM wants at, qmi or mbim, not \"$modem\"" >&2; exit 2 ;;
esac
smdp_host=testsmdpplus1.example.com
smdp_port=8443
activation_code="LPA:1\$$smdp_host:$smdp_port\$DEMO-1"
bus="unix:path=$work/bus"
enabled_iccid=8944476500001224158  # the seed's enabled profile: the modem's SIM at the start
voucher=1234-5678-9012-34          # as printed on a scratch card; euiccd drops the dashes
new_operator=20606  # Lycamobile Belgium, the downloaded profile's network (MCC 206, MNC 06)
new_iccid=$(/usr/bin/python3 -c 'import json, sys
orders = json.load(open(sys.argv[1]))["orders"]
print(next(o["metadata"]["iccid"] for o in orders if o["matchingId"] == "DEMO-1"))' \
  "$source_dir/tests/smdpp/demo-smdp.json")

# ---- presentation ----------------------------------------------------------------------------
if [[ -t 1 ]]; then bold=$'\e[1m' dim=$'\e[2m' plain=$'\e[0m'; else bold='' dim='' plain=''; fi
step_number=0
step_title=
step() {  # step "what happens" — a header for the next command(s)
  step_number=$((step_number + 1))
  step_title=$1
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

# The daemon's client; it finds the demo's bus in $EUICCD_BUS_ADDRESS (the same as --bus).
export EUICCD_BUS_ADDRESS=$bus
ctl() { show "$build/euiccctl/euiccctl" "$@"; }
# Looking at the card directly, through pcscd, without the daemon.
card() { show "$build/tools/euicc-card" "$@"; }
# The private bus, for what euiccctl does not cover (the stand-ins' controls, raw properties).
bus_ctl() { /usr/bin/busctl --address="$bus" "$@"; }

# ---- processes -------------------------------------------------------------------------------
pids=()
cleanup() {
  local status=$? i
  # Newest first: euiccd leaves while the bus and its peers are still there.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
  if [[ $status -ne 0 ]]; then
    printf '\n%sThe demo failed at step %d (%s), status %d.%s\n' "$bold" "$step_number" \
      "$step_title" "$status" "$plain" >&2
    for log in "$work"/*.log; do
      [[ -s "$log" ]] || continue
      echo "--- $log (last lines) ---" >&2
      tail -n 20 "$log" >&2
    done
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME CMD...: run CMD in the background, its output in $work/NAME.log
start() {
  local name=$1
  shift
  "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
}

# wait_for WHAT SECONDS CMD...: until CMD succeeds; fails the demo after SECONDS
wait_for() {
  local what=$1 seconds=$2 tries
  shift 2
  for ((tries = seconds * 10; tries > 0; tries--)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "$what did not happen within $seconds s" >&2
  return 1
}

euiccd_knows_the_modem() {  # the eUICC's Modem names ModemManager's modem
  [[ $(bus_ctl get-property org.euiccd1 /org/euiccd1/euicc/0 org.euiccd1.Euicc Modem) != 'o "/"' ]]
}

euiccd_sees_card() {
  "$build/euiccctl/euiccctl" --json status | /usr/bin/python3 -c \
    'import json, sys; sys.exit(0 if json.load(sys.stdin).get("euiccs") else 1)'
}

# ---- the story -------------------------------------------------------------------------------
# The ModemManager stand-in (with a prepaid account behind its USSD codes). With $switching (a
# modem demo) its modem is the emulated one: its port, its SIM the card's enabled profile (read
# from the card's state file, so that has to exist), leaving and coming back when that
# changes, and registering on each profile's network.
start_modem_manager() {
  local modem_spec
  modem_spec=$(/usr/bin/python3 -c 'import json, sys
home, new, new_operator, card_state, port, port_type = sys.argv[1:]
modem = {"sim": home, "manufacturer": "Quectel", "model": "EG25"}
if card_state:
    modem.update({"card_state": card_state, "device": "/sys/devices/demo/usb1/1-1",
                  "ports": [[port, int(port_type)]], "primary_port": port, "plugin": "quectel",
                  "networks": {home: {"operator": "23415"}, new: {"operator": new_operator}},
                  "return_delay": 0.5, "register_delay": 0.5})
print(json.dumps(modem))' "$enabled_iccid" "$new_iccid" "$new_operator" \
    "${switching:+$work/euicc-state.json}" "${modem_device:-}" "${port_type:-0}")
  modem_parameters=$(/usr/bin/python3 -c 'import json, sys
print(json.dumps({
    "base_template": sys.argv[1] + "/tests/support/dbusmock_modemmanager.py",
    "modems": [json.loads(sys.argv[2])],
    "account": {"balance_code": "*103#", "topup_prefix": "*103*", "balance": 12.5,
                "currency": "EUR", "vouchers": {sys.argv[3].replace("-", ""): 10}}}))' \
    "$source_dir" "$modem_spec" "$voucher")
  start modemmanager-mock env DBUS_SESSION_BUS_ADDRESS="$bus" \
    /usr/bin/python3 -m dbusmock --session --template "$source_dir/scripts/demo-modemmanager.py" \
    -l "$work/modemmanager-calls.log" -p "$modem_parameters"
  wait_for "the ModemManager stand-in starting" 20 bus_ctl status org.freedesktop.ModemManager1
}

# show_modem: what ModemManager says of the eUICC's modem (found through euiccd's Modem property)
show_modem() {
  local euicc=/org/euiccd1/euicc/0 modem_path sim_path
  show busctl --address="$bus" get-property org.euiccd1 "$euicc" org.euiccd1.Euicc Modem
  modem_path=$(bus_ctl get-property org.euiccd1 "$euicc" org.euiccd1.Euicc Modem | cut -d'"' -f2)
  show busctl --address="$bus" get-property org.freedesktop.ModemManager1 "$modem_path" \
    org.freedesktop.ModemManager1.Modem State
  show busctl --address="$bus" get-property org.freedesktop.ModemManager1 "$modem_path" \
    org.freedesktop.ModemManager1.Modem.Modem3gpp RegistrationState OperatorCode
  sim_path=$(bus_ctl get-property org.freedesktop.ModemManager1 "$modem_path" \
    org.freedesktop.ModemManager1.Modem Sim | cut -d'"' -f2)
  show busctl --address="$bus" get-property org.freedesktop.ModemManager1 "$sim_path" \
    org.freedesktop.ModemManager1.Sim SimIdentifier
}

if [[ -n "$switching" ]]; then
  step "Start a private D-Bus bus, with a stand-in for polkit on it"
else
  step "Start a private D-Bus bus, with stand-ins for polkit and ModemManager on it"
fi
cat >"$work/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>$bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
start dbus-daemon /usr/bin/dbus-daemon --config-file="$work/bus.conf" --nofork --nopidfile
wait_for "the private bus starting" 10 bus_ctl list
note "bus: $bus (euiccd normally lives on the system bus)"
start polkit-mock env DBUS_SESSION_BUS_ADDRESS="$bus" \
  /usr/bin/python3 -m dbusmock --session --template polkitd
[[ -n "$switching" ]] || start_modem_manager
wait_for "the polkit stand-in starting" 20 bus_ctl status org.freedesktop.PolicyKit1
bus_ctl call org.freedesktop.PolicyKit1 /org/freedesktop/PolicyKit1/Authority \
  org.freedesktop.DBus.Mock AllowUnknown b true
note "polkit: python-dbusmock's polkitd template, told to allow every action"
if [[ -z "$switching" ]]; then
  note "ModemManager: one modem (Quectel EG25) whose SIM is the eUICC's enabled profile,"
  note "$enabled_iccid, on a network that answers USSD like a prepaid operator"
fi

veuicc_command=("$build/veuicc/veuicc" --state "$work/euicc-state.json"
  --seed "$source_dir/scripts/demo-seed.json" --euicc-cert "$pki/euicc.pem"
  --euicc-key "$pki/euicc.key" --eum-cert "$pki/eum.pem" --ci-cert "$pki/ci.pem")
if [[ -n "$modem" ]]; then
  step "Put the virtual eUICC inside an emulated $modem modem, start the test SM-DP+"
  start veuicc "${veuicc_command[@]}" --modem "$modem" --pty-link "$modem_device"
  wait_for "the emulated $modem modem's port" 10 test -e "$modem_device"
  mkdir -p "$work/euiccd.conf.d"
  printf '[Modem:demo]\nTransport=%s\nDevice=%s\n' "$modem" "$modem_device" \
    >"$work/euiccd.conf.d/modem.conf"
  note "emulated $modem modem: its port is $modem_device; euiccd.conf.d/modem.conf names it:"
  sed 's/^/    /' "$work/euiccd.conf.d/modem.conf"
  wait_for "the virtual eUICC's state file" 10 test -s "$work/euicc-state.json"
  start_modem_manager
  note "ModemManager stand-in: it manages the same modem (Quectel EG25, port $modem_device),"
  note "so euiccd finds the eUICC's ModemManager modem. Its SIM is the card's enabled profile"
  note "($enabled_iccid, registered on 234 15); when the card switches, the modem leaves and"
  note "comes back under a new object path, as ModemManager re-probes a modem. Its network"
  note "answers USSD like a prepaid operator."
else
  step "Plug the virtual eUICC into the (virtual) card reader, start the test SM-DP+"
  start veuicc "${veuicc_command[@]}"
fi
note "virtual eUICC: its state is the JSON file $work/euicc-state.json"
start smdp /usr/bin/python3 "$source_dir/tests/smdpp/smdpp.py" \
  --config "$source_dir/tests/smdpp/demo-smdp.json" --pki-dir "$pki" --port "$smdp_port" \
  --ready-file "$work/smdp-ready.json" --verbose
wait_for "the test SM-DP+ starting" 15 test -s "$work/smdp-ready.json"
note "test SM-DP+: https://$smdp_host:$smdp_port (on 127.0.0.1, TLS from the test CI in $pki)"
if [[ -z "$modem" ]]; then
  "$build/tools/euicc-card" --wait 10 eid >/dev/null  # the reader has seen the card

  step "Look at the card directly, before any daemon: its EID and profiles (euicc-card)"
  card eid
  card list
fi

step "Start euiccd, the daemon, on the private bus"
euiccd_command=("$build/daemon/euiccd" --bus "$bus" --modem-manager-bus "$bus"
  --state-dir "$work/state" --config "$source_dir/scripts/demo-euiccd.conf"
  --config-dir "$work/euiccd.conf.d" --ca "$pki/ci.pem"
  --resolve "$smdp_host:$smdp_port:127.0.0.1" --verbose)
# Keep in step with euiccd_command (the full paths would make unreadable lines).
note "\$ euiccd --bus \$BUS --modem-manager-bus \$BUS --state-dir $work/state \\"
note "    --config scripts/demo-euiccd.conf --ca $pki/ci.pem \\"
note "    --resolve $smdp_host:$smdp_port:127.0.0.1 --verbose"
start euiccd "${euiccd_command[@]}"
wait_for "euiccd showing the card on the bus" 20 euiccd_sees_card
if [[ -n "$switching" ]]; then
  wait_for "euiccd finding the modem in ModemManager" 10 euiccd_knows_the_modem
fi
note "euiccd's log: $work/euiccd.log. From here on everything goes through euiccctl, its"
note "client, as any D-Bus client could (export EUICCD_BUS_ADDRESS=$bus)."

step "What euiccd sees: the eUICC, how it is reached (Transport), its enabled profile"
ctl status

step "Profiles on the eUICC"
ctl list

step "Download a profile: the operator's QR code, as a picture of it (made here with qrencode)"
show qrencode -o "$work/operator-qr.png" "$activation_code"
ctl download --qr="$work/operator-qr.png" --yes

step "Profiles now: the new one is installed, disabled"
ctl list

if [[ -n "$switching" ]]; then
  step "The modem before the switch, as ModemManager shows it: registered (State 8), at home"
  note "(RegistrationState 1) on 234 15, its SIM the enabled profile"
  show_modem

  step "Enable the new profile $new_iccid: a switch that ends with the modem back online"
  if [[ "$modem" == at ]]; then
    note "euiccd has ModemManager step aside (InhibitDevice, for the AT port), enables the profile"
    note "on the card, restarts the SIM (AT+CFUN) and gives the modem back, then waits for"
  else
    note "euiccd enables the profile on the card, has the modem re-read its SIM (ModemManager keeps"
    note "the modem: both reach it through ${modem}-proxy), then waits for"
  fi
  note "ModemManager's modem under its new object path with the new ICCID, and for its"
  note "registration; a failure after the card changed would roll back."
  ctl enable "$new_iccid"

  step "The modem after the switch: a new object path, the new SIM, registered on 206 06"
  show_modem
  ctl nickname "$new_iccid" "My prepaid line"
else
  step "Enable the new profile $new_iccid (the card disables the enabled one), name it"
  ctl enable "$new_iccid"
  # A real modem re-reads the SIM when the eUICC switches profiles; the stand-in is told.
  bus_ctl call org.freedesktop.ModemManager1 /org/freedesktop/ModemManager1/SIM/0 \
    org.freedesktop.DBus.Mock UpdateProperties 'sa{sv}' org.freedesktop.ModemManager1.Sim \
    1 SimIdentifier s "$new_iccid"
  note "(the modem now reports ICCID $new_iccid as its SIM, as a real one would after the switch)"
  ctl nickname "$new_iccid" "My prepaid line"
fi

step "Check the prepaid balance (USSD through ModemManager)"
note "The profile's owner is Lycamobile Belgium (MCC 206, MNC 06); euiccd finds its codes in"
note "Debian's mobile-broadband-provider-info: balance *103#, top-up *103*CODE#."
ctl balance

step "Top up with a voucher from a scratch card"
ctl topup "$voucher"
voucher_digits=${voucher//-/}
if grep -rqF "$voucher_digits" "$work/euiccd.log" "$work/state"; then
  echo "the voucher is in euiccd's log or state files" >&2
  exit 1
fi
note "The voucher went to the network inside the USSD code and nowhere else: it is neither in"
note "euiccd's log nor in its state files (checked)."

step "The balance after the top-up, and what euiccd keeps of it (Profile properties)"
ctl balance
show busctl --address="$bus" get-property org.euiccd1 \
  "/org/euiccd1/euicc/0/profile/$new_iccid" org.euiccd1.Profile Balance BalanceAmount

step "Notifications the eUICC signed for the operators, kept on it until delivered"
ctl notifications list

step "Deliver them to the SM-DP+; each one is removed from the eUICC once acknowledged"
note "(euiccd does this on its own after each operation; the demo's config turned that off)"
ctl notifications process

step "Final state"
ctl list
ctl notifications list
note "What the stand-in modem was asked, from its call log:"
sed -n 's/^[0-9.]* \(\(Initiate\|InhibitDevice\) .*\)/  \1/p' "$work/modemmanager-calls.log"

printf '\n%sDone.%s euiccd, the stand-ins, the bus, the virtual eUICC, the test SM-DP+ and\n' \
  "$bold" "$plain"
echo "pcscd stop now."
