#!/usr/bin/env python3
"""Hand-crafts an RTM_GETLINK dump reply with 802.1Q and 802.1ad VLAN devices.

The test kernel is built without CONFIG_VLAN_8021Q, so no VLAN device can be created to record. These bytes
follow the layout in the kernel's uapi headers instead (written independently of lxcdiag's Swift encoder):
  linux/netlink.h   struct nlmsghdr { u32 len; u16 type; u16 flags; u32 seq; u32 pid; }, NLMSG_DONE = 3
  linux/rtnetlink.h struct ifinfomsg { u8 family; u8 pad; u16 type; s32 index; u32 flags; u32 change; },
                    RTM_NEWLINK = 16, struct rtattr { u16 len; u16 type; } padded to 4 bytes
  linux/if_link.h   IFLA_ADDRESS 1, IFLA_IFNAME 3, IFLA_MTU 4, IFLA_LINK 5, IFLA_MASTER 10, IFLA_OPERSTATE 16,
                    IFLA_LINKINFO 18 { IFLA_INFO_KIND 1, IFLA_INFO_DATA 2, IFLA_INFO_SLAVE_KIND 4,
                    IFLA_INFO_SLAVE_DATA 5 }, IFLA_CARRIER 33, IFLA_VLAN_ID 1 (u16, host order),
                    IFLA_VLAN_PROTOCOL 5 (__be16), IFLA_BR_FORWARD_DELAY 1, IFLA_BR_STP_STATE 5,
                    IFLA_BR_VLAN_FILTERING 7, IFLA_BR_VLAN_DEFAULT_PVID 39, IFLA_BRPORT_STATE 1
Host byte order is little-endian (x86-64), as the recorded fixtures.
Run: python3 make_vlan_fixture.py  (writes links.bin and empty addresses/routes/neighbours/fdb dumps)
"""
import struct

SEQ = 1
NESTED = 0x8000


def attr(kind, payload):
    length = 4 + len(payload)
    return struct.pack("<HH", length, kind) + payload + b"\0" * ((4 - length % 4) % 4)


def message(kind, flags, payload):
    return struct.pack("<IHHII", 16 + len(payload), kind, flags, SEQ, 0) + payload


def link(index, name, arphrd, flags, attrs):
    ifinfomsg = struct.pack("<BBHiII", 0, 0, arphrd, index, flags, 0)
    body = attr(3, name.encode() + b"\0") + b"".join(attrs)
    return message(16, 2, ifinfomsg + body)


def vlan_info(vid, protocol):
    data = attr(1, struct.pack("<H", vid)) + attr(5, struct.pack(">H", protocol))
    return attr(18 | NESTED, attr(1, b"vlan\0") + attr(2 | NESTED, data))


UP = 0x1 | 0x2 | 0x40 | 0x1000 | 0x10000  # IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST | IFF_LOWER_UP
common = [attr(4, struct.pack("<I", 1500)), attr(16, bytes([6])), attr(33, bytes([1]))]
mac = lambda last: attr(1, bytes([0x02, 0, 0, 0, 0x21, last]))

links = b"".join([
    link(1, "lo", 772, 0x1 | 0x8 | 0x10000, [attr(4, struct.pack("<I", 65536)), attr(16, bytes([0]))]),
    link(2, "em1", 1, UP, [mac(1)] + common),
    # em1.211: 802.1Q id 211 on em1, enslaved to br0 and forwarding.
    link(3, "em1.211", 1, UP, [mac(1), attr(5, struct.pack("<i", 2)), attr(10, struct.pack("<i", 4))] + common + [
        attr(18 | NESTED,
             attr(1, b"vlan\0")
             + attr(2 | NESTED, attr(1, struct.pack("<H", 211)) + attr(5, struct.pack(">H", 0x8100)))
             + attr(4, b"bridge\0")
             + attr(5 | NESTED, attr(1, bytes([3])))),
    ]),
    link(4, "br0", 1, UP, [mac(4)] + common + [
        attr(18 | NESTED,
             attr(1, b"bridge\0")
             + attr(2 | NESTED,
                    attr(1, struct.pack("<I", 1500)) + attr(5, struct.pack("<I", 0))
                    + attr(7, bytes([0])) + attr(39, struct.pack("<H", 1)))),
    ]),
    # em1.103: 802.1ad (QinQ outer tag) id 103 on em1, not enslaved.
    link(5, "em1.103", 1, UP, [mac(1), attr(5, struct.pack("<i", 2))] + common + [vlan_info(103, 0x88A8)]),
    message(3, 2, struct.pack("<i", 0)),
])

open("links.bin", "wb").write(links)
for name in ["addresses", "routes", "neighbours", "fdb"]:
    open(f"{name}.bin", "wb").write(message(3, 2, struct.pack("<i", 0)))
