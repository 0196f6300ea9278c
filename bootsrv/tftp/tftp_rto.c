/* tftp_rto.c - see tftp_rto.h. Integer arithmetic as in RFC 6298 section
 * 2 with alpha = 1/8, beta = 1/4, K = 4, G = 1 ms. */
#include "tftp_rto.h"

static int32_t clamp(const struct tftp_rto *r, int64_t ms)
{
	if (ms < TFTP_RTO_MIN_MS)
		ms = TFTP_RTO_MIN_MS;
	return ms > r->max_ms ? r->max_ms : (int32_t)ms;
}

void tftp_rto_init(struct tftp_rto *r, uint32_t timeout_s)
{
	*r = (struct tftp_rto){ .base_ms = TFTP_RTO_INIT_MS, .max_ms = TFTP_RTO_CEIL_MS };
	if (timeout_s) { /* RFC 2349: 1..255 s, range-checked by the parser */
		r->fixed = 1;
		r->base_ms = (int32_t)timeout_s * 1000;
		if (r->max_ms < r->base_ms)
			r->max_ms = r->base_ms;
	}
	r->cur_ms = r->base_ms;
}

void tftp_rto_sample(struct tftp_rto *r, int64_t rtt_ms)
{
	int64_t rto, delta;

	if (r->fixed || rtt_ms < 0)
		return;
	if (rtt_ms > 60000) /* a stalled client, not a path: ignore */
		return;
	if (r->srtt_ms == 0) { /* RFC 6298 2.2: SRTT = R, RTTVAR = R/2 */
		r->srtt_ms = (int32_t)(rtt_ms << 3);
		r->rttvar_ms = (int32_t)(rtt_ms << 1);
		if (r->srtt_ms == 0)
			r->srtt_ms = 1; /* sub-millisecond LAN: keep "sampled" */
	} else { /* 2.3: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|; SRTT = 7/8 SRTT + 1/8 R */
		delta = rtt_ms - (r->srtt_ms >> 3);
		r->srtt_ms += (int32_t)delta;
		if (delta < 0)
			delta = -delta;
		r->rttvar_ms += (int32_t)(delta - (r->rttvar_ms >> 2));
	}
	/* RTO = SRTT + max(G, K * RTTVAR) */
	rto = (r->srtt_ms >> 3) + (r->rttvar_ms > 1 ? r->rttvar_ms : 1);
	r->base_ms = clamp(r, rto);
	r->cur_ms = r->base_ms;
}

void tftp_rto_backoff(struct tftp_rto *r)
{
	r->cur_ms = clamp(r, (int64_t)r->cur_ms * 2);
}

void tftp_rto_ack(struct tftp_rto *r)
{
	r->cur_ms = r->base_ms;
}
