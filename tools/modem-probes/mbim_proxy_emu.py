#!/usr/bin/env python3
"""Minimal mbim-proxy emulator probe (research only). Listens on abstract "mbim-proxy"
(run inside `unshare -n`), logs every MBIM message and answers OPEN/CLOSE, proxy-control
Configuration, Basic Connect Device Caps, MS BCE Slot Info Status / Device Slot Mappings,
MS UICC LLA Open Channel / APDU / Close Channel / ATR."""
import socket, struct, sys, uuid

LOG = sys.stderr
BC   = uuid.UUID('a289cc33-bcbb-8b4f-b6b0-133ec2aae6df').bytes
PROXY= uuid.UUID('838cf7fb-8d0d-4d7f-871e-d71dbefbb39b').bytes
BCE  = uuid.UUID('3d01dcc5-fef5-4d05-0d3a-bef7058e9aaf').bytes
LLA  = uuid.UUID('c2f6588e-f037-4bc9-8665-f4d44bd09367').bytes
NAMES = {BC: 'basic-connect', PROXY: 'proxy-control', BCE: 'ms-bce', LLA: 'ms-uicc-lla'}

def pad4(b): return b + b'\0' * (-len(b) % 4)

def build(fixed_fields, blobs):
    """fixed_fields: list of ('u32', v) or ('ref', idx) (offset,size) or ('uref', idx) (size,offset)."""
    fixed_len = sum(4 if k == 'u32' else 8 for k, _ in fixed_fields)
    data, offs = b'', []
    for b in blobs:
        offs.append(fixed_len + len(data) if b else 0); data += pad4(b)
    out = b''
    for k, v in fixed_fields:
        if k == 'u32': out += struct.pack('<I', v)
        elif k == 'ref': out += struct.pack('<II', offs[v], len(blobs[v]))
        else: out += struct.pack('<II', len(blobs[v]), offs[v])
    return out + data

def utf16(s): return s.encode('utf-16-le')

def command_done(txn, svc, cid, status, info):
    body = struct.pack('<II', 1, 0) + svc + struct.pack('<III', cid, status, len(info)) + info
    return struct.pack('<III', 0x80000003, 12 + len(body), txn) + body

channels = {}
SW9000 = 0x90 | (0x00 << 8)  # Status u32 = SW1 | SW2<<8 (MM: UICC_STATUS_OK 144; lpac copy_data_with_status)
def handle(msg):
    mtype, mlen, txn = struct.unpack_from('<III', msg)
    if mtype == 1:   # OPEN
        print(f'OPEN txn={txn} max_ctrl={struct.unpack_from("<I", msg, 12)[0]}', file=LOG)
        return struct.pack('<IIII', 0x80000001, 16, txn, 0)
    if mtype == 2:   # CLOSE
        print(f'CLOSE txn={txn}', file=LOG)
        return struct.pack('<IIII', 0x80000002, 16, txn, 0)
    if mtype != 3:
        print(f'type 0x{mtype:x} ignored', file=LOG); return None
    svc = msg[20:36]; cid, ctype, ilen = struct.unpack_from('<III', msg, 36); info = msg[48:48 + ilen]
    print(f'COMMAND txn={txn} svc={NAMES.get(svc, svc.hex())} cid={cid} {"set" if ctype else "query"} info={info.hex()}', file=LOG)
    if svc == PROXY and cid == 1:
        off, size = struct.unpack_from('<II', info); tmo = struct.unpack_from('<I', info, 8)[0]
        print(f'   proxy config: path={info[off:off+size].decode("utf-16-le")!r} timeout={tmo}', file=LOG)
        return command_done(txn, svc, cid, 0, b'')
    if svc == BC and cid == 1:  # Device Caps
        info = build([('u32', 1), ('u32', 1), ('u32', 1), ('u32', 2), ('u32', 0x3f), ('u32', 3), ('u32', 1), ('u32', 8),
                      ('ref', 0), ('ref', 1), ('ref', 2), ('ref', 3)],
                     [b'', utf16('861234567890123'), utf16('EMU.1.0'), utf16('euiccd-emu')])
        return command_done(txn, svc, cid, 0, info)
    if svc == BCE and cid == 8:  # Slot Info Status: SlotIndex u32, State u32 (7 = active-esim)
        return command_done(txn, svc, cid, 0, struct.pack('<II', struct.unpack_from('<I', info)[0], 7))
    if svc == BCE and cid == 7:  # Device Slot Mappings query: MapCount u32, ref-struct-array of SlotIndex u32
        return command_done(txn, svc, cid, 0, struct.pack('<IIII', 1, 12, 4, 0))
    if svc == LLA and cid == 1:  # ATR: byte array
        return command_done(txn, svc, cid, 0, build([('uref', 0)], [bytes.fromhex('3B9F96803FC7828031E073FE211F65D002341512810FCD')]))  # 1.28: uicc-ref-byte-array (size, offset)
    if svc == LLA and cid == 2:  # Open Channel -> Status u32, Channel u32, Response uref
        ch = 1 + len(channels); channels[ch] = True
        return command_done(txn, svc, cid, 0, build([('u32', SW9000), ('u32', ch), ('uref', 0)], [b'']))
    if svc == LLA and cid == 3:
        return command_done(txn, svc, cid, 0, struct.pack('<I', SW9000))
    if svc == LLA and cid == 4:  # APDU -> Status u32, Response uref
        return command_done(txn, svc, cid, 0, build([('u32', SW9000), ('uref', 0)], [b'']))
    return command_done(txn, svc, cid, 9, b'')  # MBIM_STATUS_ERROR_NO_DEVICE_SUPPORT

def main():
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind('\0mbim-proxy'); srv.listen(4)
    print('listening on @mbim-proxy', file=LOG, flush=True)
    while True:
        conn, _ = srv.accept(); buf = b''
        while True:
            d = conn.recv(4096)
            if not d: break
            buf += d
            while len(buf) >= 12 and len(buf) >= struct.unpack_from('<I', buf, 4)[0]:
                n = struct.unpack_from('<I', buf, 4)[0]
                r = handle(buf[:n]); buf = buf[n:]
                if r: conn.sendall(r)
        conn.close(); print('client gone', file=LOG, flush=True)

if __name__ == '__main__':
    main()
