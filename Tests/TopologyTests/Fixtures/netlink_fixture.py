"""Shared by the hand-made rtnetlink fixtures (vlan/, ipvlan/): encoders of the kernel's uapi layout.

  linux/netlink.h   struct nlmsghdr { u32 len; u16 type; u16 flags; u32 seq; u32 pid; }, NLMSG_DONE = 3
  linux/rtnetlink.h struct ifinfomsg { u8 family; u8 pad; u16 type; s32 index; u32 flags; u32 change; },
                    RTM_NEWLINK = 16, struct rtattr { u16 len; u16 type; } padded to 4 bytes
Host byte order is little-endian (x86-64), as the recorded fixtures. Written independently of lxcdiag's Swift
encoder.
"""
import struct

SEQ = 1
NESTED = 0x8000
UP = 0x1 | 0x2 | 0x40 | 0x1000 | 0x10000  # IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST | IFF_LOWER_UP


def attr(kind, payload):
    length = 4 + len(payload)
    return struct.pack("<HH", length, kind) + payload + b"\0" * ((4 - length % 4) % 4)


def message(kind, flags, payload):
    return struct.pack("<IHHII", 16 + len(payload), kind, flags, SEQ, 0) + payload


def link(index, name, arphrd, flags, attrs):
    ifinfomsg = struct.pack("<BBHiII", 0, 0, arphrd, index, flags, 0)
    body = attr(3, name.encode() + b"\0") + b"".join(attrs)
    return message(16, 2, ifinfomsg + body)


# IFLA_MTU 1500, IFLA_OPERSTATE up (6), IFLA_CARRIER 1.
COMMON = [attr(4, struct.pack("<I", 1500)), attr(16, bytes([6])), attr(33, bytes([1]))]
LOOPBACK = link(1, "lo", 772, 0x1 | 0x8 | 0x10000, [attr(4, struct.pack("<I", 65536)), attr(16, bytes([0]))])
DONE = message(3, 2, struct.pack("<i", 0))


def write(links):
    """Writes links.bin (the links, then NLMSG_DONE) and empty addresses/routes/neighbours/fdb dumps."""
    open("links.bin", "wb").write(b"".join(links) + DONE)
    for name in ["addresses", "routes", "neighbours", "fdb"]:
        open(f"{name}.bin", "wb").write(DONE)
