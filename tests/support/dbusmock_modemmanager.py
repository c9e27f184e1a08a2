'''ModemManager stand-in for euiccd's balance/top-up tests (python-dbusmock template).

python-dbusmock has no ModemManager template, so this one builds the part of ModemManager's
D-Bus API that euiccd uses, with dbusmock's AddObject/AddMethod/AddProperties: modems under
/org/freedesktop/ModemManager1 (ObjectManager), their SIM objects (Sim.SimIdentifier), the
Modem.Modem3gpp.Ussd interface with ModemManager's session rules (Initiate refused while a
session is open, Respond only while the network waits for input, Cancel; the network's answer
comes after its scripted delay without blocking the mock, and a modem removed meanwhile never
answers), and Modem.Messaging + Sms (Create, Send, List, Delete, the Messages property,
incoming messages announced with Messaging.Added, deletions with Messaging.Deleted).
What the "network" answers is scripted by the test through the JSON parameters:

{
  "modems": [{
    "sim": "8935...",                 # ICCID of the active SIM ("" = no SIM)
    "other_slots": ["8949..."],       # ICCIDs in further, inactive SIM slots
    "state": 8,                       # MMModemState (8 = registered)
    "manufacturer": "Quectel", "model": "EG25",
    "ussd": true, "messaging": true,  # which interfaces the modem has
    "ussd_state": 1,                  # session state at start (2 active, 3 user-response)
    "ussd_script": {                  # key: the command, then ">"-joined responses
      "*100#":      {"reply": "Menu: 1 Balance", "state": 3},
      "*100#>1":    {"reply": "Balance 5.00 EUR", "state": 1},
      "*999#":      {"error": "org.freedesktop.ModemManager1.Error.MobileEquipment.Unknown",
                     "message": "network rejected"},
      "*555#":      {"delay": 3.0, "reply": "late"}
    },
    "sms_replies": {                  # key: the number our SMS went to
      "18258": [{"from": "18258", "text": "Saldo 5,00 EUR", "delay": 0.2, "receiving": 0.3}]
    },
    "sms_send_error": "",             # a ModemManager error name Sms.Send fails with
    "sms_delete_error": "",           # ... and Messaging.Delete
    # Which ports carry what (daemon/modem_manager_watch.h reads these; all optional):
    "ports": [["cdc-wdm0", 6], ["ttyUSB2", 3]],   # Ports a(su): name, MMModemPortType
    "primary_port": "cdc-wdm0", "plugin": "quectel", "drivers": ["qmi_wwan", "option"],
    "device": "/sys/devices/...",     # Device (default /sys/devices/mock/modem<index>)
    "equipment_identifier": "35...",  # EquipmentIdentifier (default 35000000000000<index>)
    "primary_sim_slot": 2,            # PrimarySimSlot when there are other_slots (default 1)
    "raw_properties": {"Ports": "x"}  # Modem properties set as they are, JSON-typed by
                                      # dbus-python (a string is "s", an int "i"): garbage
  }]
}

Profile switches (issue 13) — a modem whose SIM is a virtual eUICC:

    "card_state": "/tmp/.../card.json", # veuicc's state file: the SIM's ICCID is the card's
                                      # enabled profile (the card is the truth); when it
                                      # changes, the SIM restarted: the modem leaves and comes
                                      # back return_delay later under a NEW object path
    "return_delay": 0.3,              # seconds the modem stays away (SIM restart, uninhibit)
    "networks": {"8944...": {"operator": "23415", "roaming": false}},
                                      # the SIMs that register (Modem3gpp RegistrationState,
                                      # OperatorCode; State 8), register_delay after the modem
                                      # appears; any other SIM keeps searching (State 7)
    "register_delay": 0.2,

Travel (the travel policy's tests): SetNetwork(s json) on the mock interface sets the network
the modems see, wherever they are: {"operator": "42602"} — every SIM that has a network
registers there (OperatorCode 42602; home when the SIM's own operator has the same MCC, else
roaming); with "registration": "searching" or "denied" they only see it (OperatorCode set,
RegistrationState searching/denied, State searching). {} goes back to each SIM's own network.
SetUssdState(u state) sets the USSD session state of the card-following modems (and of their
returns).

ModemManager's InhibitDevice(s uid, b inhibit) on the main object: the modem (by its Device)
leaves while inhibited and comes back under a new object path after the uninhibit; an
inhibition ends when its caller leaves the bus, as in ModemManager. Sabotage, set by the test
with SetSabotage(s json) on the mock interface: {"skip_returns": n} (the next n returns do not
happen: the modem stays away until the next SIM change; -1 never comes back),
{"registers": false} (no SIM registers). A ModemManager restart is ModemManagerMock::restart.

Methods on org.freedesktop.DBus.Mock for hot-plug tests: AddModem(s spec_json) -> o (a modem
appears, InterfacesAdded), RemoveModem(o) (InterfacesRemoved), SetModemProperties(o, s json)
(Modem properties in the spec's keys, e.g. {"ports": [...]}, with PropertiesChanged). A
ModemManager restart is the process stopping and starting again (ModemManagerMock::restart).
'''

