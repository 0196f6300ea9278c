/* dhcp_codec.c - DHCPv4 wire format, see dhcp_codec.h.
 *
 * References: RFC 2131 (message format), RFC 2132 (options and their
 * lengths), RFC 3396 (long options split into several instances), RFC 4578
 * (PXE client options 93/94/97). */
#include "dhcp_codec.h"

#include <arpa/inet.h>
#include <string.h>

/* Length rule per known option (RFC 2132 unless noted). Checked on the value
 * after RFC 3396 concatenation: a split option is judged as a whole. */
struct opt_rule {
	uint8_t min;  /* minimum length */
	uint8_t max;  /* maximum length, 0: no maximum */
	uint8_t unit; /* length must be a multiple of this (0 or 1: any) */
};

static const struct opt_rule opt_rules[256] = {
    [DHO_SUBNET_MASK] = {4, 4, 0},    /* 3.3 */
    [DHO_ROUTER] = {4, 0, 4},	      /* 3.5: one or more addresses */
    [DHO_DNS] = {4, 0, 4},	      /* 3.8 */
    [DHO_HOSTNAME] = {1, 0, 0},	      /* 3.14 */
    [DHO_DOMAIN_NAME] = {1, 0, 0},    /* 3.17 */
    [DHO_BROADCAST] = {4, 4, 0},      /* 5.3 */
    [DHO_REQUESTED_IP] = {4, 4, 0},   /* 9.1 */
    [DHO_LEASE_TIME] = {4, 4, 0},     /* 9.2 */
    [DHO_OVERLOAD] = {1, 1, 0},	      /* 9.3 */
    [DHO_MSG_TYPE] = {1, 1, 0},	      /* 9.6 */
    [DHO_SERVER_ID] = {4, 4, 0},      /* 9.7 */
    [DHO_PARAM_REQ] = {1, 0, 0},      /* 9.8 */
    [DHO_MESSAGE] = {1, 0, 0},	      /* 9.9 */
    [DHO_MAX_MSG_SIZE] = {2, 2, 0},   /* 9.10 */
    [DHO_RENEWAL_TIME] = {4, 4, 0},   /* 9.11 */
    [DHO_REBINDING_TIME] = {4, 4, 0}, /* 9.12 */
    [DHO_VENDOR_CLASS] = {1, 0, 0},   /* 9.13 */
    [DHO_CLIENT_ID] = {2, 0, 0},      /* 9.14: type + at least one byte */
    [DHO_TFTP_SERVER] = {1, 0, 0},    /* 9.4 */
    [DHO_BOOTFILE] = {1, 0, 0},	      /* 9.5 */
    [DHO_USER_CLASS] = {1, 0, 0},     /* RFC 3004; iPXE sends plain "iPXE" */
    [DHO_CLIENT_ARCH] = {2, 0, 2},    /* RFC 4578 2.1: list of u16 */
    [DHO_CLIENT_NDI] = {3, 3, 0},     /* RFC 4578 2.2 */
    [DHO_CLIENT_UUID] = {17, 17, 0},  /* RFC 4578 2.3: type 0 + 16 bytes */
};

/* Where options may live (RFC 2131 4.1 / RFC 2132 9.3): the options field,
 * then file, then sname when option 52 says so; concatenation follows this
 * order (RFC 3396 section 7). */
enum opt_region { REGION_OPTIONS, REGION_FILE, REGION_SNAME, REGION_COUNT };

struct region {
	const uint8_t *p;
	size_t len;
};

/* Per-code bookkeeping while walking. */
struct walk_state {
	uint16_t count[256];
	size_t total[256];
	size_t filled[256];
	size_t slot[256]; /* offset of a repeated option's value in msg->concat */
};

static const char *const err_names[] = {
    [0] = "ok",
    [1] = "message truncated",
    [2] = "malformed option",
    [3] = "bad magic cookie",
    [4] = "bad option overload",
    [5] = "no space for option",
    [6] = "no valid message type",
    [7] = "bad hardware address type/length",
};

