/* dhcp_codec.h - DHCPv4 wire format (RFC 2131/2132), shared by the server,
 * the installer's client and the tests.
 *
 * Parsing: one cursor, bounds checked before every read; one option walker
 * that handles PAD/END and option overload (52) into file/sname; each known
 * option's exact or minimum length is declared in a table.
 * Building: the END byte is reserved up front and every append is checked. */
#ifndef BOOTSRV_DHCP_CODEC_H
#define BOOTSRV_DHCP_CODEC_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_FIXED_LEN 236 /* op .. file, without the magic cookie */
#define DHCP_MAGIC 0x63825363u
#define DHCP_MIN_LEN (DHCP_FIXED_LEN + 4)
#define DHCP_MAX_MSG 1500	 /* our receive/build buffer */
#define DHCP_MIN_REPLY 576	 /* RFC 2131 minimum every client accepts */

#define DHCP_SERVER_PORT 67 /* RFC 2131 4.1 */
#define DHCP_CLIENT_PORT 68
#define PXE_SERVER_PORT 4011 /* PXE 2.1 2.2.2: proxyDHCP REQUESTs */

enum dhcp_op { DHCP_BOOTREQUEST = 1, DHCP_BOOTREPLY = 2 };

enum dhcp_msg_type {
	DHCPDISCOVER = 1,
	DHCPOFFER = 2,
	DHCPREQUEST = 3,
	DHCPDECLINE = 4,
	DHCPACK = 5,
	DHCPNAK = 6,
	DHCPRELEASE = 7,
	DHCPINFORM = 8,
};

enum dhcp_option {
	DHO_PAD = 0,
	DHO_SUBNET_MASK = 1,
	DHO_ROUTER = 3,
	DHO_DNS = 6,
	DHO_HOSTNAME = 12,
	DHO_DOMAIN_NAME = 15,
	DHO_BROADCAST = 28,
	DHO_VENDOR_SPECIFIC = 43,
	DHO_REQUESTED_IP = 50,
	DHO_LEASE_TIME = 51,
	DHO_OVERLOAD = 52,
	DHO_MSG_TYPE = 53,
	DHO_SERVER_ID = 54,
	DHO_PARAM_REQ = 55,
	DHO_MESSAGE = 56,
	DHO_MAX_MSG_SIZE = 57,
	DHO_RENEWAL_TIME = 58,
	DHO_REBINDING_TIME = 59,
	DHO_VENDOR_CLASS = 60,
	DHO_CLIENT_ID = 61,
	DHO_TFTP_SERVER = 66,
	DHO_BOOTFILE = 67,
	DHO_USER_CLASS = 77,
	DHO_CLIENT_ARCH = 93,
	DHO_CLIENT_NDI = 94,
	DHO_CLIENT_UUID = 97,
	DHO_IPXE_ENCAP = 175,
	DHO_END = 255,
};

/* Distinct error codes per failure cause (negative return values). */
enum dhcp_err {
	DHCP_OK = 0,
	DHCP_ETRUNCATED = -1,	/* message or an option runs past the end */
	DHCP_EMALFORMED = -2,	/* an option's length is wrong for its type */
	DHCP_EBADCOOKIE = -3,
	DHCP_EBADOVERLOAD = -4,
	DHCP_ENOSPACE = -5,	/* builder: option does not fit */
	DHCP_ENOMSGTYPE = -6,	/* no (valid) option 53 */
	DHCP_EBADHTYPE = -7,
};
const char *dhcp_strerror(int err);

/* One parsed option: points into the parsed buffer (no copies). When an
 * option appears several times its values are concatenated per RFC 3396 into
 * the message's scratch space. */
struct dhcp_opt {
	const uint8_t *data;
	uint16_t len;
	bool present;
};

struct dhcp_msg {
	/* fixed header, host byte order where numeric */
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags;
	struct in_addr ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[16];
	char sname[65];	/* NUL-terminated copies (only when not overloaded) */
	char file[129];
	/* options indexed by code */
	struct dhcp_opt opt[256];
	uint8_t msg_type; /* 0 when absent */
	/* scratch for RFC 3396 concatenation */
	uint8_t concat[DHCP_MAX_MSG];
	size_t concat_used;
};

/* Parse buf into msg. Returns DHCP_OK or a negative enum dhcp_err. */
int dhcp_parse(const uint8_t *buf, size_t len, struct dhcp_msg *msg);

/* giaddr of a raw message without parsing the rest (a receive filter);
 * 0.0.0.0 when buf is too short to hold it. */
struct in_addr dhcp_peek_giaddr(const uint8_t *buf, size_t len);

/* Option accessors (false when absent or of the wrong length). */
bool dhcp_opt_u8(const struct dhcp_msg *m, uint8_t code, uint8_t *v);
bool dhcp_opt_u16(const struct dhcp_msg *m, uint8_t code, uint16_t *v);
bool dhcp_opt_u32(const struct dhcp_msg *m, uint8_t code, uint32_t *v);
bool dhcp_opt_addr(const struct dhcp_msg *m, uint8_t code, struct in_addr *v);

/* Builder over a caller's buffer. */
struct dhcp_builder {
	uint8_t *buf;
	size_t cap;	/* never build beyond this (min(bufsize, client max)) */
	size_t len;	/* bytes used so far; options start at DHCP_MIN_LEN */
	int err;	/* first error, sticky */
};

/* Start a message: fixed header zeroed, op/htype/hlen/xid/flags/chaddr/giaddr
 * copied from req when req != NULL, magic cookie written. cap is clamped to
 * [DHCP_MIN_REPLY, bufsize]. */
void dhcp_build_init(struct dhcp_builder *b, uint8_t *buf, size_t bufsize, size_t cap,
		     uint8_t op, const struct dhcp_msg *req);
/* Append an option (code, len, data). Keeps room for END. Returns 0 or
 * DHCP_ENOSPACE (and records it in b->err). */
int dhcp_build_opt(struct dhcp_builder *b, uint8_t code, const void *data, size_t len);
int dhcp_build_u8(struct dhcp_builder *b, uint8_t code, uint8_t v);
int dhcp_build_u16(struct dhcp_builder *b, uint8_t code, uint16_t v);
int dhcp_build_u32(struct dhcp_builder *b, uint8_t code, uint32_t v);
int dhcp_build_addr(struct dhcp_builder *b, uint8_t code, struct in_addr a);
/* Set fixed fields. */
void dhcp_build_set_addrs(struct dhcp_builder *b, struct in_addr ciaddr, struct in_addr yiaddr,
			  struct in_addr siaddr, struct in_addr giaddr);
void dhcp_build_set_file(struct dhcp_builder *b, const char *file);
void dhcp_build_set_sname(struct dhcp_builder *b, const char *sname);
void dhcp_build_set_xid_chaddr(struct dhcp_builder *b, uint32_t xid, const uint8_t *chaddr,
			       uint8_t hlen);
void dhcp_build_set_flags(struct dhcp_builder *b, uint16_t flags);
/* Write END, pad to 300 bytes (BOOTP minimum some clients need). Returns
 * the total length or a negative enum dhcp_err if any append failed. */
int dhcp_build_finish(struct dhcp_builder *b);

#endif