import json

import dbus
from dbusmock import MOCK_IFACE
from gi.repository import GLib

BUS_NAME = 'org.freedesktop.ModemManager1'
MAIN_OBJ = '/org/freedesktop/ModemManager1'
MAIN_IFACE = 'org.freedesktop.ModemManager1'
IS_OBJECT_MANAGER = True
SYSTEM_BUS = True

MODEM_IFACE = 'org.freedesktop.ModemManager1.Modem'
MODEM3GPP_IFACE = 'org.freedesktop.ModemManager1.Modem.Modem3gpp'
USSD_IFACE = 'org.freedesktop.ModemManager1.Modem.Modem3gpp.Ussd'
MESSAGING_IFACE = 'org.freedesktop.ModemManager1.Modem.Messaging'
SIM_IFACE = 'org.freedesktop.ModemManager1.Sim'
SMS_IFACE = 'org.freedesktop.ModemManager1.Sms'
WRONG_STATE = 'org.freedesktop.ModemManager1.Error.Core.WrongState'

USSD_IDLE, USSD_ACTIVE, USSD_USER_RESPONSE = 1, 2, 3
SMS_UNKNOWN, SMS_RECEIVING, SMS_RECEIVED, SMS_SENT = 0, 2, 3, 5
PDU_DELIVER, PDU_SUBMIT = 1, 2

_counters = {'sim': 0, 'sms': 0, 'modem': 0}
MM_STATE_ENABLED, MM_STATE_SEARCHING, MM_STATE_REGISTERED = 6, 7, 8
REG_HOME, REG_SEARCHING, REG_ROAMING = 1, 2, 5

# Switch modelling: the modems that follow a card, by Device; the sabotage modes.
_followers = {}
_sabotage = {'skip_returns': 0, 'registers': True}
# The network the modems see (SetNetwork); empty: each SIM's own.
_world = {}
REG_DENIED = 3


def _objects():
    import dbusmock.mockobject  # pylint: disable=import-outside-toplevel
    return dbusmock.mockobject.objects


def _add_sim(mock, iccid):
    path = f'/org/freedesktop/ModemManager1/SIM/{_counters["sim"]}'
    _counters['sim'] += 1
    mock.AddObject(path, SIM_IFACE, {
        'SimIdentifier': dbus.String(iccid),
        'Imsi': dbus.String(''),
        'OperatorIdentifier': dbus.String(''),
        'OperatorName': dbus.String(''),
    }, [])
    return path


def _set_ussd_state(modem, state):
    modem.UpdateProperties(USSD_IFACE, {'State': dbus.UInt32(state)})


def _ussd_step(modem, key, reply, error):
    '''The network's answer to the session so far (`key`), after the step's delay.'''
    step = modem.mm_ussd_script.get(key)

    def answer():
        if _objects().get(modem.path) is not modem:
            return False  # the modem went away: nobody answers
        if step is None:
            _set_ussd_state(modem, USSD_IDLE)
            error(dbus.exceptions.DBusException(
                'USSD request not understood by the network',
                name='org.freedesktop.ModemManager1.Error.MobileEquipment.Unknown'))
        elif step.get('error'):
            _set_ussd_state(modem, USSD_IDLE)
            error(dbus.exceptions.DBusException(step.get('message', ''), name=step['error']))
        else:
            _set_ussd_state(modem, step.get('state', USSD_IDLE))
            reply(dbus.String(step.get('reply', '')))
        return False

    delay = float(step.get('delay', 0)) if step else 0
    if delay:
        _set_ussd_state(modem, USSD_ACTIVE)  # waiting for the network, as ModemManager shows it
        GLib.timeout_add(int(delay * 1000), answer)
    else:
        answer()


