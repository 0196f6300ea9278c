/* tftp_proto.c - see tftp_proto.h */
#include "tftp_proto.h"

#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const tftp_opt_names[TFTP_OPT_COUNT] = {
	[TFTP_OPT_BLKSIZE] = "blksize",
	[TFTP_OPT_TSIZE] = "tsize",
	[TFTP_OPT_TIMEOUT] = "timeout",
	[TFTP_OPT_WINDOWSIZE] = "windowsize",
};

/* Valid ranges, RFC 2348 section "Blocksize Option Specification", RFC 2349
 * sections "Timeout Interval Option" and "Transfer Size Option", RFC 7440
 * section 3. A value outside is a malformed request, not something to clamp. */
static const struct {
	uint64_t min, max;
} opt_range[TFTP_OPT_COUNT] = {
	[TFTP_OPT_BLKSIZE] = { TFTP_BLKSIZE_MIN, TFTP_BLKSIZE_MAX },
	[TFTP_OPT_TSIZE] = { 0, UINT64_MAX },
	[TFTP_OPT_TIMEOUT] = { 1, 255 },
	[TFTP_OPT_WINDOWSIZE] = { 1, 65535 },
};

const char *const tftp_perr_names[TFTP_P_COUNT] = {
	[TFTP_P_OK] = "ok",
	[TFTP_P_SHORT] = "packet too short",
	[TFTP_P_OPCODE] = "unknown opcode",
	[TFTP_P_NAME_UNTERMINATED] = "filename not NUL-terminated",
	[TFTP_P_NAME_EMPTY] = "empty filename",
	[TFTP_P_MODE_UNTERMINATED] = "mode not NUL-terminated",
	[TFTP_P_MODE_UNKNOWN] = "unsupported transfer mode",
	[TFTP_P_OPT_UNTERMINATED] = "option name not NUL-terminated",
	[TFTP_P_OPT_NO_VALUE] = "option without a value",
	[TFTP_P_OPT_DUPLICATE] = "duplicate option",
	[TFTP_P_OPT_SYNTAX] = "option value is not a number",
	[TFTP_P_OPT_RANGE] = "option value out of range",
};

uint16_t tftp_perr_errcode(enum tftp_perr e)
{
	switch (e) {
	case TFTP_P_OPT_DUPLICATE:
	case TFTP_P_OPT_SYNTAX:
	case TFTP_P_OPT_RANGE:
		return TFTP_ERR_OPTNEG; /* RFC 2347: option negotiation failed */
	default:
		return TFTP_ERR_ILLEGAL;
	}
}

/* The cursor: *p with *rem bytes left. Takes a NUL-terminated string, or
 * returns -1 leaving the cursor alone when no NUL is within bounds. */
static int take_str(const uint8_t **p, size_t *rem, const char **s, size_t *slen)
{
	const uint8_t *nul = memchr(*p, 0, *rem);
	size_t n;

	if (!nul)
		return -1;
	n = (size_t)(nul - *p);
	*s = (const char *)*p;
	*slen = n;
	*p += n + 1;
	*rem -= n + 1;
	return 0;
}

static int find_opt(const char *name)
{
	for (size_t i = 0; i < TFTP_OPT_COUNT; i++)
		if (strcasecmp(name, tftp_opt_names[i]) == 0) /* RFC 2347: case-insensitive */
			return (int)i;
	return -1;
}

static enum tftp_perr parse_options(const uint8_t *p, size_t rem, struct tftp_request *req)
{
	while (rem > 0) {
		const char *name, *val;
		size_t nlen, vlen;
		uint64_t v;
		int o, r;

		/* Some PXE ROMs pad the request with NULs: an empty option
		 * name ends the list. */
		if (*p == 0)
			break;
		if (take_str(&p, &rem, &name, &nlen) < 0)
			return TFTP_P_OPT_UNTERMINATED;
		if (rem == 0 || take_str(&p, &rem, &val, &vlen) < 0)
			return TFTP_P_OPT_NO_VALUE;
		o = find_opt(name);
		if (o < 0)
			continue; /* RFC 2347: unknown options are ignored */
		req->bad_opt = (enum tftp_opt)o;
		if (req->opt_mask & (1u << o))
			return TFTP_P_OPT_DUPLICATE;
		r = parse_u64(val, 0, UINT64_MAX, &v);
		if (r == -EINVAL)
			return TFTP_P_OPT_SYNTAX;
		if (r < 0 || v < opt_range[o].min || v > opt_range[o].max)
			return TFTP_P_OPT_RANGE;
		req->opt_mask |= 1u << o;
		req->opt_val[o] = v;
	}
	return TFTP_P_OK;
}

