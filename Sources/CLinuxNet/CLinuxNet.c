// Definitions of the CLinuxNet shims, compiled with _GNU_SOURCE (see Package.swift).
#include "CLinuxNet.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/icmp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/if_bridge.h>
#include <linux/neighbour.h>
#include <linux/if_addr.h>
#include <linux/net_namespace.h>


/// The calling thread's errno.
int CLinuxNet_errno(void) { return errno; }

/// Switches the calling thread into the namespace behind `fd`. The corresponding C function is `setns`.
int CLinuxNet_setns(int fd, int nstype) { return setns(fd, nstype); }

/// CLONE_NEWNET, which Swift imports as a macro it cannot see.
int CLinuxNet_CLONE_NEWNET(void) { return CLONE_NEWNET; }

/// The kernel thread id of the caller.
pid_t CLinuxNet_gettid(void) { return (pid_t)syscall(SYS_gettid); }

/// Opens a Unix datagram socket connected to `path` (a syslog socket such as /dev/log); -1 with errno on failure,
/// ENAMETOOLONG when the path does not fit a sockaddr_un.
int CLinuxNet_unix_datagram_connect(const char *path) {
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(addr.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/// Opens an AF_PACKET raw socket for `protocol` (host byte order, e.g. ETH_P_ALL).
int CLinuxNet_packet_socket(uint16_t protocol) {
    return socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(protocol));
}

/// Binds an AF_PACKET socket to one interface and protocol.
int CLinuxNet_packet_bind(int fd, int ifindex, uint16_t protocol) {
    struct sockaddr_ll addr;
    memset(&addr, 0, sizeof(addr));
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(protocol);
    addr.sll_ifindex = ifindex;
    return bind(fd, (struct sockaddr *)&addr, sizeof(addr));
}

/// Asks the kernel for PACKET_AUXDATA (VLAN tag and status) on every received frame.
int CLinuxNet_packet_enable_auxdata(int fd) {
    int one = 1;
    return setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one));
}

/// Asks the kernel for a receive timestamp (SO_TIMESTAMPNS) on every received frame.
int CLinuxNet_packet_enable_timestamps(int fd) {
    int one = 1;
    return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
}

/// Sends one complete Ethernet frame out of interface `ifindex`.
ssize_t CLinuxNet_packet_send(int fd, int ifindex, const void *frame, size_t length) {
    struct sockaddr_ll addr;
    memset(&addr, 0, sizeof(addr));
    addr.sll_family = AF_PACKET;
    addr.sll_ifindex = ifindex;
    addr.sll_halen = ETH_ALEN;
    if (length >= ETH_ALEN) memcpy(addr.sll_addr, frame, ETH_ALEN);
    return sendto(fd, frame, length, 0, (struct sockaddr *)&addr, sizeof(addr));
}


/// Receives one frame with its auxiliary data. The corresponding C function is `recvmsg`.
ssize_t CLinuxNet_packet_recv(int fd, void *buffer, size_t capacity, CLinuxNet_packet_info *info) {
    struct sockaddr_ll from;
    char control[CMSG_SPACE(sizeof(struct tpacket_auxdata)) + CMSG_SPACE(sizeof(struct timespec))];
    struct iovec iov = { .iov_base = buffer, .iov_len = capacity };
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    memset(info, 0, sizeof(*info));
    msg.msg_name = &from;
    msg.msg_namelen = sizeof(from);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t n = recvmsg(fd, &msg, MSG_TRUNC | MSG_DONTWAIT);
    if (n < 0) return n;
    info->ifindex = from.sll_ifindex;
    info->pkttype = from.sll_pkttype;
    info->frame_length = (size_t)n;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA) {
            struct tpacket_auxdata aux;
            memcpy(&aux, CMSG_DATA(c), sizeof(aux));
            if (aux.tp_status & TP_STATUS_VLAN_VALID) {
                info->vlan_valid = 1;
                info->vlan_tci = aux.tp_vlan_tci;
                info->vlan_tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux.tp_vlan_tpid : 0x8100;
            }
        } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec stamp;
            memcpy(&stamp, CMSG_DATA(c), sizeof(stamp));
            info->kernel_time_ns = (uint64_t)stamp.tv_sec * 1000000000ull + (uint64_t)stamp.tv_nsec;
        }
    }
    return n;
}