def _initiate(modem, command, reply, error):
    if modem.props[USSD_IFACE]['State'] in (USSD_ACTIVE, USSD_USER_RESPONSE):
        error(dbus.exceptions.DBusException(
            'Cannot initiate USSD: a session is already active', name=WRONG_STATE))
        return
    modem.mm_ussd_path = [str(command)]
    _ussd_step(modem, str(command), reply, error)


def _respond(modem, response, reply, error):
    if modem.props[USSD_IFACE]['State'] != USSD_USER_RESPONSE:
        error(dbus.exceptions.DBusException(
            'Cannot respond USSD: no network request waiting', name=WRONG_STATE))
        return
    modem.mm_ussd_path.append(str(response))
    _ussd_step(modem, '>'.join(modem.mm_ussd_path), reply, error)


def _cancel(modem):
    _set_ussd_state(modem, USSD_IDLE)


def _add_deferred_method(obj, interface, name, handler):
    '''A method `s -> s` that answers when `handler(obj, text, reply, error)` calls one of the
    two (dbus-python's async_callbacks), so a delayed answer does not stop the mock from
    handling other calls meanwhile. The call goes to the mock's log as AddMethod's do.'''
    def method(self, text, reply, error):
        self.log(f'{name} "{text}"')
        handler(self, text, reply, error)

    dbus_method = dbus.service.method(interface, in_signature='s', out_signature='s',
                                      async_callbacks=('reply', 'error'))(method)
    dbus_method.__name__ = name
    obj.methods.setdefault(interface, {})[name] = ('s', 's', '', dbus_method)


def _new_sms(mock, modem, properties):
    path = f'/org/freedesktop/ModemManager1/SMS/{_counters["sms"]}'
    _counters['sms'] += 1
    props = {
        'State': dbus.UInt32(properties.get('State', SMS_UNKNOWN)),
        'PduType': dbus.UInt32(properties.get('PduType', PDU_SUBMIT)),
        'Number': dbus.String(properties.get('number', '')),
        'Text': dbus.String(properties.get('text', '')),
        'Timestamp': dbus.String(''),
    }
    mock.AddObject(path, SMS_IFACE, props, [])
    sms = _objects()[path]
    sms.AddMethod(SMS_IFACE, 'Send', '', '', lambda self: _send(mock, modem, self))
    sms.AddMethod(SMS_IFACE, 'Store', 'u', '', '')
    messages = list(modem.props[MESSAGING_IFACE]['Messages']) + [dbus.ObjectPath(path)]
    modem.UpdateProperties(MESSAGING_IFACE, {'Messages': dbus.Array(messages, signature='o')})
    return path


def _deliver(mock, modem, reply):
    receiving = float(reply.get('receiving', 0))
    path = _new_sms(mock, modem, {
        'number': reply.get('from', ''), 'text': reply.get('text', ''),
        'State': SMS_RECEIVING if receiving else SMS_RECEIVED, 'PduType': PDU_DELIVER})
    modem.EmitSignal(MESSAGING_IFACE, 'Added', 'ob', [dbus.ObjectPath(path), True])
    if receiving:
        def complete():
            _objects()[path].UpdateProperties(SMS_IFACE, {'State': dbus.UInt32(SMS_RECEIVED)})
            return False
        GLib.timeout_add(int(receiving * 1000), complete)
    return False


def _send(mock, modem, sms):
    if modem.mm_sms_send_error:
        raise dbus.exceptions.DBusException('SMS refused by the network',
                                            name=modem.mm_sms_send_error)
    sms.UpdateProperties(SMS_IFACE, {'State': dbus.UInt32(SMS_SENT)})
    number = str(sms.props[SMS_IFACE]['Number'])
    for reply in modem.mm_sms_replies.get(number, []):
        GLib.timeout_add(int(float(reply.get('delay', 0)) * 1000),
                         lambda r=reply: _deliver(mock, modem, r))


def _delete(mock, modem, path):
    if modem.mm_sms_delete_error:
        raise dbus.exceptions.DBusException('Cannot delete the SMS',
                                            name=modem.mm_sms_delete_error)
    messages = list(modem.props[MESSAGING_IFACE]['Messages'])
    if path not in messages:
        raise dbus.exceptions.DBusException(f'No SMS found with path {path}',
                                            name='org.freedesktop.ModemManager1.Error.Core.NotFound')
    messages.remove(path)
    modem.UpdateProperties(MESSAGING_IFACE, {'Messages': dbus.Array(messages, signature='o')})
    mock.RemoveObject(path)
    modem.EmitSignal(MESSAGING_IFACE, 'Deleted', 'o', [dbus.ObjectPath(path)])


