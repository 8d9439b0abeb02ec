// Definitions of the CPcapRuntime shims: dlopen libpcap once and call through its symbols.
#include "CPcapRuntime.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[512];
static int load_status = -1;
static pcap_t * (*p_create)(const char *source, char *errbuf);
static void (*p_close)(pcap_t *p);
static int (*p_set_snaplen)(pcap_t *p, int snaplen);
static int (*p_set_promisc)(pcap_t *p, int promisc);
static int (*p_set_immediate_mode)(pcap_t *p, int immediate);
static int (*p_set_buffer_size)(pcap_t *p, int size);
static int (*p_set_tstamp_precision)(pcap_t *p, int precision);
static int (*p_activate)(pcap_t *p);
static char * (*p_geterr)(pcap_t *p);
static int (*p_compile)(pcap_t *p, struct bpf_program *program, const char *text, int optimize, bpf_u_int32 netmask);
static void (*p_freecode)(struct bpf_program *program);
static int (*p_setfilter)(pcap_t *p, struct bpf_program *program);
static int (*p_setnonblock)(pcap_t *p, int nonblock, char *errbuf);
static int (*p_datalink)(pcap_t *p);
static int (*p_get_selectable_fd)(pcap_t *p);
static const struct timeval * (*p_get_required_select_timeout)(pcap_t *p);
static int (*p_dispatch)(pcap_t *p, int count, pcap_handler callback, u_char *user);
static void (*p_breakloop)(pcap_t *p);
static pcap_t * (*p_open_dead)(int linktype, int snaplen);
static pcap_t * (*p_open_offline_with_tstamp_precision)(const char *path, u_int precision, char *errbuf);
static int (*p_next_ex)(pcap_t *p, struct pcap_pkthdr **header, const u_char **data);

static void load_library(void) {
    const char *override = getenv("LXCDIAG_LIBPCAP");
    const char *candidates[] = { override, "libpcap.so.0.8", "libpcap.so.1", "libpcap.so" };
    void *library = NULL;
    for (size_t i = override ? 0 : 1; i < sizeof(candidates) / sizeof(candidates[0]) && library == NULL; i++) {
        library = dlopen(candidates[i], RTLD_NOW | RTLD_LOCAL);
        if (override) break;
    }
    if (library == NULL) {
        const char *message = dlerror();
        snprintf(load_error, sizeof(load_error), "%s", message ? message : "libpcap not found");
        return;
    }
    if ((p_create = dlsym(library, "pcap_create")) == NULL) {
        snprintf(load_error, sizeof(load_error), "libpcap has no pcap_create");
        return;
    }
    if ((p_close = dlsym(library, "pcap_close")) == NULL) {
        snprintf(load_error, sizeof(load_error), "libpcap has no pcap_close");
        return;
    }
    if ((p_set_snaplen = dlsym(library, "pcap_set_snaplen")) == NULL) {
        snprintf(load_error, sizeof(load_error), "libpcap has no pcap_set_snaplen");
        return;
    }
    if ((p_set_promisc = dlsym(library, "pcap_set_promisc")) == NULL) {
        snprintf(load_error, sizeof(load_error), "libpcap has no pcap_set_promisc");
        return;
    }
    if ((p_set_immediate_mode = dlsym(library, "pcap_set_immediate_mode")) == NULL) {
        snprintf(load_error, sizeof(load_error), "libpcap has no pcap_set_immediate_mode");
        return;
    }
    if ((p_set_buffer_size = dlsym(library, "pcap_set_buffer_size")) == NULL) {
        snprintf(load_error, sizeof(load_error), "libpcap has no pcap_set_buffer_size");
        return;
    }
    if ((p_set_tstamp_precision = dlsym(library, "pcap_set_tstamp_precision")) == NULL) {
        snprintf(load_error, sizeof(load_error), "libpcap has no pcap_set_tstamp_precision");
        return;
    }
    if ((p_activate = dlsym(library, "pcap_activate")) == NULL) {
        snprintf(load_error, sizeof(load_error), "libpcap has no pcap_activate");
        return;
    }
    if ((p_geterr = dlsym(library, "pcap_geterr")) == NULL) {
        snprintf(load_error, sizeof(load_error), "libpcap has no pcap_geterr");
        return;
    }
    if ((p_compile = dlsym(library, "pcap_compile")) == NULL) {
        snprintf(load_error, sizeof(load_error), "libpcap has no pcap_compile");
        return;
    }
    if ((p_freecode = dlsym(library, "pcap_freecode")) == NULL) {
        snprintf(load_error, sizeof(load_error), "libpcap has no pcap_freecode");
        return;
    }
    if ((p_setfilter = dlsym(library, "pcap_setfilter")) == NULL) {
        snprintf(load_error, sizeof(load_error), "libpcap has no pcap_setfilter");
        return;
    }
    if ((p_setnonblock = dlsym(library, "pcap_setnonblock")) == NULL) {
        snprintf(load_error, sizeof(load_error), "libpcap has no pcap_setnonblock");
        return;
    }
    if ((p_datalink = dlsym(library, "pcap_datalink")) == NULL) {
        snprintf(load_error, sizeof(load_error), "libpcap has no pcap_datalink");
        return;
    }
    if ((p_get_selectable_fd = dlsym(library, "pcap_get_selectable_fd")) == NULL) {
        snprintf(load_error, sizeof(load_error), "libpcap has no pcap_get_selectable_fd");
        return;
    }
    if ((p_get_required_select_timeout = dlsym(library, "pcap_get_required_select_timeout")) == NULL) {
        snprintf(load_error, sizeof(load_error), "libpcap has no pcap_get_required_select_timeout");
        return;
    }
    if ((p_dispatch = dlsym(library, "pcap_dispatch")) == NULL) {
        snprintf(load_error, sizeof(load_error), "libpcap has no pcap_dispatch");
        return;
    }
    if ((p_breakloop = dlsym(library, "pcap_breakloop")) == NULL) {
        snprintf(load_error, sizeof(load_error), "libpcap has no pcap_breakloop");
        return;
    }
    if ((p_open_dead = dlsym(library, "pcap_open_dead")) == NULL) {
        snprintf(load_error, sizeof(load_error), "libpcap has no pcap_open_dead");
        return;
    }
    if ((p_open_offline_with_tstamp_precision = dlsym(library, "pcap_open_offline_with_tstamp_precision")) == NULL) {
        snprintf(load_error, sizeof(load_error), "libpcap has no pcap_open_offline_with_tstamp_precision");
        return;
    }
    if ((p_next_ex = dlsym(library, "pcap_next_ex")) == NULL) {
        snprintf(load_error, sizeof(load_error), "libpcap has no pcap_next_ex");
        return;
    }
    load_status = 0;
}