/* RRQ/WRQ, RFC 1350 section 5: | opcode | filename | 0 | mode | 0 |
 * followed by RFC 2347 options: | opt1 | 0 | value1 | 0 | ... */
static enum tftp_perr parse_request(const uint8_t *p, size_t rem, struct tftp_request *req)
{
	const char *mode;
	size_t mlen;

	if (rem == 0)
		return TFTP_P_SHORT;
	if (take_str(&p, &rem, &req->filename, &req->filename_len) < 0)
		return TFTP_P_NAME_UNTERMINATED;
	if (req->filename_len == 0)
		return TFTP_P_NAME_EMPTY;
	if (take_str(&p, &rem, &mode, &mlen) < 0)
		return TFTP_P_MODE_UNTERMINATED;
	if (strcasecmp(mode, "octet") == 0)
		req->mode = TFTP_MODE_OCTET;
	else if (strcasecmp(mode, "netascii") == 0)
		req->mode = TFTP_MODE_NETASCII;
	else
		return TFTP_P_MODE_UNKNOWN;
	return parse_options(p, rem, req);
}

enum tftp_perr tftp_parse(const uint8_t *pkt, size_t len, struct tftp_packet *out)
{
	memset(out, 0, sizeof(*out));
	if (len < 2)
		return TFTP_P_SHORT;
	out->op = (enum tftp_opcode)((pkt[0] << 8) | pkt[1]);
	switch (out->op) {
	case TFTP_RRQ:
	case TFTP_WRQ:
		return parse_request(pkt + 2, len - 2, &out->req);
	case TFTP_DATA:
	case TFTP_ACK:
		/* Trailing bytes after an ACK carry nothing; tolerated. */
		if (len < TFTP_HDR_LEN)
			return TFTP_P_SHORT;
		out->block = (uint16_t)((pkt[2] << 8) | pkt[3]);
		return TFTP_P_OK;
	case TFTP_ERROR: {
		const uint8_t *nul;
		if (len < TFTP_HDR_LEN)
			return TFTP_P_SHORT;
		out->errcode = (uint16_t)((pkt[2] << 8) | pkt[3]);
		/* A peer's ERROR ends the transfer whatever its text; an
		 * unterminated message is kept as far as it goes. */
		out->errmsg = (const char *)pkt + TFTP_HDR_LEN;
		nul = memchr(pkt + TFTP_HDR_LEN, 0, len - TFTP_HDR_LEN);
		out->errmsg_len = nul ? (size_t)(nul - (pkt + TFTP_HDR_LEN)) : len - TFTP_HDR_LEN;
		return TFTP_P_OK;
	}
	case TFTP_OACK:
		return TFTP_P_OK;
	}
	return TFTP_P_OPCODE;
}

void tftp_negotiate(const struct tftp_request *req, const struct tftp_limits *lim, uint64_t size,
		    struct tftp_params *out)
{
	unsigned m = req->opt_mask;