def _create(mock, modem, properties):
    path = _new_sms(mock, modem, {k: str(v) for k, v in properties.items()})
    modem.EmitSignal(MESSAGING_IFACE, 'Added', 'ob', [dbus.ObjectPath(path), False])
    return dbus.ObjectPath(path)


def _port_properties(spec):
    '''The Modem properties about ports and hardware that are in `spec`, typed as MM does.'''
    props = {}
    if 'ports' in spec:
        props['Ports'] = dbus.Array([dbus.Struct((dbus.String(name), dbus.UInt32(kind)))
                                     for name, kind in spec['ports']], signature='(su)')
    if 'primary_port' in spec:
        props['PrimaryPort'] = dbus.String(spec['primary_port'])
    if 'plugin' in spec:
        props['Plugin'] = dbus.String(spec['plugin'])
    if 'drivers' in spec:
        props['Drivers'] = dbus.Array(spec['drivers'], signature='s')
    if 'device' in spec:
        props['Device'] = dbus.String(spec['device'])
    if 'equipment_identifier' in spec:
        props['EquipmentIdentifier'] = dbus.String(spec['equipment_identifier'])
    if 'primary_sim_slot' in spec:
        props['PrimarySimSlot'] = dbus.UInt32(spec['primary_sim_slot'])
    props.update(spec.get('raw_properties', {}))
    return props


def _card_iccid(spec):
    '''The enabled profile in the virtual eUICC's state file; None while it cannot be read
    (veuicc writing it).'''
    try:
        with open(spec['card_state'], encoding='utf-8') as f:
            state = json.load(f)
    except (OSError, ValueError):
        return None
    for profile in state.get('profiles', []):
        if profile.get('state') == 'enabled':
            return profile.get('iccid', '')
    return ''


def _add_modem(mock, index, spec):
    path = f'/org/freedesktop/ModemManager1/Modem/{index}'
    if spec.get('card_state'):
        iccid = _card_iccid(spec)
        spec = dict(spec, sim=iccid or '')
    sim_path = _add_sim(mock, spec['sim']) if spec.get('sim') else '/'
    slots = [dbus.ObjectPath(sim_path)]
    slots += [dbus.ObjectPath(_add_sim(mock, iccid)) for iccid in spec.get('other_slots', [])]
    props = {
        'Sim': dbus.ObjectPath(sim_path),
        'SimSlots': dbus.Array(slots if len(slots) > 1 else [], signature='o'),
        'PrimarySimSlot': dbus.UInt32(1 if len(slots) > 1 else 0),
        'State': dbus.Int32(spec.get('state', 8)),
        'Manufacturer': dbus.String(spec.get('manufacturer', 'Mock')),
        'Model': dbus.String(spec.get('model', 'Modem')),
        'EquipmentIdentifier': dbus.String(f'35000000000000{index}'),
        'Device': dbus.String(f'/sys/devices/mock/modem{index}'),
        'Ports': dbus.Array([], signature='(su)'),
        'PrimaryPort': dbus.String(''),
        'Plugin': dbus.String('mock'),
        'Drivers': dbus.Array([], signature='s'),
    }
    props.update(_port_properties(spec))
    following = bool(spec.get('card_state'))
    if following and 'networks' in spec:
        props['State'] = dbus.Int32(MM_STATE_SEARCHING if spec.get('sim') else MM_STATE_ENABLED)
    mock.AddObject(path, MODEM_IFACE, props, [])
    modem = _objects()[path]
    if 'networks' in spec:
        modem.AddProperties(MODEM3GPP_IFACE, {
            'RegistrationState': dbus.UInt32(REG_SEARCHING),
            'OperatorCode': dbus.String(''),
            'OperatorName': dbus.String(''),
        })
        GLib.timeout_add(int(float(spec.get('register_delay', 0.2)) * 1000),
                         lambda: _register(path, spec))
    if following:
        device = str(props['Device'])
        _followers[device] = {'spec': spec, 'path': path, 'iccid': spec.get('sim', ''),
                              'away': False, 'inhibited_by': None}
    modem.mm_ussd_script = spec.get('ussd_script', {})
    modem.mm_ussd_path = []
    modem.mm_sms_replies = spec.get('sms_replies', {})
    modem.mm_sms_send_error = spec.get('sms_send_error', '')
    modem.mm_sms_delete_error = spec.get('sms_delete_error', '')
    if spec.get('ussd', True):
        modem.AddProperties(USSD_IFACE, {
            'State': dbus.UInt32(spec.get('ussd_state', USSD_IDLE)),
            'NetworkNotification': dbus.String(''),
            'NetworkRequest': dbus.String(''),
        })
        _add_deferred_method(modem, USSD_IFACE, 'Initiate', _initiate)
        _add_deferred_method(modem, USSD_IFACE, 'Respond', _respond)
        modem.AddMethod(USSD_IFACE, 'Cancel', '', '', lambda self: _cancel(self))
    if spec.get('messaging', True):
        modem.AddProperties(MESSAGING_IFACE, {
            'Messages': dbus.Array([], signature='o'),
            'SupportedStorages': dbus.Array([dbus.UInt32(2)], signature='u'),
            'DefaultStorage': dbus.UInt32(2),
        })
        modem.AddMethod(MESSAGING_IFACE, 'Create', 'a{sv}', 'o',
                        lambda self, props: _create(mock, self, props))
        modem.AddMethod(MESSAGING_IFACE, 'List', '', 'ao',
                        lambda self: self.props[MESSAGING_IFACE]['Messages'])
        modem.AddMethod(MESSAGING_IFACE, 'Delete', 'o', '',
                        lambda self, path: _delete(mock, self, path))
    mock.object_manager_emit_added(path)
    return path