/// Attaches a classic BPF program to a socket. The corresponding C function is `setsockopt(SO_ATTACH_FILTER)`.
int CLinuxNet_attach_filter(int fd, const void *instructions, uint16_t count) {
    struct sock_fprog program = { .len = count, .filter = (struct sock_filter *)instructions };
    return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof(program));
}

/// Reads an interface's index and flags. The corresponding C functions are `if_nametoindex` and `ioctl`.
int CLinuxNet_interface_index_and_flags(const char *name, int *index, int *flags) {
    if (strlen(name) >= IFNAMSIZ) { errno = EINVAL; return -1; }
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct ifreq request;
    memset(&request, 0, sizeof(request));
    strncpy(request.ifr_name, name, IFNAMSIZ - 1);
    int failed = ioctl(fd, SIOCGIFINDEX, &request) < 0;
    if (!failed) *index = request.ifr_ifindex;
    failed = failed || ioctl(fd, SIOCGIFFLAGS, &request) < 0;
    if (!failed) *flags = request.ifr_flags;
    int saved = errno;
    close(fd);
    if (failed) { errno = saved; return -1; }
    return 0;
}

/// Sets up and maps a TPACKET_V2 receive ring. The corresponding C functions are `setsockopt` and `mmap`.
int CLinuxNet_packet_ring_setup(int fd, unsigned frame_bytes, size_t bytes, CLinuxNet_packet_ring *ring) {
    memset(ring, 0, sizeof(*ring));
    int version = TPACKET_V2;
    if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) < 0) return -1;
    unsigned page = (unsigned)sysconf(_SC_PAGESIZE);
    unsigned frame_size = TPACKET_ALIGN(TPACKET2_HDRLEN + 16 + frame_bytes);
    unsigned block_size = page;
    while (block_size < frame_size * 8) block_size *= 2;
    unsigned per_block = block_size / frame_size;
    unsigned blocks = (unsigned)((bytes + block_size - 1) / block_size);
    if (blocks < 1) blocks = 1;
    struct tpacket_req request = {
        .tp_block_size = block_size, .tp_block_nr = blocks,
        .tp_frame_size = frame_size, .tp_frame_nr = blocks * per_block,
    };
    if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &request, sizeof(request)) < 0) return -1;
    size_t size = (size_t)block_size * blocks;
    void *memory = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (memory == MAP_FAILED) return -1;
    ring->memory = memory;
    ring->size = size;
    ring->block_size = block_size;
    ring->frames_per_block = per_block;
    ring->frame_size = frame_size;
    ring->frame_count = blocks * per_block;
    ring->next = 0;
    return 0;
}

