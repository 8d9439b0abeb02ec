// libpcap, loaded at run time: lxcdiag starts (and says what is missing, exit 3) on a machine without
// libpcap instead of failing in the dynamic loader. Each CPcapRuntime_NAME calls libpcap's pcap_NAME.
#ifndef CPCAPRUNTIME_H
#define CPCAPRUNTIME_H

#include <stddef.h>
#include <pcap/pcap.h>

/// Loads libpcap once (the path in $LXCDIAG_LIBPCAP, else libpcap.so.0.8, libpcap.so.1, libpcap.so).
/// Returns 0, or -1 with the loader's message in `error`. Safe to call from any thread, any number of times.
int CPcapRuntime_load(char *error, size_t capacity);
pcap_t * CPcapRuntime_create(const char *source, char *errbuf);
void CPcapRuntime_close(pcap_t *p);
int CPcapRuntime_set_snaplen(pcap_t *p, int snaplen);
int CPcapRuntime_set_promisc(pcap_t *p, int promisc);
int CPcapRuntime_set_immediate_mode(pcap_t *p, int immediate);
int CPcapRuntime_set_buffer_size(pcap_t *p, int size);
int CPcapRuntime_set_tstamp_precision(pcap_t *p, int precision);
int CPcapRuntime_activate(pcap_t *p);
char * CPcapRuntime_geterr(pcap_t *p);
int CPcapRuntime_compile(pcap_t *p, struct bpf_program *program, const char *text, int optimize, bpf_u_int32 netmask);
void CPcapRuntime_freecode(struct bpf_program *program);
int CPcapRuntime_setfilter(pcap_t *p, struct bpf_program *program);
int CPcapRuntime_setnonblock(pcap_t *p, int nonblock, char *errbuf);
int CPcapRuntime_datalink(pcap_t *p);
int CPcapRuntime_get_selectable_fd(pcap_t *p);
const struct timeval * CPcapRuntime_get_required_select_timeout(pcap_t *p);
int CPcapRuntime_dispatch(pcap_t *p, int count, pcap_handler callback, u_char *user);
void CPcapRuntime_breakloop(pcap_t *p);
/// Opens a pcap or pcapng file for reading, timestamps in nanoseconds (pcap_open_offline_with_tstamp_precision).
pcap_t * CPcapRuntime_open_offline_nano(const char *path, char *errbuf);
int CPcapRuntime_next_ex(pcap_t *p, struct pcap_pkthdr **header, const u_char **data);
/// Compiles `text` for Ethernet frames without opening a capture (pcap_open_dead): the program a socket of one's
/// own can attach. Returns 0, or -1 with libpcap's message in `error`; free the program with CPcapRuntime_freecode.
int CPcapRuntime_compile_ethernet(const char *text, int snaplen, struct bpf_program *program, char *error, size_t capacity);

#endif