def _register(path, spec):
    '''The network answers: the SIM registers when it has a network (and no sabotage).'''
    modem = _objects().get(path)
    if modem is None:
        return False  # it left meanwhile
    network = spec.get('networks', {}).get(spec.get('sim', ''))
    if network is None or not _sabotage['registers']:
        return False  # keeps searching
    operator = _world.get('operator') or network.get('operator', '')
    only_sees = _world.get('registration')
    if only_sees in ('searching', 'denied'):
        modem.UpdateProperties(MODEM3GPP_IFACE, {
            'RegistrationState': dbus.UInt32(REG_SEARCHING if only_sees == 'searching'
                                             else REG_DENIED),
            'OperatorCode': dbus.String(operator),
        })
        modem.UpdateProperties(MODEM_IFACE, {'State': dbus.Int32(MM_STATE_SEARCHING)})
        return False
    if _world.get('operator'):
        roaming = operator[:3] != network.get('operator', '')[:3]
    else:
        roaming = bool(network.get('roaming', False))
    modem.UpdateProperties(MODEM3GPP_IFACE, {
        'RegistrationState': dbus.UInt32(REG_ROAMING if roaming else REG_HOME),
        'OperatorCode': dbus.String(operator),
    })
    modem.UpdateProperties(MODEM_IFACE, {'State': dbus.Int32(MM_STATE_REGISTERED)})
    return False


def _leave(mock, device):
    '''The modem of `device` goes (InterfacesRemoved), with its SIM objects.'''
    follower = _followers[device]
    if follower['away']:
        return
    path = follower['path']
    modem = _objects().get(path)
    sims = []
    if modem is not None:
        props = modem.props[MODEM_IFACE]
        sims = [str(p) for p in list(props['SimSlots']) + [props['Sim']] if str(p) != '/']
    mock.object_manager_emit_removed(path)
    mock.RemoveObject(path)
    for sim in set(sims):
        if sim in _objects():
            mock.RemoveObject(sim)
    follower['away'] = True


def _come_back(mock, device):
    '''After a SIM restart or an uninhibit: the modem returns under a new object path, with the
    card's enabled profile as its SIM, unless sabotaged.'''
    follower = _followers[device]
    if not follower['away'] or follower['inhibited_by'] is not None:
        return False
    if _sabotage['skip_returns'] != 0:
        if _sabotage['skip_returns'] > 0:
            _sabotage['skip_returns'] -= 1
        follower['iccid'] = _card_iccid(follower['spec'])  # this change has been "seen"
        return False
    follower['away'] = False
    index = _counters['modem']
    _counters['modem'] += 1
    new_path = _add_modem(mock, index, follower['spec'])
    _followers[device]['path'] = new_path
    return False


def _later(seconds, action):
    GLib.timeout_add(int(float(seconds) * 1000), lambda: action() and False)


