/* tftp_proto.h - TFTP wire format, pure: parse requests/ACK/ERROR, negotiate
 * options, build OACK/DATA/ERROR. No sockets, no files; unit tested and
 * fuzzed on its own.
 *
 * RFC 1350 (TFTP rev. 2), RFC 2347 (option extension), RFC 2348 (blksize),
 * RFC 2349 (timeout, tsize), RFC 7440 (windowsize). */
#ifndef BOOTSRV_TFTP_PROTO_H
#define BOOTSRV_TFTP_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* RFC 1350 section 5, RFC 2347 for OACK. */
enum tftp_opcode {
	TFTP_RRQ = 1,
	TFTP_WRQ = 2,
	TFTP_DATA = 3,
	TFTP_ACK = 4,
	TFTP_ERROR = 5,
	TFTP_OACK = 6,
};

/* RFC 1350 appendix, RFC 2347 for code 8. */
enum tftp_errcode {
	TFTP_ERR_UNDEF = 0,
	TFTP_ERR_NOTFOUND = 1,
	TFTP_ERR_ACCESS = 2,
	TFTP_ERR_DISKFULL = 3,
	TFTP_ERR_ILLEGAL = 4,
	TFTP_ERR_BADTID = 5,
	TFTP_ERR_EXISTS = 6,
	TFTP_ERR_NOUSER = 7,
	TFTP_ERR_OPTNEG = 8,
};

enum tftp_mode { TFTP_MODE_OCTET, TFTP_MODE_NETASCII };

/* Options we understand, in OACK order. Unknown options are ignored
 * (RFC 2347: "the server ... should simply omit it from the OACK"). */
enum tftp_opt {
	TFTP_OPT_BLKSIZE,
	TFTP_OPT_TSIZE,
	TFTP_OPT_TIMEOUT,
	TFTP_OPT_WINDOWSIZE,
	TFTP_OPT_COUNT
};
extern const char *const tftp_opt_names[TFTP_OPT_COUNT];

#define TFTP_HDR_LEN 4		   /* opcode + block number */
#define TFTP_DEFAULT_BLKSIZE 512   /* RFC 1350 */
#define TFTP_BLKSIZE_MIN 8	   /* RFC 2348 */
#define TFTP_BLKSIZE_MAX 65464	   /* RFC 2348: fits a 64 KiB IP datagram */
#define TFTP_PKT_MAX (TFTP_HDR_LEN + TFTP_BLKSIZE_MAX)

/* Every way a packet can be wrong gets its own code, so logs, tests and the
 * fuzzer can tell them apart. tftp_perr_names[] is parallel. */
enum tftp_perr {
	TFTP_P_OK = 0,
	TFTP_P_SHORT,		/* shorter than the opcode's fixed header */
	TFTP_P_OPCODE,		/* opcode outside 1..6 */
	TFTP_P_NAME_UNTERMINATED,
	TFTP_P_NAME_EMPTY,
	TFTP_P_MODE_UNTERMINATED,
	TFTP_P_MODE_UNKNOWN,	/* not octet/netascii ("mail" is obsolete) */
	TFTP_P_OPT_UNTERMINATED, /* option name without its NUL */
	TFTP_P_OPT_NO_VALUE,	/* option name with no value (or value without NUL) */
	TFTP_P_OPT_DUPLICATE,
	TFTP_P_OPT_SYNTAX,	/* value is not a decimal number */
	TFTP_P_OPT_RANGE,	/* value outside the option's RFC range */
	TFTP_P_COUNT
};
extern const char *const tftp_perr_names[TFTP_P_COUNT];

struct tftp_request {
	const char *filename; /* points into the packet, NUL-terminated there */
	size_t filename_len;
	enum tftp_mode mode;
	unsigned opt_mask; /* bit (1u << enum tftp_opt) set when the client asked */
	uint64_t opt_val[TFTP_OPT_COUNT];
	enum tftp_opt bad_opt; /* which option failed, for OPT_DUPLICATE/SYNTAX/RANGE */
};

struct tftp_packet {
	enum tftp_opcode op;
	uint16_t block;		/* DATA, ACK */
	uint16_t errcode;	/* ERROR */
	const char *errmsg;	/* ERROR: points into the packet, NOT terminated */
	size_t errmsg_len;
	struct tftp_request req; /* RRQ, WRQ */
};

/* Parse one datagram. Every read is bounds-checked against len; pointers in
 * *out point into pkt. */
enum tftp_perr tftp_parse(const uint8_t *pkt, size_t len, struct tftp_packet *out);

/* Server-side caps: blksize to what fits the path MTU, windowsize to what we
 * are willing to have in flight per client. */
struct tftp_limits {
	uint32_t blksize_max;	 /* 8..65464; 1468 fits a 1500-byte MTU */
	uint32_t windowsize_max; /* 1..65535 */
	uint32_t mtu;		 /* the route's, 0: unknown */
};
/* Fragments of one window, at most: when blocks are larger than the MTU
 * (a blksize_max above what Ethernet carries), every block is several IP
 * fragments, and a window of them overruns a client's default socket
 * receive buffer (about 90 fragments fit in Linux's 212 KiB): the tail of
 * every window is lost, the client waits for its timeout, the resent
 * window is lost the same way. So the window is negotiated down to what
 * this many fragments carry (RFC 7440 lets the server answer smaller). */
#define TFTP_WINDOW_FRAGS_MAX 64
#define TFTP_LIMITS_DEFAULT ((struct tftp_limits){ .blksize_max = 1468, .windowsize_max = 64 })

/* The parameters of one transfer after negotiation. */
struct tftp_params {
	uint32_t blksize;
	uint32_t windowsize;
	uint32_t timeout_s; /* 0: not negotiated, the server picks */
	uint64_t tsize;
	unsigned oack_mask; /* options to acknowledge; 0: no OACK, start with DATA */
};

/* Negotiate an RRQ for a file of size bytes: acknowledge exactly the known
 * options the client sent, lowering blksize/windowsize to the limits. The
 * request's values are already range-checked by tftp_parse. */
void tftp_negotiate(const struct tftp_request *req, const struct tftp_limits *lim, uint64_t size,
		    struct tftp_params *out);

/* Builders return the packet length, or -ENOSPC when cap is too small. */
ssize_t tftp_build_oack(uint8_t *buf, size_t cap, const struct tftp_params *p);
ssize_t tftp_build_error(uint8_t *buf, size_t cap, uint16_t code, const char *msg);
/* Writes the 4-byte DATA header; the payload goes at buf + TFTP_HDR_LEN. */
ssize_t tftp_build_data_hdr(uint8_t *buf, size_t cap, uint16_t block);

/* RFC 1350 netascii (RFC 764 NVT): LF -> CR LF, CR -> CR NUL. *out is
 * malloc'd (never NULL on success, even for len 0). Returns 0 or -ENOMEM. */
int tftp_netascii_encode(const uint8_t *in, size_t len, uint8_t **out, size_t *outlen);

/* The ERROR code a parse failure is answered with. */
uint16_t tftp_perr_errcode(enum tftp_perr e);

#endif
