/* fuzz_tftp.c - libFuzzer harness for the TFTP request/ACK/ERROR parser,
 * option negotiation, OACK building and the lexical path check.
 *
 *   make build/fuzz/fuzz_tftp
 *   build/fuzz/fuzz_tftp -max_total_time=60 fuzz/corpus/tftp
 *
 * Invariants checked beyond "no crash": every pointer the parser returns
 * lies inside the input, names are NUL-terminated where claimed, negotiated
 * values respect the limits, and an OACK acknowledges only requested
 * options. */
#include "tftp/tftp_path.h"
#include "tftp/tftp_proto.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

/* The default caps and the extremes tftp = { blksize_max; windowsize_max; }
 * accepts. */
static const struct tftp_limits limits[] = {
	TFTP_LIMITS_DEFAULT,
	{ .blksize_max = TFTP_BLKSIZE_MIN, .windowsize_max = 1 },
	{ .blksize_max = TFTP_BLKSIZE_MAX, .windowsize_max = 65535 },
};

static void check_request(const uint8_t *data, size_t size, const struct tftp_request *req)
{
	struct tftp_params p;
	uint8_t oack[128]; /* what a transfer keeps its OACK in (tftp_xfer.c) */
	char rel[TFTP_PATH_MAX + 1];
	const uint8_t *name = (const uint8_t *)req->filename;

	CHECK(name >= data && name + req->filename_len < data + size);
	CHECK(name[req->filename_len] == 0 && strlen(req->filename) == req->filename_len);
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		const struct tftp_limits *lim = &limits[i];
		/* a size from the input, so tsize 0 (declined) is reached too */
		tftp_negotiate(req, lim, size > 8 ? (uint64_t)data[size - 1] << 20 : 0, &p);
		/* without the option, RFC 1350's 512 whatever the cap */
		if (req->opt_mask & (1u << TFTP_OPT_BLKSIZE))
			CHECK(p.blksize >= TFTP_BLKSIZE_MIN && p.blksize <= lim->blksize_max);
		else
			CHECK(p.blksize == TFTP_DEFAULT_BLKSIZE);
		CHECK(p.windowsize >= 1 && p.windowsize <= lim->windowsize_max);
		CHECK((p.oack_mask & ~req->opt_mask) == 0);
		CHECK(tftp_build_oack(oack, sizeof(oack), &p) > 0);
	}
	if (tftp_path_check(req->filename, req->filename_len, rel, sizeof(rel)) == TFTP_PATH_OK) {
		CHECK(rel[0] != '/' && strstr(rel, "\\") == NULL);
		CHECK(strcmp(rel, "..") != 0 && strncmp(rel, "../", 3) != 0 &&
		      strstr(rel, "/../") == NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tftp_packet tp;
	enum tftp_perr e;
	uint8_t *copy;

	/* An exact-size copy: any read past the end is an ASan report. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	e = tftp_parse(copy, size, &tp);
	CHECK(e < TFTP_P_COUNT);
	if (e == TFTP_P_OK && (tp.op == TFTP_RRQ || tp.op == TFTP_WRQ))
		check_request(copy, size, &tp.req);
	if (e == TFTP_P_OK && tp.op == TFTP_ERROR)
		CHECK((const uint8_t *)tp.errmsg + tp.errmsg_len <= copy + size);
	/* the path check alone, on raw bytes including NULs */
	{
		char rel[TFTP_PATH_MAX + 1];
		(void)tftp_path_check((const char *)copy, size, rel, sizeof(rel));
	}
	free(copy);
	return 0;
}
