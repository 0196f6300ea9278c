/* rogue_detect.h - is another DHCP server answering on our segment?
 *
 * Pure logic, no pcap: rogue_pcap.c feeds it every captured DHCP frame and
 * tells it when a probe round starts and ends; this decides which frames
 * come from a foreign server and when serving must stop or may resume.
 *
 * A round: we broadcast a probe DISCOVER (rogue_build_probe) and listen for
 * ROGUE_WINDOW_MS. A foreign server counts from its first OFFER or ACK
 * (immediately, not at the end of the round); it is gone after a whole
 * round in which it answered nothing. In authoritative mode, unless
 * dhcp.allow_other_servers, we do not serve while any foreign server is
 * present; in proxy mode one is expected and only logged. */
#ifndef BOOTSRV_ROGUE_DETECT_H
#define BOOTSRV_ROGUE_DETECT_H

#include "common/config.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROGUE_WINDOW_MS 1000 /* how long a probe round listens */
#define ROGUE_MAX_SERVERS 8  /* foreign servers remembered by name */

/* One foreign server as seen on the wire. */
struct rogue_server {
	struct in_addr server_id; /* option 54; the IP source when absent */
	struct in_addr ip;	  /* IP source address */
	uint8_t mac[6];		  /* Ethernet source address */
	struct in_addr offered;	  /* the last yiaddr it handed out */
	uint64_t replies;
	bool seen_this_round;
};

enum rogue_event {
	ROGUE_EV_NONE,
	ROGUE_EV_APPEARED, /* a server not known before answered */
	ROGUE_EV_GONE,	   /* the last known server is gone */
};

struct rogue {
	struct in_addr self;	/* our server id */
	uint8_t self_mac[6];	/* our interface's MAC */
	uint8_t probe_mac[6];	/* chaddr of our probes */
	bool proxy, allow;	/* proxy mode; dhcp.allow_other_servers */
	struct rogue_server servers[ROGUE_MAX_SERVERS];
	size_t nservers;
	bool checked; /* at least one round ended */
	/* counters for /metrics */
	uint64_t probes, rounds, foreign_replies, appeared, gone;
};

void rogue_init(struct rogue *r, const struct config *cfg, const uint8_t self_mac[6]);
/* The interface was created again, possibly with another MAC: probe from
 * it (and take frames from it as ours); the servers known are kept. */
void rogue_set_mac(struct rogue *r, const uint8_t self_mac[6]);

/* Feed one captured frame. Returns ROGUE_EV_APPEARED (logged) when it is
 * the first reply of a foreign server not already known, else NONE. */
enum rogue_event rogue_note_frame(struct rogue *r, const uint8_t *frame, size_t len);

/* A probe was sent: a new round starts. */
void rogue_round_start(struct rogue *r);
/* The round's window is over: servers silent all round are forgotten
 * (logged). Returns ROGUE_EV_GONE when the last one went. */
enum rogue_event rogue_round_end(struct rogue *r);

/* True while DHCP must not answer anybody. */
bool rogue_blocks(const struct rogue *r);

/* The probe DISCOVER as a full Ethernet frame from our MAC, chaddr =
 * probe_mac, broadcast flag set. Returns its length or a negative error. */
int rogue_build_probe(const struct rogue *r, uint32_t xid, uint8_t *buf, size_t size);

/* "server-id 192.0.2.2, MAC 52:54:00:00:00:02, IP 192.0.2.2" */
void rogue_describe(const struct rogue_server *s, char *buf, size_t size);

#endif
