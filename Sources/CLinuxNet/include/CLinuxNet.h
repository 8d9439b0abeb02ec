// C shims for the Linux networking calls and macros that Swift cannot import directly.
// Every symbol is prefixed CLinuxNet_ so it cannot collide with libc. The definitions live in CLinuxNet.c,
// which is compiled with _GNU_SOURCE; this header uses only basic types so that Swift's importer does not
// see a second, differently configured copy of the libc headers.
#ifndef CLINUXNET_H
#define CLINUXNET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/// What the kernel tells about one received frame besides its bytes.
typedef struct {
    int ifindex;
    int pkttype;
    int vlan_valid;
    uint16_t vlan_tci;
    uint16_t vlan_tpid;
    size_t frame_length;
    /// When the kernel received the frame (CLOCK_REALTIME ns, SO_TIMESTAMPNS), 0 when not reported.
    uint64_t kernel_time_ns;
} CLinuxNet_packet_info;

/// The calling thread's errno.
int CLinuxNet_errno(void);

/// Switches the calling thread into the namespace behind `fd`. The corresponding C function is `setns`.
int CLinuxNet_setns(int fd, int nstype);

/// CLONE_NEWNET, which Swift imports as a macro it cannot see.
int CLinuxNet_CLONE_NEWNET(void);

/// The kernel thread id of the caller.
pid_t CLinuxNet_gettid(void);

/// Opens a Unix datagram socket connected to `path` (a syslog socket such as /dev/log); -1 with errno on failure.
int CLinuxNet_unix_datagram_connect(const char *path);

/// Opens an AF_PACKET raw socket for `protocol` (host byte order, e.g. ETH_P_ALL).
int CLinuxNet_packet_socket(uint16_t protocol);

/// Binds an AF_PACKET socket to one interface and protocol.
int CLinuxNet_packet_bind(int fd, int ifindex, uint16_t protocol);

/// Asks the kernel for PACKET_AUXDATA (VLAN tag and status) on every received frame.
int CLinuxNet_packet_enable_auxdata(int fd);

/// Asks the kernel for a receive timestamp (SO_TIMESTAMPNS) on every received frame.
int CLinuxNet_packet_enable_timestamps(int fd);

/// Sends one complete Ethernet frame out of interface `ifindex`.
ssize_t CLinuxNet_packet_send(int fd, int ifindex, const void *frame, size_t length);

/// Receives one frame with its auxiliary data. The corresponding C function is `recvmsg`.
ssize_t CLinuxNet_packet_recv(int fd, void *buffer, size_t capacity, CLinuxNet_packet_info *info);

/// Attaches a classic BPF program (`count` instructions of 8 bytes: code, jt, jf, k) to a socket, so the kernel
/// queues only the frames it accepts. The corresponding C function is `setsockopt(SO_ATTACH_FILTER)`.
int CLinuxNet_attach_filter(int fd, const void *instructions, uint16_t count);

/// Reads an interface's index and flags in the calling thread's namespace, without listing addresses.
/// The corresponding C functions are `if_nametoindex` and `ioctl(SIOCGIFFLAGS)`.
int CLinuxNet_interface_index_and_flags(const char *name, int *index, int *flags);

/// A packet socket's receive ring (PACKET_RX_RING, TPACKET_V2) mapped into this process: the kernel writes each
/// frame with its timestamp (taken when the frame passed, like libpcap's) and its interface into the next slot.
typedef struct {
    void *memory;
    size_t size;
    unsigned block_size;
    unsigned frame_size;
    unsigned frames_per_block;
    unsigned frame_count;
    unsigned next;
} CLinuxNet_packet_ring;

/// Sets up and maps a TPACKET_V2 receive ring of at least `bytes` for frames of up to `frame_bytes` captured
/// bytes. The corresponding C functions are `setsockopt(PACKET_VERSION, PACKET_RX_RING)` and `mmap`.
int CLinuxNet_packet_ring_setup(int fd, unsigned frame_bytes, size_t bytes, CLinuxNet_packet_ring *ring);

/// Copies the next frame the kernel put in the ring into `buffer` and hands its slot back: the captured length,
/// or -1 with errno EAGAIN when the next slot is empty.
ssize_t CLinuxNet_packet_ring_next(CLinuxNet_packet_ring *ring, void *buffer, size_t capacity, CLinuxNet_packet_info *info);

/// Unmaps the ring. The corresponding C function is `munmap`.
void CLinuxNet_packet_ring_release(CLinuxNet_packet_ring *ring);

/// The frames the socket's filter accepted and those it had to drop (ring full) since the last call: the kernel
/// resets its counters when they are read. The corresponding C function is `getsockopt(PACKET_STATISTICS)`.
int CLinuxNet_packet_statistics(int fd, unsigned *packets, unsigned *drops);

/// Opens a raw IPv4 socket for ICMP that queues only echo replies (the kernel writes the IP header). The corresponding C function is
/// `socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)`.
int CLinuxNet_icmp_socket(void);

/// Sends one ICMP message to `destination` (network byte order) through the kernel's routing.
/// The corresponding C function is `sendto` with a `sockaddr_in`.
ssize_t CLinuxNet_icmp_send(int fd, uint32_t destination, const void *message, size_t length);

/// Opens a non-blocking IPv4 TCP (`stream` 1) or UDP (0) socket bound to `source_port` (host order).
/// The corresponding C functions are `socket(AF_INET, ...)` and `bind`.
int CLinuxNet_inet_socket(int stream, uint16_t source_port);

