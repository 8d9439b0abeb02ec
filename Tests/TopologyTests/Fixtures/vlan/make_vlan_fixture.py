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
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from netlink_fixture import COMMON, LOOPBACK, NESTED, UP, attr, link, message, write  # noqa: E402

os.chdir(os.path.dirname(os.path.abspath(__file__)))


def vlan_info(vid, protocol):
    data = attr(1, struct.pack("<H", vid)) + attr(5, struct.pack(">H", protocol))
    return attr(18 | NESTED, attr(1, b"vlan\0") + attr(2 | NESTED, data))


common = COMMON
mac = lambda last: attr(1, bytes([0x02, 0, 0, 0, 0x21, last]))

write([
    LOOPBACK,
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
])