int CPcapRuntime_load(char *error, size_t capacity) {
    pthread_once(&load_once, load_library);
    if (load_status != 0 && error != NULL && capacity > 0) snprintf(error, capacity, "%s", load_error);
    return load_status;
}
pcap_t * CPcapRuntime_create(const char *source, char *errbuf) { return p_create(source, errbuf); }
void CPcapRuntime_close(pcap_t *p) { p_close(p); }
int CPcapRuntime_set_snaplen(pcap_t *p, int snaplen) { return p_set_snaplen(p, snaplen); }
int CPcapRuntime_set_promisc(pcap_t *p, int promisc) { return p_set_promisc(p, promisc); }
int CPcapRuntime_set_immediate_mode(pcap_t *p, int immediate) { return p_set_immediate_mode(p, immediate); }
int CPcapRuntime_set_buffer_size(pcap_t *p, int size) { return p_set_buffer_size(p, size); }
int CPcapRuntime_set_tstamp_precision(pcap_t *p, int precision) { return p_set_tstamp_precision(p, precision); }
int CPcapRuntime_activate(pcap_t *p) { return p_activate(p); }
char * CPcapRuntime_geterr(pcap_t *p) { return p_geterr(p); }
int CPcapRuntime_compile(pcap_t *p, struct bpf_program *program, const char *text, int optimize, bpf_u_int32 netmask) { return p_compile(p, program, text, optimize, netmask); }
void CPcapRuntime_freecode(struct bpf_program *program) { p_freecode(program); }
int CPcapRuntime_setfilter(pcap_t *p, struct bpf_program *program) { return p_setfilter(p, program); }
int CPcapRuntime_setnonblock(pcap_t *p, int nonblock, char *errbuf) { return p_setnonblock(p, nonblock, errbuf); }
int CPcapRuntime_datalink(pcap_t *p) { return p_datalink(p); }
int CPcapRuntime_get_selectable_fd(pcap_t *p) { return p_get_selectable_fd(p); }
const struct timeval * CPcapRuntime_get_required_select_timeout(pcap_t *p) { return p_get_required_select_timeout(p); }
int CPcapRuntime_dispatch(pcap_t *p, int count, pcap_handler callback, u_char *user) { return p_dispatch(p, count, callback, user); }
void CPcapRuntime_breakloop(pcap_t *p) { p_breakloop(p); }
pcap_t * CPcapRuntime_open_offline_nano(const char *path, char *errbuf) { return p_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf); }
int CPcapRuntime_next_ex(pcap_t *p, struct pcap_pkthdr **header, const u_char **data) { return p_next_ex(p, header, data); }

int CPcapRuntime_compile_ethernet(const char *text, int snaplen, struct bpf_program *program, char *error, size_t capacity) {
    pcap_t *dead = p_open_dead(DLT_EN10MB, snaplen);
    if (dead == NULL) {
        snprintf(error, capacity, "pcap_open_dead failed");
        return -1;
    }
    int status = p_compile(dead, program, text, 1, PCAP_NETMASK_UNKNOWN);
    if (status != 0) snprintf(error, capacity, "%s", p_geterr(dead));
    p_close(dead);
    return status == 0 ? 0 : -1;
}