/// Starts connecting `fd` to `destination` (network byte order) port `port` (host order); a non-blocking
/// TCP socket returns -1 with EINPROGRESS. The corresponding C function is `connect` with a `sockaddr_in`.
int CLinuxNet_inet_connect(int fd, uint32_t destination, uint16_t port);

/// The pending error of `fd` (0 when none). The corresponding C function is `getsockopt(SO_ERROR)`.
int CLinuxNet_socket_error(int fd);

/// Waits up to `timeout_ms` for `events` (POLLIN 1, POLLOUT 4) on `fd`: the returned events (POLLERR 8 and
/// POLLHUP 16 included), 0 on timeout, -1 on error. The corresponding C function is `poll`.
int CLinuxNet_poll_events(int fd, short events, int timeout_ms);

/// Waits up to `timeout_ms` for `fd` to become readable: 1 readable, 0 timeout, -1 error.
int CLinuxNet_wait_readable(int fd, int wake_fd, int timeout_ms);

/// The interface index of `name` in the calling thread's network namespace, or 0.
unsigned CLinuxNet_if_nametoindex(const char *name);

int CLinuxNet_netlink_socket(int protocol);

int CLinuxNet_netlink_bind(int fd, uint32_t groups);

ssize_t CLinuxNet_netlink_send(int fd, const void *buf, size_t len);

ssize_t CLinuxNet_recv(int fd, void *buf, size_t len, int flags);

int CLinuxNet_set_socket_option_int(int fd, int level, int name, int value);

int CLinuxNet_SOL_NETLINK(void);

int CLinuxNet_NETLINK_GET_STRICT_CHK(void);

int CLinuxNet_NETLINK_EXT_ACK(void);

uint32_t CLinuxNet_NLMSG_ALIGN(uint32_t len);

uint32_t CLinuxNet_RTA_ALIGN(uint32_t len);

uint32_t CLinuxNet_NLMSG_HDRLEN(void);

/// What one interface is: hardware address, MTU, flags and up to 8 IPv4 addresses with their netmasks
/// (network byte order).
typedef struct {
    uint8_t mac[6];
    int mtu;
    int flags;
    int ipv4_count;
    uint32_t ipv4[8];
    uint32_t ipv4_netmask[8];
} CLinuxNet_interface_facts;

/// Reads `facts` for `name` in the calling thread's namespace (ioctls SIOCGIFHWADDR, SIOCGIFMTU, SIOCGIFFLAGS,
/// then `getifaddrs`). Returns 0, or -1 with errno set (ENODEV when there is no such interface).
int CLinuxNet_read_interface_facts(const char *name, CLinuxNet_interface_facts *facts);

/// Blocks SIGINT and SIGTERM in the calling thread (new threads inherit the mask).
int CLinuxNet_block_termination_signals(void);

/// Waits for SIGINT, SIGTERM or SIGHUP (which must be blocked) and returns its number.
int CLinuxNet_wait_termination_signal(void);

/// Creates a non-blocking, close-on-exec pipe used to wake poll loops.
int CLinuxNet_pipe(int fds[2]);

/// Monotonic clock in nanoseconds.
uint64_t CLinuxNet_monotonic_ns(void);

/// Wall clock (CLOCK_REALTIME) in nanoseconds, the clock pcap timestamps use.
uint64_t CLinuxNet_realtime_ns(void);

/// Writes the interface names of the calling thread's namespace, NUL-separated, into `buffer`.
ssize_t CLinuxNet_interface_names(char *buffer, size_t capacity);

/// Starts `path` with `argv` (NULL-terminated) and the caller's environment, with `stdin_fd`, `stdout_fd` and
/// `stderr_fd` as its standard streams, an empty signal mask and default dispositions for the termination
/// signals (lxcdiag blocks them in every thread of its own). Returns 0 and a pid, or an errno value.
///
/// The pid is the tool's guardian: a forked copy of the caller that leads a new process group, runs the tool
/// in it and exits with the tool's status (128 + the signal number when the tool was killed). When the
/// caller's process ends first, also by SIGKILL, the guardian kills its whole group: the tool and whatever
/// the tool started in it (lxc-create's template script, say). Reap and kill the pid as if it were the tool.
int CLinuxNet_spawn(const char *path, char *const argv[], int stdin_fd, int stdout_fd, int stderr_fd, pid_t *pid);

/// Sends `signal` to the process group `group` (a pid returned by CLinuxNet_spawn).
int CLinuxNet_kill_group(pid_t group, int signal);

/// Waits for `pid` without blocking: 1 and its raw wait status when it has ended, 0 while it runs, -1 on error.
int CLinuxNet_reap(pid_t pid, int *status);

/// Decodes a raw wait status: the exit code, or 128 + the signal number for a killed process.
int CLinuxNet_exit_code(int status);

/// Sends SIGKILL to the process group `pid` leads (a pid returned by CLinuxNet_spawn): the tool and its children.
int CLinuxNet_kill(pid_t pid);

/// Creates a close-on-exec pipe (blocking ends).
int CLinuxNet_pipe_blocking(int fds[2]);

/// Waits up to `timeout_ms` for any of `count` descriptors to be readable or hung up; marks them in `ready`.
int CLinuxNet_poll_readable(const int *fds, int count, int timeout_ms, int *ready);

#endif