/// Copies the next ready frame out of the ring and hands its slot back to the kernel.
ssize_t CLinuxNet_packet_ring_next(CLinuxNet_packet_ring *ring, void *buffer, size_t capacity, CLinuxNet_packet_info *info) {
    memset(info, 0, sizeof(*info));
    if (ring->memory == NULL || ring->frame_count == 0) { errno = EAGAIN; return -1; }
    /* Frames never span blocks: slot i is frame i % per_block of block i / per_block. */
    unsigned index = ring->next;
    char *slot = (char *)ring->memory + (size_t)(index / ring->frames_per_block) * ring->block_size
        + (size_t)(index % ring->frames_per_block) * ring->frame_size;
    volatile struct tpacket2_hdr *header = (volatile struct tpacket2_hdr *)slot;
    unsigned status = __atomic_load_n(&header->tp_status, __ATOMIC_ACQUIRE);
    if (!(status & TP_STATUS_USER)) { errno = EAGAIN; return -1; }
    struct sockaddr_ll *from = (struct sockaddr_ll *)(slot + TPACKET_ALIGN(sizeof(struct tpacket2_hdr)));
    size_t length = header->tp_snaplen;
    if (length > capacity) length = capacity;
    memcpy(buffer, slot + header->tp_mac, length);
    info->ifindex = from->sll_ifindex;
    info->pkttype = from->sll_pkttype;
    info->frame_length = header->tp_len;
    info->kernel_time_ns = (uint64_t)header->tp_sec * 1000000000ull + (uint64_t)header->tp_nsec;
    if (status & TP_STATUS_VLAN_VALID) {
        info->vlan_valid = 1;
        info->vlan_tci = header->tp_vlan_tci;
        info->vlan_tpid = (status & TP_STATUS_VLAN_TPID_VALID) ? header->tp_vlan_tpid : 0x8100;
    }
    __atomic_store_n(&header->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    ring->next = (index + 1) % ring->frame_count;
    return (ssize_t)length;
}

/// Unmaps the ring. The corresponding C function is `munmap`.
void CLinuxNet_packet_ring_release(CLinuxNet_packet_ring *ring) {
    if (ring->memory != NULL) munmap(ring->memory, ring->size);
    ring->memory = NULL;
}

int CLinuxNet_packet_statistics(int fd, unsigned *packets, unsigned *drops) {
    struct tpacket_stats stats;
    socklen_t length = sizeof(stats);
    if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &stats, &length) != 0) return -1;
    *packets = stats.tp_packets;
    *drops = stats.tp_drops;
    return 0;
}

