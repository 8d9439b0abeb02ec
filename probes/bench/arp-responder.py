"""A userspace ARP responder for the benchmark: answers who-has ADDRESS on IFACE for SECONDS, then exits.

Its replies leave from another process, after the request's sendto has returned, as a remote host's would;
a kernel responder behind a veth answers inside the sender's syscall instead. Plain sockets, no scapy.
Usage: arp-responder.py IFACE ADDRESS SECONDS
"""
import socket
import sys
import time

iface, address, seconds = sys.argv[1], socket.inet_aton(sys.argv[2]), float(sys.argv[3])
sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
sock.bind((iface, 0))
mac = sock.getsockname()[4]
sock.settimeout(0.2)
end = time.monotonic() + seconds
while time.monotonic() < end:
    try:
        frame = sock.recv(2048)
    except socket.timeout:
        continue
    if len(frame) < 42 or frame[12:14] != b"\x08\x06" or frame[20:22] != b"\x00\x01" or frame[38:42] != address:
        continue
    asker_mac, asker_ip = frame[22:28], frame[28:32]
    sock.send(asker_mac + mac + b"\x08\x06\x00\x01\x08\x00\x06\x04\x00\x02" + mac + address + asker_mac + asker_ip)