	memset(out, 0, sizeof(*out));
	out->blksize = TFTP_DEFAULT_BLKSIZE;
	out->windowsize = 1;
	out->tsize = size;
	if (m & (1u << TFTP_OPT_BLKSIZE)) {
		/* RFC 2348: the server may answer with a smaller value; the
		 * OACK carries what we will actually use. */
		uint64_t b = req->opt_val[TFTP_OPT_BLKSIZE];
		out->blksize = (uint32_t)(b < lim->blksize_max ? b : lim->blksize_max);
	}
	if (m & (1u << TFTP_OPT_WINDOWSIZE)) {
		/* RFC 7440 section 3: likewise negotiated down. */
		uint64_t w = req->opt_val[TFTP_OPT_WINDOWSIZE];
		out->windowsize = (uint32_t)(w < lim->windowsize_max ? w : lim->windowsize_max);
		if (lim->mtu >= 576) {
			/* fragment payloads are multiples of 8 bytes */
			uint32_t per = (lim->mtu - 20) & ~7u;
			uint32_t frags = (8 + TFTP_HDR_LEN + out->blksize + per - 1) / per;
			uint32_t cap = frags > 1 ? TFTP_WINDOW_FRAGS_MAX / frags : UINT32_MAX;
			if (cap < 1)
				cap = 1;
			if (out->windowsize > cap)
				out->windowsize = cap;
		}
	}
	if (m & (1u << TFTP_OPT_TIMEOUT))
		out->timeout_s = (uint32_t)req->opt_val[TFTP_OPT_TIMEOUT];
	/* Only options the client sent are acknowledged: pxelinux aborts on
	 * an OACK carrying an option it did not ask for. */
	out->oack_mask = m;
	/* curl (lib/tftp.c) fails a download whose OACK says "tsize 0" as an
	 * illegal operation; declining the option is allowed (RFC 2347), so
	 * an empty file is announced by leaving tsize out. */
	if (size == 0)
		out->oack_mask &= ~(1u << TFTP_OPT_TSIZE);
}

static uint64_t param_value(const struct tftp_params *p, int o)
{
	switch (o) {
	case TFTP_OPT_BLKSIZE:
		return p->blksize;
	case TFTP_OPT_TSIZE:
		return p->tsize;
	case TFTP_OPT_TIMEOUT:
		return p->timeout_s;
	default:
		return p->windowsize;
	}
}

/* RFC 2347: | 6 | opt1 | 0 | value1 | 0 | ... */
ssize_t tftp_build_oack(uint8_t *buf, size_t cap, const struct tftp_params *p)
{
	size_t off = 2;

	if (cap < 2)
		return -ENOSPC;
	buf[0] = 0;
	buf[1] = TFTP_OACK;
	for (int o = 0; o < TFTP_OPT_COUNT; o++) {
		char val[24];
		size_t nlen, vlen;

		if (!(p->oack_mask & (1u << o)))
			continue;
		nlen = strlen(tftp_opt_names[o]) + 1;
		vlen = (size_t)snprintf(val, sizeof(val), "%llu",
					(unsigned long long)param_value(p, o)) + 1;
		if (cap - off < nlen + vlen)
			return -ENOSPC;
		memcpy(buf + off, tftp_opt_names[o], nlen);
		off += nlen;
		memcpy(buf + off, val, vlen);
		off += vlen;
	}
	return (ssize_t)off;
}

/* RFC 1350: | 5 | ErrorCode | ErrMsg | 0 | */
ssize_t tftp_build_error(uint8_t *buf, size_t cap, uint16_t code, const char *msg)
{
	size_t mlen = strlen(msg) + 1;

	if (cap < TFTP_HDR_LEN + mlen)
		return -ENOSPC;
	buf[0] = 0;
	buf[1] = TFTP_ERROR;
	buf[2] = (uint8_t)(code >> 8);
	buf[3] = (uint8_t)code;
	memcpy(buf + TFTP_HDR_LEN, msg, mlen);
	return (ssize_t)(TFTP_HDR_LEN + mlen);
}

/* RFC 1350: | 3 | Block # | Data | */
ssize_t tftp_build_data_hdr(uint8_t *buf, size_t cap, uint16_t block)
{
	if (cap < TFTP_HDR_LEN)
		return -ENOSPC;
	buf[0] = 0;
	buf[1] = TFTP_DATA;
	buf[2] = (uint8_t)(block >> 8);
	buf[3] = (uint8_t)block;
	return TFTP_HDR_LEN;
}

int tftp_netascii_encode(const uint8_t *in, size_t len, uint8_t **out, size_t *outlen)
{
	uint8_t *o;
	size_t n = 0;

	if (len > (SIZE_MAX - 1) / 2)
		return -ENOMEM;
	o = malloc(2 * len + 1); /* worst case: every byte doubles */
	if (!o)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		if (in[i] == '\n') {
			o[n++] = '\r';
			o[n++] = '\n';
		} else if (in[i] == '\r') {
			o[n++] = '\r';
			o[n++] = '\0';
		} else {
			o[n++] = in[i];
		}
	}
	*out = o;
	*outlen = n;
	return 0;
}