const char *dhcp_strerror(int err)
{
	if (err > 0 || (size_t)-err >= sizeof(err_names) / sizeof(err_names[0]))
		return "unknown error";
	return err_names[-err];
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The one option walker. Calls visit(code, data, len) per instance; PAD is
 * skipped, END stops the region. An option whose length byte or value runs
 * past the region is ETRUNCATED. A region without END is accepted: the
 * fixed-size file/sname fields and some clients' option fields simply end. */
typedef int (*opt_visit_fn)(uint8_t code, const uint8_t *data, uint8_t len, void *arg);

static int walk_region(const struct region *r, opt_visit_fn visit, void *arg)
{
	size_t off = 0;

	while (off < r->len) {
		uint8_t code = r->p[off++];
		if (code == DHO_PAD)
			continue;
		if (code == DHO_END)
			return DHCP_OK;
		if (off >= r->len)
			return DHCP_ETRUNCATED;
		uint8_t olen = r->p[off++];
		if (olen > r->len - off)
			return DHCP_ETRUNCATED;
		int rc = visit(code, r->p + off, olen, arg);
		if (rc < 0)
			return rc;
		off += olen;
	}
	return DHCP_OK;
}

struct count_ctx {
	struct walk_state *ws;
	struct dhcp_msg *msg;
	enum opt_region region;
};

/* Pass 1: count instances and total lengths; remember the first instance. */
static int count_visit(uint8_t code, const uint8_t *data, uint8_t len, void *arg)
{
	struct count_ctx *c = arg;

	/* RFC 2132 9.3: option 52 is only meaningful in the options field. */
	if (code == DHO_OVERLOAD && c->region != REGION_OPTIONS)
		return DHCP_EBADOVERLOAD;
	if (c->ws->count[code] == 0) {
		c->msg->opt[code].data = data;
		c->msg->opt[code].len = len;
		c->msg->opt[code].present = true;
	}
	c->ws->count[code]++;
	c->ws->total[code] += len;
	return DHCP_OK;
}

/* Pass 2: copy every instance of a repeated option into its slot in the
 * message's scratch space, in walk order (RFC 3396 section 7). */
static int concat_visit(uint8_t code, const uint8_t *data, uint8_t len, void *arg)
{
	struct count_ctx *c = arg;

	if (c->ws->count[code] < 2)
		return DHCP_OK;
	memcpy(c->msg->concat + c->ws->slot[code] + c->ws->filled[code], data, len);
	c->ws->filled[code] += len;
	return DHCP_OK;
}

/* Give each repeated option a contiguous slot in msg->concat. */
static int concat_alloc(struct walk_state *ws, struct dhcp_msg *msg)
{
	for (int code = 1; code < 255; code++) {
		if (ws->count[code] < 2)
			continue;
		size_t total = ws->total[code];
		if (total > sizeof(msg->concat) - msg->concat_used || total > UINT16_MAX)
			return DHCP_EMALFORMED;
		ws->slot[code] = msg->concat_used;
		msg->opt[code].data = msg->concat + msg->concat_used;
		msg->opt[code].len = (uint16_t)total;
		msg->concat_used += total;
	}
	return DHCP_OK;
}

static int check_lengths(const struct dhcp_msg *msg)
{
	for (int code = 1; code < 255; code++) {
		const struct opt_rule *rule = &opt_rules[code];
		const struct dhcp_opt *o = &msg->opt[code];
		if (!o->present || rule->min == 0)
			continue;
		if (o->len < rule->min || (rule->max && o->len > rule->max) ||
		    (rule->unit > 1 && o->len % rule->unit))
			return DHCP_EMALFORMED;
	}
	return DHCP_OK;
}

static void parse_fixed(const uint8_t *buf, struct dhcp_msg *msg)
{
	msg->op = buf[0];
	msg->htype = buf[1];
	msg->hlen = buf[2];
	msg->hops = buf[3];
	msg->xid = get_u32(buf + 4);
	msg->secs = get_u16(buf + 8);
	msg->flags = get_u16(buf + 10);
	memcpy(&msg->ciaddr, buf + 12, 4);
	memcpy(&msg->yiaddr, buf + 16, 4);
	memcpy(&msg->siaddr, buf + 20, 4);
	memcpy(&msg->giaddr, buf + 24, 4);
	memcpy(msg->chaddr, buf + 28, 16);
}

struct in_addr dhcp_peek_giaddr(const uint8_t *buf, size_t len)
{
	struct in_addr a = {INADDR_ANY};

	if (len >= DHCP_FIXED_LEN)
		memcpy(&a, buf + 24, 4);
	return a;
}

/* Copy a fixed NUL-padded field, stopping at the first NUL. */
static void copy_field(char *dst, const uint8_t *src, size_t n)
{
	size_t l = strnlen((const char *)src, n);
	memcpy(dst, src, l);
	dst[l] = '\0';
}

/* Walk the options field, then file/sname as option 52 asks. */
static int walk_all(struct region *regs, struct walk_state *ws, struct dhcp_msg *msg,
		    opt_visit_fn visit, unsigned overload)
{
	struct count_ctx c = {.ws = ws, .msg = msg};

	for (int i = 0; i < REGION_COUNT; i++) {
		if (i == REGION_FILE && !(overload & 1))
			continue;
		if (i == REGION_SNAME && !(overload & 2))
			continue;
		c.region = (enum opt_region)i;
		int rc = walk_region(&regs[i], visit, &c);
		if (rc < 0)
			return rc;
	}
	return DHCP_OK;
}

/* Determine option 52 from the options field alone (RFC 2132 9.3). */
static int read_overload(struct region *opts, struct walk_state *ws, struct dhcp_msg *msg,
			 unsigned *overload)
{
	struct count_ctx c = {.ws = ws, .msg = msg, .region = REGION_OPTIONS};
	int rc = walk_region(opts, count_visit, &c);

	if (rc < 0)
		return rc;
	*overload = 0;
	if (!msg->opt[DHO_OVERLOAD].present)
		return DHCP_OK;
	if (ws->count[DHO_OVERLOAD] != 1 || msg->opt[DHO_OVERLOAD].len != 1)
		return DHCP_EBADOVERLOAD;
	*overload = msg->opt[DHO_OVERLOAD].data[0];
	if (*overload < 1 || *overload > 3)
		return DHCP_EBADOVERLOAD;
	return DHCP_OK;
}

int dhcp_parse(const uint8_t *buf, size_t len, struct dhcp_msg *msg)
{
	struct walk_state ws;
	unsigned overload;
	int rc;

	memset(&ws, 0, sizeof(ws));
	memset(msg, 0, offsetof(struct dhcp_msg, concat));
	msg->concat_used = 0;
	if (len < DHCP_MIN_LEN)
		return DHCP_ETRUNCATED;
	if (get_u32(buf + DHCP_FIXED_LEN) != DHCP_MAGIC)
		return DHCP_EBADCOOKIE;
	parse_fixed(buf, msg);
	if (msg->hlen > sizeof(msg->chaddr))
		return DHCP_EBADHTYPE;

	struct region regs[REGION_COUNT] = {
	    [REGION_OPTIONS] = {buf + DHCP_MIN_LEN, len - DHCP_MIN_LEN},
	    [REGION_FILE] = {buf + 108, 128},
	    [REGION_SNAME] = {buf + 44, 64},
	};
	rc = read_overload(&regs[REGION_OPTIONS], &ws, msg, &overload);
	if (rc < 0)
		return rc;
	/* The options field is counted; walk only the overloaded fields now. */
	struct region none = {buf, 0};
	struct region extra[REGION_COUNT] = {none, regs[REGION_FILE], regs[REGION_SNAME]};
	rc = walk_all(extra, &ws, msg, count_visit, overload);
	if (rc < 0)
		return rc;
	rc = concat_alloc(&ws, msg);
	if (rc < 0)
		return rc;
	if (msg->concat_used)
		(void)walk_all(regs, &ws, msg, concat_visit, overload);
	rc = check_lengths(msg);
	if (rc < 0)
		return rc;

	if (!(overload & 1))
		copy_field(msg->file, buf + 108, 128);
	if (!(overload & 2))
		copy_field(msg->sname, buf + 44, 64);
	if (msg->opt[DHO_MSG_TYPE].present) {
		msg->msg_type = msg->opt[DHO_MSG_TYPE].data[0];
		if (msg->msg_type == 0)
			return DHCP_ENOMSGTYPE;
	}
	return DHCP_OK;
}

bool dhcp_opt_u8(const struct dhcp_msg *m, uint8_t code, uint8_t *v)
{
	const struct dhcp_opt *o = &m->opt[code];

	if (!o->present || o->len != 1)
		return false;
	*v = o->data[0];
	return true;
}

bool dhcp_opt_u16(const struct dhcp_msg *m, uint8_t code, uint16_t *v)
{
	const struct dhcp_opt *o = &m->opt[code];

	if (!o->present || o->len != 2)
		return false;
	*v = get_u16(o->data);
	return true;
}

bool dhcp_opt_u32(const struct dhcp_msg *m, uint8_t code, uint32_t *v)
{
	const struct dhcp_opt *o = &m->opt[code];

	if (!o->present || o->len != 4)
		return false;
	*v = get_u32(o->data);
	return true;
}

bool dhcp_opt_addr(const struct dhcp_msg *m, uint8_t code, struct in_addr *v)
{
	const struct dhcp_opt *o = &m->opt[code];

	if (!o->present || o->len != 4)
		return false;
	memcpy(v, o->data, 4);
	return true;
}

void dhcp_build_init(struct dhcp_builder *b, uint8_t *buf, size_t bufsize, size_t cap, uint8_t op,
		     const struct dhcp_msg *req)
{
	if (cap < DHCP_MIN_REPLY)
		cap = DHCP_MIN_REPLY;
	if (cap > bufsize)
		cap = bufsize;
	b->buf = buf;
	b->cap = cap;
	b->len = DHCP_MIN_LEN;
	b->err = DHCP_OK;
	/* Room for the header, the cookie and END at the very least. */
	if (cap < DHCP_MIN_LEN + 1) {
		b->err = DHCP_ENOSPACE;
		b->len = 0;
		return;
	}
	memset(buf, 0, cap);
	buf[0] = op;
	buf[1] = 1; /* Ethernet unless req says otherwise */
	buf[2] = 6;
	if (req) {
		buf[1] = req->htype;
		buf[2] = req->hlen <= 16 ? req->hlen : 16;
		put_u32(buf + 4, req->xid);
		buf[10] = (uint8_t)(req->flags >> 8);
		buf[11] = (uint8_t)req->flags;
		memcpy(buf + 24, &req->giaddr, 4);
		memcpy(buf + 28, req->chaddr, 16);
	}
	put_u32(buf + DHCP_FIXED_LEN, DHCP_MAGIC);
}

/* Values longer than 255 bytes are split into several instances of the same
 * option (RFC 3396 section 5). One byte stays reserved for END throughout. */
int dhcp_build_opt(struct dhcp_builder *b, uint8_t code, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t chunks = len ? (len + 254) / 255 : 1;

	if (b->err)
		return b->err;
	if (code == DHO_PAD || code == DHO_END || (len && !data) ||
	    b->len + len + 2 * chunks + 1 > b->cap) {
		b->err = DHCP_ENOSPACE;
		return b->err;
	}
	do {
		size_t n = len > 255 ? 255 : len;
		b->buf[b->len++] = code;
		b->buf[b->len++] = (uint8_t)n;
		if (n)
			memcpy(b->buf + b->len, p, n);
		b->len += n;
		p += n;
		len -= n;
	} while (len > 0);
	return DHCP_OK;
}

int dhcp_build_u8(struct dhcp_builder *b, uint8_t code, uint8_t v)
{
	return dhcp_build_opt(b, code, &v, 1);
}

int dhcp_build_u16(struct dhcp_builder *b, uint8_t code, uint16_t v)
{
	uint8_t p[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	return dhcp_build_opt(b, code, p, 2);
}

int dhcp_build_u32(struct dhcp_builder *b, uint8_t code, uint32_t v)
{
	uint8_t p[4];
	put_u32(p, v);
	return dhcp_build_opt(b, code, p, 4);
}

int dhcp_build_addr(struct dhcp_builder *b, uint8_t code, struct in_addr a)
{
	return dhcp_build_opt(b, code, &a.s_addr, 4);
}

void dhcp_build_set_addrs(struct dhcp_builder *b, struct in_addr ciaddr, struct in_addr yiaddr,
			  struct in_addr siaddr, struct in_addr giaddr)
{
	if (b->len < DHCP_MIN_LEN)
		return;
	memcpy(b->buf + 12, &ciaddr, 4);
	memcpy(b->buf + 16, &yiaddr, 4);
	memcpy(b->buf + 20, &siaddr, 4);
	memcpy(b->buf + 24, &giaddr, 4);
}

/* file and sname are fixed fields: the value is truncated to fit, keeping a
 * NUL terminator as RFC 2131 table 2 calls them "null terminated strings". */
static void set_field(struct dhcp_builder *b, size_t off, size_t size, const char *s)
{
	if (b->len < DHCP_MIN_LEN)
		return;
	memset(b->buf + off, 0, size);
	if (s)
		memcpy(b->buf + off, s, strnlen(s, size - 1));
}

void dhcp_build_set_file(struct dhcp_builder *b, const char *file)
{
	set_field(b, 108, 128, file);
}

void dhcp_build_set_sname(struct dhcp_builder *b, const char *sname)
{
	set_field(b, 44, 64, sname);
}

void dhcp_build_set_xid_chaddr(struct dhcp_builder *b, uint32_t xid, const uint8_t *chaddr,
			       uint8_t hlen)
{
	if (b->len < DHCP_MIN_LEN)
		return;
	if (hlen > 16)
		hlen = 16;
	put_u32(b->buf + 4, xid);
	b->buf[2] = hlen;
	memset(b->buf + 28, 0, 16);
	if (chaddr)
		memcpy(b->buf + 28, chaddr, hlen);
}

void dhcp_build_set_flags(struct dhcp_builder *b, uint16_t flags)
{
	if (b->len < DHCP_MIN_LEN)
		return;
	b->buf[10] = (uint8_t)(flags >> 8);
	b->buf[11] = (uint8_t)flags;
}

int dhcp_build_finish(struct dhcp_builder *b)
{
	/* RFC 1542 3.2 / BOOTP: a 300-byte minimum keeps old PXE ROMs and
	 * relay agents happy; the buffer past len is already zero. */
	const size_t bootp_min = 300;

	if (b->err)
		return b->err;
	if (b->len + 1 > b->cap)
		return b->err = DHCP_ENOSPACE;
	b->buf[b->len++] = DHO_END;
	if (b->len < bootp_min && bootp_min <= b->cap)
		b->len = bootp_min;
	return (int)b->len;
}