def _watch_cards(mock):
    '''Every 100 ms: a card whose enabled profile changed restarted its SIM — its modem leaves
    and comes back (the way a modem re-probes after a REFRESH or a SIM power cycle).'''
    for device, follower in list(_followers.items()):
        if follower['inhibited_by'] is not None:
            continue
        iccid = _card_iccid(follower['spec'])
        if iccid is None or iccid == follower['iccid']:
            continue
        follower['iccid'] = iccid
        _leave(mock, device)
        _later(follower['spec'].get('return_delay', 0.3), lambda d=device: _come_back(mock, d))
    return True


def _inhibit_device(mock, uid, inhibit, sender):
    follower = _followers.get(str(uid))
    if follower is None:
        raise dbus.exceptions.DBusException(f'No device found with uid {uid}',
                                            name='org.freedesktop.ModemManager1.Error.Core.NotFound')
    if inhibit:
        if follower['inhibited_by'] is not None:
            raise dbus.exceptions.DBusException('Device already inhibited', name=WRONG_STATE)
        _leave(mock, str(uid))
        follower['inhibited_by'] = str(sender)
        return
    if follower['inhibited_by'] is None:
        raise dbus.exceptions.DBusException('Device is not inhibited', name=WRONG_STATE)
    follower['inhibited_by'] = None
    follower['iccid'] = _card_iccid(follower['spec'])
    _later(follower['spec'].get('return_delay', 0.3), lambda: _come_back(mock, str(uid)))


def _caller_left(mock, name, old_owner, new_owner):
    '''ModemManager ends the inhibitions of a caller that left the bus.'''
    if new_owner:
        return
    for device, follower in _followers.items():
        if follower['inhibited_by'] == str(name):
            _inhibit_device(mock, device, False, name)


@dbus.service.method(MAIN_IFACE, in_signature='sb', out_signature='', sender_keyword='sender')
def InhibitDevice(self, uid, inhibit, sender=None):
    '''ModemManager's InhibitDevice (the inhibition belongs to the caller).'''
    _inhibit_device(self, uid, inhibit, sender)


@dbus.service.method(MOCK_IFACE, in_signature='s', out_signature='')
def SetSabotage(self, sabotage_json):
    '''Sabotage modes for the switch tests (see the module text).'''
    _sabotage.update(json.loads(sabotage_json))


@dbus.service.method(MOCK_IFACE, in_signature='s', out_signature='')
def SetNetwork(self, network_json):
    '''The network the modems see (see the module text); the present ones register anew.'''
    _world.clear()
    _world.update(json.loads(network_json))
    for follower in _followers.values():
        if not follower['away']:
            _register(follower['path'], follower['spec'])


@dbus.service.method(MOCK_IFACE, in_signature='u', out_signature='')
def SetUssdState(self, state):
    '''The USSD session state of the card-following modems, now and after they return.'''
    for follower in _followers.values():
        follower['spec']['ussd_state'] = int(state)
        modem = _objects().get(follower['path'])
        if not follower['away'] and modem is not None:
            _set_ussd_state(modem, int(state))


@dbus.service.method(MOCK_IFACE, in_signature='s', out_signature='o')
def AddModem(self, spec_json):
    '''A modem appears (hot-plug): announced with InterfacesAdded.'''
    index = _counters['modem']
    _counters['modem'] += 1
    return dbus.ObjectPath(_add_modem(self, index, json.loads(spec_json)))


@dbus.service.method(MOCK_IFACE, in_signature='o', out_signature='')
def RemoveModem(self, path):
    '''A modem leaves: InterfacesRemoved, then its object goes.'''
    self.object_manager_emit_removed(path)
    self.RemoveObject(path)


@dbus.service.method(MOCK_IFACE, in_signature='os', out_signature='')
def SetModemProperties(self, path, spec_json):
    '''Changes Modem properties given in the spec's keys; PropertiesChanged announces them.'''
    _objects()[path].UpdateProperties(MODEM_IFACE, _port_properties(json.loads(spec_json)))


def load(mock, parameters):
    mock.AddProperties(MAIN_IFACE, {'Version': dbus.String('1.20.4')})
    mock.AddMethod(MAIN_IFACE, 'ScanDevices', '', '', '')
    GLib.timeout_add(100, lambda: _watch_cards(mock))
    mock.connection.add_signal_receiver(
        lambda name, old, new: _caller_left(mock, name, old, new), 'NameOwnerChanged',
        'org.freedesktop.DBus', 'org.freedesktop.DBus', '/org/freedesktop/DBus')
    for spec in parameters.get('modems', []):
        AddModem(mock, json.dumps(spec))