/// Opens a raw IPv4 socket for ICMP that queues only echo replies (ICMP_FILTER), so a busy namespace's other
/// ICMP traffic does not fill its buffer. The corresponding C function is `socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)`.
int CLinuxNet_icmp_socket(void) {
    int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
    if (fd < 0) return fd;
    struct icmp_filter filter = { .data = ~(1U << ICMP_ECHOREPLY) };
    if (setsockopt(fd, SOL_RAW, ICMP_FILTER, &filter, sizeof(filter)) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/// Sends one ICMP message to `destination` (network byte order). The corresponding C function is `sendto`.
ssize_t CLinuxNet_icmp_send(int fd, uint32_t destination, const void *message, size_t length) {
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = destination;
    return sendto(fd, message, length, 0, (struct sockaddr *)&addr, sizeof(addr));
}

int CLinuxNet_inet_socket(int stream, uint16_t source_port) {
    int fd = socket(AF_INET, (stream ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return fd;
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons(source_port);
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int CLinuxNet_inet_connect(int fd, uint32_t destination, uint16_t port) {
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = destination;
    addr.sin_port = htons(port);
    return connect(fd, (struct sockaddr *)&addr, sizeof(addr));
}

int CLinuxNet_socket_error(int fd) {
    int error = 0;
    socklen_t length = sizeof(error);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0) return errno;
    return error;
}

int CLinuxNet_poll_events(int fd, short events, int timeout_ms) {
    struct pollfd set = { .fd = fd, .events = events, .revents = 0 };
    int result = poll(&set, 1, timeout_ms);
    if (result <= 0) return result;
    return set.revents;
}

/// Waits up to `timeout_ms` for `fd` to become readable: 1 readable, 0 timeout, -1 error.
int CLinuxNet_wait_readable(int fd, int wake_fd, int timeout_ms) {
    struct pollfd fds[2] = { { .fd = fd, .events = POLLIN }, { .fd = wake_fd, .events = POLLIN } };
    int count = wake_fd >= 0 ? 2 : 1;
    int r = poll(fds, (nfds_t)count, timeout_ms);
    if (r <= 0) return r;
    if (count == 2 && (fds[1].revents & POLLIN)) return 2;
    return 1;
}

/// The interface index of `name` in the calling thread's network namespace, or 0.
unsigned CLinuxNet_if_nametoindex(const char *name) { return if_nametoindex(name); }

// MARK: netlink

int CLinuxNet_netlink_socket(int protocol) {
    return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
}

int CLinuxNet_netlink_bind(int fd, uint32_t groups) {
    struct sockaddr_nl addr;
    memset(&addr, 0, sizeof(addr));
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = groups;
    return bind(fd, (struct sockaddr *)&addr, sizeof(addr));
}

ssize_t CLinuxNet_netlink_send(int fd, const void *buf, size_t len) {
    struct sockaddr_nl addr;
    memset(&addr, 0, sizeof(addr));
    addr.nl_family = AF_NETLINK;
    return sendto(fd, buf, len, 0, (struct sockaddr *)&addr, sizeof(addr));
}

ssize_t CLinuxNet_recv(int fd, void *buf, size_t len, int flags) { return recv(fd, buf, len, flags); }

int CLinuxNet_set_socket_option_int(int fd, int level, int name, int value) {
    return setsockopt(fd, level, name, &value, sizeof(value));
}

int CLinuxNet_SOL_NETLINK(void) { return SOL_NETLINK; }
int CLinuxNet_NETLINK_GET_STRICT_CHK(void) { return NETLINK_GET_STRICT_CHK; }
int CLinuxNet_NETLINK_EXT_ACK(void) { return NETLINK_EXT_ACK; }
uint32_t CLinuxNet_NLMSG_ALIGN(uint32_t len) { return NLMSG_ALIGN(len); }
uint32_t CLinuxNet_RTA_ALIGN(uint32_t len) { return RTA_ALIGN(len); }
uint32_t CLinuxNet_NLMSG_HDRLEN(void) { return NLMSG_HDRLEN; }

// MARK: process and signals

/// Blocks SIGINT and SIGTERM in the calling thread (new threads inherit the mask).
int CLinuxNet_block_termination_signals(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    return pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/// Waits for SIGINT, SIGTERM or SIGHUP (which must be blocked) and returns its number.
int CLinuxNet_wait_termination_signal(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    int sig = 0;
    while (sigwait(&set, &sig) != 0) {}
    return sig;
}

/// Creates a non-blocking, close-on-exec pipe used to wake poll loops.
int CLinuxNet_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC | O_NONBLOCK); }

/// Monotonic clock in nanoseconds.
uint64_t CLinuxNet_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/// Wall clock (CLOCK_REALTIME) in nanoseconds, the clock pcap timestamps use.
uint64_t CLinuxNet_realtime_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}


int CLinuxNet_read_interface_facts(const char *name, CLinuxNet_interface_facts *facts) {
    memset(facts, 0, sizeof(*facts));
    if (strlen(name) >= IFNAMSIZ) { errno = EINVAL; return -1; }
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct ifreq request;
    memset(&request, 0, sizeof(request));
    strncpy(request.ifr_name, name, IFNAMSIZ - 1);
    int failed = ioctl(fd, SIOCGIFHWADDR, &request) < 0;
    if (!failed) memcpy(facts->mac, request.ifr_hwaddr.sa_data, 6);
    failed = failed || ioctl(fd, SIOCGIFMTU, &request) < 0;
    if (!failed) facts->mtu = request.ifr_mtu;
    failed = failed || ioctl(fd, SIOCGIFFLAGS, &request) < 0;
    if (!failed) facts->flags = request.ifr_flags;
    int saved = errno;
    close(fd);
    if (failed) { errno = saved; return -1; }
    struct ifaddrs *list = NULL;
    if (getifaddrs(&list) < 0) return -1;
    for (struct ifaddrs *entry = list; entry != NULL && facts->ipv4_count < 8; entry = entry->ifa_next) {
        if (entry->ifa_addr == NULL || entry->ifa_addr->sa_family != AF_INET) continue;
        if (strcmp(entry->ifa_name, name) != 0) continue;
        uint32_t mask = entry->ifa_netmask ? ((struct sockaddr_in *)entry->ifa_netmask)->sin_addr.s_addr : 0;
        facts->ipv4[facts->ipv4_count] = ((struct sockaddr_in *)entry->ifa_addr)->sin_addr.s_addr;
        facts->ipv4_netmask[facts->ipv4_count] = mask;
        facts->ipv4_count++;
    }
    freeifaddrs(list);
    return 0;
}

/// Writes the names of the calling thread's namespace's interfaces, NUL-separated, into `buffer`;
/// returns the bytes used, or -1 with errno set (ENOSPC when `capacity` is too small).
ssize_t CLinuxNet_interface_names(char *buffer, size_t capacity) {
    struct if_nameindex *list = if_nameindex();
    if (list == NULL) return -1;
    size_t used = 0;
    for (struct if_nameindex *entry = list; entry->if_index != 0; entry++) {
        size_t length = strlen(entry->if_name) + 1;
        if (used + length > capacity) {
            if_freenameindex(list);
            errno = ENOSPC;
            return -1;
        }
        memcpy(buffer + used, entry->if_name, length);
        used += length;
    }
    if_freenameindex(list);
    return (ssize_t)used;
}

extern char **environ;

// The write end of the lifeline stays open in lxcdiag, close-on-exec, for as long as the process lives; every
// guardian holds the read end. The kernel closes the write end when lxcdiag ends in any way (SIGKILL too),
// which is what the guardians wait for. A pipe rather than PR_SET_PDEATHSIG: that signal fires when the
// *thread* that forked ends, and lxcdiag starts tools from dedicated threads that end.
static int lifeline[2] = {-1, -1};
static int lifeline_error = 0;
static pthread_once_t lifeline_once = PTHREAD_ONCE_INIT;

static void make_lifeline(void) {
    if (pipe2(lifeline, O_CLOEXEC) != 0) lifeline_error = errno;
}

// Everything below up to CLinuxNet_spawn runs in a child forked from a multithreaded process: only
// async-signal-safe calls, no allocation.

static void write_errno(int fd, int code) {
    ssize_t written;
    do { written = write(fd, &code, sizeof code); } while (written < 0 && errno == EINTR);
}

// Moves `fd` to a descriptor >= 10 so that the dup2s to 0..4 below cannot overwrite one still needed.
static int lift(int fd) { return fcntl(fd, F_DUPFD, 10); }

static void close_from(int first) {
    if (syscall(SYS_close_range, (unsigned)first, ~0u, 0) == 0) return;
    long limit = sysconf(_SC_OPEN_MAX);
    for (long fd = first; fd < (limit > 0 ? limit : 4096); fd++) close((int)fd);
}

static void termination_signals(sigset_t *set) {
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGPIPE);
}

/// The tool: standard streams on 0..2, default dispositions and an empty signal mask, then `path`.
static void exec_tool(const char *path, char *const argv[]) {
    close(3);  // the lifeline
    struct sigaction defaults;
    memset(&defaults, 0, sizeof defaults);
    defaults.sa_handler = SIG_DFL;
    sigaction(SIGINT, &defaults, NULL);
    sigaction(SIGTERM, &defaults, NULL);
    sigaction(SIGHUP, &defaults, NULL);
    sigaction(SIGPIPE, &defaults, NULL);
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, NULL);
    execve(path, argv, environ);
    write_errno(4, errno);
    _exit(127);
}

