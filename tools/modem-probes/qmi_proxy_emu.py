#!/usr/bin/env python3
"""Minimal qmi-proxy emulator probe (research only, not product code).
Listens on the abstract unix socket "qmi-proxy" (run inside `unshare -n`, where
abstract sockets are private), logs every QMUX frame, and answers:
  CTL 0xFF00 Internal Proxy Open, CTL 0x0022 Allocate CID, CTL 0x0023 Release CID,
  CTL 0x0021 Get Version Info, CTL 0x0027 Sync (plain success),
  UIM 0x002F Get Card Status, 0x0047 Get Slot Status,
  UIM 0x0042 Open Logical Channel, 0x003F Logical Channel (close), 0x003B Send APDU.
"""
import socket, struct, sys

LOG = sys.stderr
def hexs(b): return b.hex()

def tlvs_parse(b):
    out, i = {}, 0
    while i + 3 <= len(b):
        t, l = b[i], struct.unpack_from('<H', b, i + 1)[0]
        out[t] = b[i + 3:i + 3 + l]; i += 3 + l
    return out

def tlv(t, v): return struct.pack('<BH', t, len(v)) + v
def result(err=0): return tlv(0x02, struct.pack('<HH', 1 if err else 0, err))

def frame(service, cid, payload):
    # QMUX: 0x01 | u16 len (without the 0x01) | flags 0x80 (from service) | service | cid
    return struct.pack('<BHBBB', 1, 5 + len(payload), 0x80, service, cid) + payload

next_cid = {}
channels = {}

def handle(conn, data):
    svc, cid = data[4], data[5]
    if svc == 0:  # CTL: flags u8, txn u8, msg u16, len u16
        flags, txn, msg, ln = struct.unpack_from('<BBHH', data, 6)
        t = tlvs_parse(data[12:12 + ln])
        print(f'CTL req msg=0x{msg:04x} txn={txn} tlvs={ {hex(k): hexs(v) for k, v in t.items()} }', file=LOG)
        body = result()
        if msg == 0x0022:  # Allocate CID: in TLV 0x01 service u8; out TLV 0x01 service u8, cid u8
            s = t[0x01][0]; next_cid[s] = next_cid.get(s, 0) + 1
            body += tlv(0x01, bytes([s, next_cid[s]]))
        elif msg == 0x0023:  # Release CID: echo TLV 0x01 service, cid
            body += tlv(0x01, t[0x01])
        elif msg == 0x0021:  # Get Version Info: TLV 0x01 = u8 count + (service u8, major u16, minor u16)*
            vs = [(0, 1, 5), (0x0B, 1, 40)]
            body += tlv(0x01, bytes([len(vs)]) + b''.join(struct.pack('<BHH', *v) for v in vs))
        payload = struct.pack('<BBHH', 0x01, txn, msg, len(body)) + body
    else:  # service: flags u8, txn u16, msg u16, len u16
        flags, txn, msg, ln = struct.unpack_from('<BHHH', data, 6)
        t = tlvs_parse(data[13:13 + ln])
        print(f'SVC 0x{svc:02x} cid={cid} msg=0x{msg:04x} txn={txn} tlvs={ {hex(k): hexs(v) for k, v in t.items()} }', file=LOG)
        body = result()
        if svc == 0x0B and msg == 0x002F:  # UIM Get Card Status
            app = bytes([2, 7, 2, 0, 0, 0]) + bytes([2]) + b'\xa0\x00' + bytes([0, 2, 3, 10, 2, 3, 10])  # USIM ready (short AID for brevity)
            card = bytes([1, 2, 3, 10, 0]) + bytes([1]) + app  # present, UPIN..., 1 app
            body += tlv(0x10, struct.pack('<HHHH', 0, 0xFFFF, 0xFFFF, 0xFFFF) + bytes([1]) + card)
        elif svc == 0x0B and msg == 0x0047:  # UIM Get Slot Status
            iccid = bytes.fromhex('98109909002143658739')
            body += tlv(0x10, bytes([1]) + struct.pack('<II', 2, 1) + bytes([1, len(iccid)]) + iccid)
            atr = bytes.fromhex('3b9f96803fc7828031e073fe211f65d002341512810fcd')
            body += tlv(0x11, bytes([1]) + struct.pack('<I', 2) + bytes([1, len(atr)]) + atr + bytes([1]))
            eid = bytes.fromhex('89049032123451234512345678901235')
            body += tlv(0x12, bytes([1, len(eid)]) + eid)
        elif svc == 0x0B and msg == 0x0042:  # Open Logical Channel -> channel id TLV 0x10, card result 0x11
            ch = 1 + len(channels); channels[ch] = t.get(0x10)
            body += tlv(0x10, bytes([ch])) + tlv(0x11, b'\x90\x00')
        elif svc == 0x0B and msg == 0x003F:  # Logical Channel (close: TLV 0x11 channel id)
            channels.pop(t.get(0x11, b'\x00')[0], None)
        elif svc == 0x0B and msg == 0x003B:  # Send APDU -> TLV 0x10 u16-len array
            resp = b'\x90\x00'
            body += tlv(0x10, struct.pack('<H', len(resp)) + resp)
        elif svc == 0x0B and msg in (0x002E, 0x0030, 0x0031):  # Register Events / Power Off / Power On
            if msg == 0x002E: body += tlv(0x10, t.get(0x01, b'\0\0\0\0'))  # echo the event mask
        elif svc == 0x0B:
            body = result(0x47)  # InvalidQmiCommand
        payload = struct.pack('<BHHH', 0x02, txn, msg, len(body)) + body
    conn.sendall(frame(svc, cid, payload))

def main():
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind('\0qmi-proxy'); srv.listen(4)
    print('listening on @qmi-proxy', file=LOG, flush=True)
    while True:
        conn, _ = srv.accept()
        buf = b''
        while True:
            d = conn.recv(4096)
            if not d: break
            buf += d
            while len(buf) >= 3 and len(buf) >= 1 + struct.unpack_from('<H', buf, 1)[0]:
                n = 1 + struct.unpack_from('<H', buf, 1)[0]
                print('RAW', hexs(buf[:n]), file=LOG)
                handle(conn, buf[:n]); buf = buf[n:]
        conn.close(); print('client gone', file=LOG, flush=True)

if __name__ == '__main__':
    main()
