#!/usr/bin/python3
"""dhcp_tool.py - a scripted DHCP client for the integration tests.

Builds exactly the packets a test needs (PXE options, bad encodings) and
prints every reply as one JSON object per line, so shell tests can check
fields with grep/python. Runs inside a client namespace.

  dhcp_tool.py discover IFACE MAC[,MAC...] [--pxe] [--arch N] [--wait S] [--first]
  dhcp_tool.py request IFACE MAC --ciaddr IP --server IP [--port 4011] [--pxe] [--arch N]
  dhcp_tool.py malformed IFACE MAC          # one of each bad packet, broadcast to 67
  dhcp_tool.py sniff IFACE                  # print "MAC IP" for every DHCPACK seen
"""
import argparse
import json
import random
import socket
import struct
import sys
import time

MAGIC = b"\x63\x82\x53\x63"


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def header(mac, xid, ciaddr="0.0.0.0", flags=0x8000):
    return struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 0, flags,
                       socket.inet_aton(ciaddr), bytes(4), bytes(4), bytes(4),
                       mac_bytes(mac).ljust(16, b"\0"), bytes(64), bytes(128))


def opt(code, data):
    return bytes([code, len(data)]) + data


def request_options(msg_type, pxe, arch):
    o = opt(53, bytes([msg_type])) + opt(55, bytes([1, 3, 6, 43, 60, 66, 67, 97]))
    if arch is not None:
        o += opt(93, struct.pack("!H", arch))
    if pxe:
        o += opt(60, b"PXEClient:Arch:%05d:UNDI:002001" % (arch or 0))
        o += opt(97, bytes([0]) + bytes(range(1, 17)))
    return o


def packet(mac, xid, msg_type, pxe=False, arch=None, ciaddr="0.0.0.0"):
    return header(mac, xid, ciaddr) + MAGIC + request_options(msg_type, pxe, arch) + b"\xff"


def parse(buf):
    if len(buf) < 240 or buf[236:240] != MAGIC:
        return None
    r = {"op": buf[0], "xid": struct.unpack("!I", buf[4:8])[0],
         "ciaddr": socket.inet_ntoa(buf[12:16]), "yiaddr": socket.inet_ntoa(buf[16:20]),
         "siaddr": socket.inet_ntoa(buf[20:24]),
         "chaddr": ":".join("%02x" % b for b in buf[28:34]),
         "file": buf[108:236].split(b"\0")[0].decode("latin-1"), "opts": {}}
    i = 240
    while i < len(buf) and buf[i] != 255:
        if buf[i] == 0:
            i += 1
            continue
        if i + 1 >= len(buf):
            break
        code, ln = buf[i], buf[i + 1]
        r["opts"][str(code)] = buf[i + 2:i + 2 + ln].hex()
        i += 2 + ln
    r["type"] = int(r["opts"].get("53", "00"), 16)
    return r


def client_socket(iface, bind_addr="0.0.0.0", port=68):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    s.bind((bind_addr, port))
    return s


def collect(s, xid, wait, first=False):
    """Print every reply for xid that arrives within wait seconds."""
    end = time.monotonic() + wait
    n = 0
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return n
        s.settimeout(left)
        try:
            buf, src = s.recvfrom(4096)
        except socket.timeout:
            return n
        r = parse(buf)
        if r is None or r["op"] != 2 or r["xid"] != xid:
            continue
        r["from"] = "%s:%d" % src
        print(json.dumps(r), flush=True)
        n += 1
        if first:
            return n


def cmd_discover(a):
    """One DISCOVER per MAC (MAC may be a comma-separated list)."""
    s = client_socket(a.iface)
    missing = 0
    for mac in a.mac.split(","):
        xid = random.getrandbits(32)
        s.sendto(packet(mac, xid, 1, a.pxe, a.arch), ("255.255.255.255", 67))
        if not collect(s, xid, a.wait, a.first):
            missing += 1
    return 1 if missing else 0


def cmd_request(a):
    s = client_socket(a.iface, a.ciaddr, 68)
    xid = random.getrandbits(32)
    s.sendto(packet(a.mac, xid, 3, a.pxe, a.arch, a.ciaddr), (a.server, a.port))
    return 0 if collect(s, xid, a.wait) else 1


def malformed(mac):
    """(name, bytes) of packets a server must drop, never crash on."""
    good = packet(mac, 0x0BAD0001, 1, True, 0)
    base = header(mac, 0x0BAD0002) + MAGIC
    return [
        ("short", good[:200]),
        ("empty", b""),
        ("bad-cookie", good[:236] + b"\x63\x82\x53\x64" + good[240:]),
        ("truncated-option", base + opt(53, b"\x01") + b"\x0c\x40abc"),
        ("bad-length-53", base + b"\x35\x02\x01\x01\xff"),
        ("bad-overload", base + opt(53, b"\x01") + opt(52, b"\x07") + b"\xff"),
        ("overload-in-file", header(mac, 0x0BAD0003)[:108] + opt(52, b"\x01").ljust(128, b"\0")
         + MAGIC + opt(53, b"\x01") + opt(52, b"\x01") + b"\xff"),
        ("huge-57", base + opt(53, b"\x01") + opt(57, b"\xff\xff\xff") + b"\xff"),
        ("huge-61", base + opt(53, b"\x01") + opt(61, b"\x01" * 255) * 5 + opt(61, b"\x01")),
        ("huge-12", base + opt(53, b"\x01") + opt(12, b"A" * 255) * 4 + b"\x0c\x10"),
        ("no-msg-type", base + b"\xff"),
        ("hlen-17", good[:2] + b"\x11" + good[3:]),
    ]


def cmd_malformed(a):
    s = client_socket(a.iface)
    for name, pkt in malformed(a.mac):
        s.sendto(pkt, ("255.255.255.255", 67))
        print(name, len(pkt), flush=True)
        time.sleep(0.05)
    return 0


def cmd_sniff(a):
    """Every DHCPACK arriving on iface (any UDP port: relayed or not), as
    "chaddr yiaddr", flushed at once: what clients were promised."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.bind((a.iface, 0))
    while True:
        frame = s.recv(65535)
        ip = frame[14:]
        if len(ip) < 20 or ip[9] != 17:
            continue
        udp = ip[(ip[0] & 15) * 4:]
        r = parse(udp[8:])
        if r and r["op"] == 2 and r["type"] == 5:
            print(r["chaddr"], r["yiaddr"], flush=True)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("sniff").add_argument("iface")
    for name in ("discover", "request", "malformed"):
        q = sub.add_parser(name)
        q.add_argument("iface")
        q.add_argument("mac")
        q.add_argument("--first", action="store_true", help="stop at the first reply")
        q.add_argument("--pxe", action="store_true")
        q.add_argument("--arch", type=int)
        q.add_argument("--wait", type=float, default=3.0)
        if name == "request":
            q.add_argument("--ciaddr", required=True)
            q.add_argument("--server", required=True)
            q.add_argument("--port", type=int, default=4011)
    a = p.parse_args()
    cmds = {"discover": cmd_discover, "request": cmd_request, "malformed": cmd_malformed,
            "sniff": cmd_sniff}
    return cmds[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
