/* tftp_xfer.h - the TFTP server: one listening socket on the boot address
 * (tftp_serve.c), one connected socket per transfer (tftp_xfer.c; RFC 1350
 * section 4: a new TID per transfer), all driven by the event loop.
 * Read-only: WRQ is refused.
 *
 * Started and stopped through tftp_start()/tftp_stop() in server.h; the
 * state lives behind srv->tftp. The second half of this header is shared by
 * the two TFTP files only. */
#ifndef BOOTSRV_TFTP_XFER_H
#define BOOTSRV_TFTP_XFER_H

#include "daemon/server.h"
#include "tftp_proto.h"
#include "tftp_stats.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Timeouts: tftp_rto.h. ~1+2+4+8+8+8+8 s of silence (more on a slow
 * path) ends a transfer. */
#define TFTP_MAX_RETRIES 6
#define TFTP_NETASCII_MAX (4u << 20) /* netascii is converted in memory */
/* What a 1500-byte Ethernet MTU carries (1500 - IP 20 - UDP 8 - TFTP 4).
 * While tftp.blksize_max is at most this, blocks are also kept within the
 * route's MTU; a larger configured cap is the operator saying the clients
 * reassemble IP fragments, and then only the cap applies. */
#define TFTP_BLKSIZE_ETHERNET 1468
#define TFTP_READAHEAD (64u << 10) /* file bytes read per transfer at once */
#define TFTP_RING_MAX (512u << 10) /* bound on one transfer's packet buffer */

/* ---- shared by tftp_serve.c and tftp_xfer.c ---- */

struct tftp_xfer;

struct tftp_srv {
	struct server *srv;
	int sock; /* listening socket */
	struct loop_fd *sock_watch;
	int rootfd; /* O_PATH fd of cfg->tftp_root */
	struct tftp_limits lim;
	uint32_t max_xfers;	 /* cfg->tftp_max_transfers; beyond: ERROR 0 "busy" */
	uint32_t max_per_client; /* per client address, so one cannot take them all */
	struct tftp_xfer *xfers;
	struct tftp_stats stats;
};

/* What a transfer sends: a file (fd >= 0) or bytes in memory (fd == -1). */
struct tftp_content {
	int fd;
	uint8_t *mem;
	uint64_t size;
};

/* A nonblocking UDP socket bound to addr:port, connected to peer if given.
 * Returns the fd or -errno. */
int tftp_udp_socket(struct in_addr addr, uint16_t port, const struct sockaddr_in *peer);
void tftp_format_peer(const struct sockaddr_in *sin, char *out, size_t outsz);
/* Best effort: ERROR is never acknowledged or retransmitted (RFC 1350 section 7). */
void tftp_send_error(int sock, const struct sockaddr_in *to, uint16_t code, const char *msg);

/* Start a transfer of *c (ownership moves to the transfer on success) for
 * req from peer. Returns 0 or -errno (c untouched then). */
int tftp_xfer_start(struct tftp_srv *ts, const struct sockaddr_in *peer, const char *name_s,
		    const struct tftp_request *req, struct tftp_content *c);
/* The transfer from this client endpoint, if any. */
struct tftp_xfer *tftp_xfer_find(struct tftp_srv *ts, const struct sockaddr_in *peer);
/* How many transfers this client address holds. */
uint32_t tftp_xfer_count_from(const struct tftp_srv *ts, struct in_addr addr);
/* The client repeated the RRQ of a transfer it has not acknowledged yet:
 * our OACK was lost, so it is sent again (the only way an OACK is resent).
 * Returns true (the request is consumed). */
bool tftp_xfer_request_again(struct tftp_xfer *x);
/* Whether the client has acknowledged anything yet. */
bool tftp_xfer_acked(const struct tftp_xfer *x);
/* End (log, free) a transfer; why NULL means success. errcode >= 0 also
 * sends the client an ERROR with why as the message. */
void tftp_xfer_end(struct tftp_xfer *x, const char *why, int errcode);

#endif
