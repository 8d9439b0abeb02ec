#!/usr/bin/env python3
"""Hand-crafts an RTM_GETLINK dump reply with ipvlan children, as Docker's ipvlan driver makes them.

The test kernel has no ipvlan (CONFIG_IPVLAN), so no child can be created to record. These bytes follow the
kernel's uapi headers (written independently of lxcdiag's Swift encoder):
  linux/netlink.h   struct nlmsghdr { u32 len; u16 type; u16 flags; u32 seq; u32 pid; }, NLMSG_DONE = 3
  linux/rtnetlink.h struct ifinfomsg { u8 family; u8 pad; u16 type; s32 index; u32 flags; u32 change; },
                    RTM_NEWLINK = 16, struct rtattr { u16 len; u16 type; } padded to 4 bytes
  linux/if_link.h   IFLA_ADDRESS 1, IFLA_IFNAME 3, IFLA_MTU 4, IFLA_LINK 5, IFLA_OPERSTATE 16, IFLA_LINKINFO 18
                    { IFLA_INFO_KIND 1, IFLA_INFO_DATA 2 }, IFLA_CARRIER 33,
                    IFLA_IPVLAN_MODE 1 (u16: IPVLAN_MODE_L2 0, L3 1, L3S 2), IFLA_IPVLAN_FLAGS 2 (u16:
                    IPVLAN_F_PRIVATE 0x01, IPVLAN_F_VEPA 0x02)
  linux/if.h        IFF_NOARP 0x80 (an L3-mode child is NOARP)
Host byte order is little-endian (x86-64), as the recorded fixtures.
Namespace: eth0 and eth1 (NICs); ipv-l2 (ipvlan l2 on eth0, Docker's default) and ipv-l3 (ipvlan l3 private on
eth1, Docker's ipvlan_mode=l3 with ipvlan_flag=private), each with its parent's MAC.
Run: python3 make_ipvlan_fixture.py  (writes links.bin and empty addresses/routes/neighbours/fdb dumps)
"""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from netlink_fixture import COMMON, LOOPBACK, NESTED, UP, attr, link, message, write  # noqa: E402

os.chdir(os.path.dirname(os.path.abspath(__file__)))


def ipvlan_info(mode, flags):
    data = attr(1, struct.pack("<H", mode)) + attr(2, struct.pack("<H", flags))
    return attr(18 | NESTED, attr(1, b"ipvlan\0") + attr(2 | NESTED, data))


NOARP = 0x80
common = COMMON
mac = lambda last: attr(1, bytes([0x02, 0, 0, 0, 0x31, last]))

write([
    LOOPBACK,
    link(2, "eth0", 1, UP, [mac(2)] + common),
    link(3, "eth1", 1, UP, [mac(3)] + common),
    link(4, "ipv-l2", 1, UP, [mac(2), attr(5, struct.pack("<i", 2))] + common + [ipvlan_info(0, 0)]),
    link(5, "ipv-l3", 1, UP | NOARP, [mac(3), attr(5, struct.pack("<i", 3))] + common + [ipvlan_info(1, 0x01)]),
])