/// The guardian: leads a process group holding the tool and whatever the tool starts, exits with the tool's
/// status, and kills the whole group when lxcdiag ends first (the lifeline hangs up).
static void guard(const char *path, char *const argv[], int in, int out, int err, int life, int report) {
    // First of all drop the copies of the caller's other descriptors (a trace_pipe a thread of the caller is
    // about to close, say): until then this process holds them open.
    int lifted[5] = {lift(in), lift(out), lift(err), lift(life), lift(report)};
    for (int i = 0; i < 5; i++) {
        if (lifted[i] < 0 || dup2(lifted[i], i) < 0) {
            write_errno(lifted[4] >= 0 ? lifted[4] : report, errno);
            _exit(127);
        }
    }
    close_from(5);
    setpgid(0, 0);
    sigset_t blocked;
    termination_signals(&blocked);
    sigprocmask(SIG_BLOCK, &blocked, NULL);  // a signal sent to the group is for the tool
    fcntl(4, F_SETFD, FD_CLOEXEC);  // a successful exec closes the report: that is how the caller knows
    // vfork: this process has one thread and waits anyway, and copying its page tables again is what a
    // fork would cost.
    pid_t tool = vfork();
    if (tool == 0) exec_tool(path, argv);
    if (tool < 0) {
        write_errno(4, errno);
        _exit(127);
    }
    close(4);
    close(0);
    close(1);
    close(2);
    int pidfd = (int)syscall(SYS_pidfd_open, tool, 0);
    while (1) {
        struct pollfd watched[2] = {{.fd = 3, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
        int ready = poll(watched, pidfd >= 0 ? 2 : 1, pidfd >= 0 ? -1 : 20);
        if (ready > 0 && watched[0].revents != 0) {
            char byte;
            // lxcdiag is gone: the group goes with it. Were this not a group of its own (setpgid failed), the
            // group would be the caller's shell job: then only the tool goes.
            if (read(3, &byte, 1) <= 0) kill(getpgrp() == getpid() ? 0 : tool, SIGKILL);
        }
        int status = 0;
        pid_t ended = waitpid(tool, &status, WNOHANG);
        if (ended == tool) {
            if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
            _exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255);
        }
        if (ended < 0 && errno != EINTR) _exit(255);
    }
}

int CLinuxNet_spawn(const char *path, char *const argv[], int stdin_fd, int stdout_fd, int stderr_fd, pid_t *pid) {
    pthread_once(&lifeline_once, make_lifeline);
    if (lifeline_error != 0) return lifeline_error;
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return errno;
    pid_t guardian = _Fork();
    if (guardian == 0) guard(path, argv, stdin_fd, stdout_fd, stderr_fd, lifeline[0], report[1]);
    int saved = errno;
    close(report[1]);
    if (guardian < 0) {
        close(report[0]);
        return saved;
    }
    setpgid(guardian, guardian);  // also here, so that the group exists before this returns
    int code = 0;
    ssize_t got;
    do { got = read(report[0], &code, sizeof code); } while (got < 0 && errno == EINTR);
    close(report[0]);
    if (got == (ssize_t)sizeof code) {
        int status;
        while (waitpid(guardian, &status, 0) < 0 && errno == EINTR) {}
        return code != 0 ? code : EIO;
    }
    *pid = guardian;
    return 0;
}

int CLinuxNet_kill_group(pid_t group, int signal) { return kill(-group, signal); }

int CLinuxNet_reap(pid_t pid, int *status) {
    pid_t result;
    do { result = waitpid(pid, status, WNOHANG); } while (result < 0 && errno == EINTR);
    if (result < 0) return -1;
    return result == pid ? 1 : 0;
}

int CLinuxNet_exit_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 255;
}

int CLinuxNet_kill(pid_t pid) { return kill(-pid, SIGKILL); }

int CLinuxNet_pipe_blocking(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int CLinuxNet_poll_readable(const int *fds, int count, int timeout_ms, int *ready) {
    struct pollfd set[4];
    if (count > 4) { errno = EINVAL; return -1; }
    for (int i = 0; i < count; i++) { set[i].fd = fds[i]; set[i].events = POLLIN; set[i].revents = 0; }
    int result = poll(set, (nfds_t)count, timeout_ms);
    for (int i = 0; i < count; i++) ready[i] = result > 0 && (set[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0;
    return result;
}
