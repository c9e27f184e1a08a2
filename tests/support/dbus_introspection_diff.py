#!/usr/bin/python3
"""Compares the org.euiccd1.* interfaces of a live introspection with the contract XML.

usage: dbus_introspection_diff.py CONTRACT.xml LIVE.xml

Every org.euiccd1.* interface in LIVE must equal the one of that name in CONTRACT: the same
methods (argument names, types and directions in order), properties (type, access, and the
EmitsChangedSignal annotation) and signals. Comments and formatting do not matter. Prints the
differences and exits 1 when there are any; exits 0 when they match.
"""
import sys
import xml.etree.ElementTree as ET

EMITS = 'org.freedesktop.DBus.Property.EmitsChangedSignal'


def describe(iface):
    out = {}
    for m in iface.findall('method'):
        args = [(a.get('name'), a.get('type'), a.get('direction', 'in')) for a in m.findall('arg')]
        out['method ' + m.get('name')] = args
    for p in iface.findall('property'):
        emits = 'true'
        for a in p.findall('annotation'):
            if a.get('name') == EMITS:
                emits = a.get('value')
        out['property ' + p.get('name')] = (p.get('type'), p.get('access'), emits)
    for s in iface.findall('signal'):
        out['signal ' + s.get('name')] = [(a.get('name'), a.get('type')) for a in s.findall('arg')]
    return out


def interfaces(path):
    root = ET.parse(path).getroot()
    return {i.get('name'): describe(i) for i in root.findall('interface')
            if i.get('name', '').startswith('org.euiccd1.')}


def main():
    contract, live = interfaces(sys.argv[1]), interfaces(sys.argv[2])
    problems = []
    if not live:
        problems.append('the live object has no org.euiccd1 interface')
    for name, members in live.items():
        if name not in contract:
            problems.append(f'{name}: not in the contract')
            continue
        want = contract[name]
        for key in sorted(set(want) | set(members)):
            if key not in members:
                problems.append(f'{name}: {key} missing from the daemon')
            elif key not in want:
                problems.append(f'{name}: {key} not in the contract')
            elif want[key] != members[key]:
                problems.append(f'{name}: {key}: contract {want[key]} != daemon {members[key]}')
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
