#!/usr/bin/env python3
"""Probe: emulate the QMI *device* (raw QMUX on a pty) instead of the proxy, so that Debian's
real /usr/libexec/qmi-proxy sits between clients and the emulator. Prints the pty path, or
symlinks it to argv[1]. Reuses the handlers of qmi_proxy_emu.py."""
import os, pty, tty, struct, sys, select
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qmi_proxy_emu as emu

class PtyConn:
    def __init__(self, fd): self.fd = fd
    def sendall(self, b): os.write(self.fd, b)

m, s = pty.openpty()
tty.setraw(s)                      # raw line discipline: no echo, no CR/LF mangling
name = os.ttyname(s)
if len(sys.argv) > 1:
    if os.path.lexists(sys.argv[1]): os.unlink(sys.argv[1])
    os.symlink(name, sys.argv[1])
print(f'device pty {name}', file=sys.stderr, flush=True)
conn, buf = PtyConn(m), b''
while True:
    select.select([m], [], [])
    try: d = os.read(m, 4096)
    except OSError: continue       # EIO while no one has the slave open
    buf += d
    while len(buf) >= 3 and len(buf) >= 1 + struct.unpack_from('<H', buf, 1)[0]:
        n = 1 + struct.unpack_from('<H', buf, 1)[0]
        print('RAW', buf[:n].hex(), file=sys.stderr)
        emu.handle(conn, buf[:n]); buf = buf[n:]
