/* tftp_rto.h - a transfer's retransmission timeout, pure logic (no clock,
 * no sockets): RFC 6298 SRTT/RTTVAR from round-trip samples, Karn's rule
 * (the caller passes no sample for a window that was resent), bounded
 * exponential backoff, a floor and a ceiling. A client that negotiated the
 * RFC 2349 "timeout" option gets exactly that many seconds, backed off
 * like the rest but never adapted: the option is an agreement between the
 * two ends. */
#ifndef BOOTSRV_TFTP_RTO_H
#define BOOTSRV_TFTP_RTO_H

#include <stdint.h>

#define TFTP_RTO_INIT_MS 1000 /* RFC 6298 section 2.1, before any sample */
#define TFTP_RTO_MIN_MS 1000  /* RFC 6298 section 2.4 */
#define TFTP_RTO_CEIL_MS 8000 /* backoff cap unless the client asked for more */

struct tftp_rto {
	int32_t srtt_ms;   /* 8 x smoothed RTT, ms; 0: no sample yet */
	int32_t rttvar_ms; /* 4 x RTT variation, ms */
	int32_t base_ms;   /* timeout from the estimate (or the option) */
	int32_t cur_ms;	   /* current timeout, base_ms backed off */
	int32_t max_ms;	   /* ceiling */
	uint8_t fixed;	   /* RFC 2349 timeout negotiated: no adaptation */
};

/* timeout_s: the negotiated RFC 2349 timeout, 0 when none. */
void tftp_rto_init(struct tftp_rto *r, uint32_t timeout_s);
/* A round trip of rtt_ms measured on a window sent once (Karn's rule). */
void tftp_rto_sample(struct tftp_rto *r, int64_t rtt_ms);
/* The window timed out: double the timeout, up to the ceiling. */
void tftp_rto_backoff(struct tftp_rto *r);
/* New data was acknowledged: back to the estimate (RFC 6298 section 5.7
 * keeps the backed-off value only until the next sample; a fresh ACK
 * without one ends the backoff as well, so one loss is not paid twice). */
void tftp_rto_ack(struct tftp_rto *r);
static inline int32_t tftp_rto_ms(const struct tftp_rto *r) { return r->cur_ms; }

#endif
