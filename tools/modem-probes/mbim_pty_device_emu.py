#!/usr/bin/env python3
"""Probe: emulate the MBIM *device* on a pty so Debian's real /usr/libexec/mbim-proxy sits in
between. Symlinks the pty to argv[1]. Reuses the handlers of mbim_proxy_emu.py."""
import os, pty, tty, struct, sys, select
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mbim_proxy_emu as emu

m, s = pty.openpty(); tty.setraw(s); name = os.ttyname(s)
if len(sys.argv) > 1:
    if os.path.lexists(sys.argv[1]): os.unlink(sys.argv[1])
    os.symlink(name, sys.argv[1])
print(f'device pty {name}', file=sys.stderr, flush=True)
buf = b''
while True:
    select.select([m], [], [])
    try: d = os.read(m, 4096)
    except OSError: continue
    buf += d
    while len(buf) >= 12 and len(buf) >= struct.unpack_from('<I', buf, 4)[0]:
        n = struct.unpack_from('<I', buf, 4)[0]
        r = emu.handle(buf[:n]); buf = buf[n:]
        if r: os.write(m, r)
