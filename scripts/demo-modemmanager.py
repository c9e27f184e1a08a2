'''ModemManager stand-in for scripts/demo-inner.sh (a python-dbusmock template).

It is tests/support/dbusmock_modemmanager.py (modems, SIMs, ModemManager's USSD session rules)
with one thing the tests do not need: a prepaid account behind the USSD codes, so that a
top-up changes what the next balance check says, as on a real network. Parameters (JSON):

{
  "base_template": ".../tests/support/dbusmock_modemmanager.py",
  "modems": [{"sim": "8944...", "manufacturer": "Quectel", "model": "EG25"}],
  "account": {"balance_code": "*103#",           # as in Lycamobile Belgium's provider-info entry
              "topup_prefix": "*103*",           # *103*VOUCHER#
              "balance": 12.5, "currency": "EUR",
              "vouchers": {"12345678901234": 10}}   # voucher -> value, each usable once
}

A modem spec with "card_state" (the demo's --modem at) follows the virtual eUICC as in the
switch tests: it leaves when the card switches profiles and comes back under a new object path
with the new SIM; the account stays with it. Otherwise the modem's SIM is changed from the demo
with dbusmock's own interface, as a real modem re-reads the ICCID after the eUICC switched
profiles:
  busctl call org.freedesktop.ModemManager1 /org/freedesktop/ModemManager1/SIM/0 \
    org.freedesktop.DBus.Mock UpdateProperties 'sa{sv}' org.freedesktop.ModemManager1.Sim \
    1 SimIdentifier s ICCID
'''

import types

_base = None
BUS_NAME = 'org.freedesktop.ModemManager1'
MAIN_OBJ = '/org/freedesktop/ModemManager1'
MAIN_IFACE = 'org.freedesktop.ModemManager1'
IS_OBJECT_MANAGER = True
SYSTEM_BUS = True


class PrepaidAccount:
    '''What the network answers to USSD, looked up like the base template's script (.get).'''

    def __init__(self, account):
        self.balance_code = account.get('balance_code', '*103#')
        self.topup_prefix = account.get('topup_prefix', '*103*')
        self.balance = float(account.get('balance', 0))
        self.currency = account.get('currency', 'EUR')
        self.vouchers = {str(k): float(v) for k, v in account.get('vouchers', {}).items()}

    def _money(self, amount):
        return f'{amount:.2f} {self.currency}'

    def get(self, command):
        if command == self.balance_code:
            return {'reply': f'Your balance is {self._money(self.balance)}. '
                             'Tariff: Prepaid Start. Thank you for using our network.'}
        if command.startswith(self.topup_prefix) and command.endswith('#'):
            voucher = command[len(self.topup_prefix):-1]
            value = self.vouchers.pop(voucher, None)
            if value is None:
                return {'reply': 'Voucher not valid or already used. Your balance is '
                                 f'{self._money(self.balance)}.'}
            self.balance += value
            return {'reply': f'Voucher accepted: {self._money(value)} added. '
                             f'New balance {self._money(self.balance)}.'}
        return None  # "USSD request not understood by the network"


def _add_methods(mock, module):
    '''The D-Bus methods `module` defines (ModemManager's InhibitDevice, the mock controls),
    added as dbusmock adds a template's own before its load().'''
    # pylint: disable=import-outside-toplevel,protected-access
    import dbusmock.mockobject
    for symbol in dir(module):
        fn = getattr(module, symbol)
        if not hasattr(fn, '_dbus_interface') or getattr(fn, '_dbus_is_signal', False):
            continue
        fn = dbusmock.mockobject.loggedmethod(mock, fn)
        setattr(mock.__class__, symbol, fn)
        mock.methods.setdefault(fn._dbus_interface, {})[symbol] = (
            fn._dbus_in_signature, fn._dbus_out_signature, '', fn)


def load(mock, parameters):
    global _base  # pylint: disable=global-statement
    # Loaded as dbusmock loads templates (exec, no import): no __pycache__ in the source tree.
    path = parameters['base_template']
    _base = types.ModuleType('dbusmock_modemmanager')
    _base.__file__ = path
    with open(path, encoding='utf-8') as source:
        exec(compile(source.read(), path, 'exec'), _base.__dict__)  # pylint: disable=exec-used
    _add_methods(mock, _base)
    _base.load(mock, parameters)
    import dbusmock.mockobject  # pylint: disable=import-outside-toplevel
    account = PrepaidAccount(parameters.get('account', {}))
    for index in range(len(parameters.get('modems', []))):
        modem = dbusmock.mockobject.objects[f'{MAIN_OBJ}/Modem/{index}']
        modem.mm_ussd_script = account
    # A modem that follows the card returns as a new object built from its spec.
    for follower in _base._followers.values():  # pylint: disable=protected-access
        follower['spec']['ussd_script'] = account
