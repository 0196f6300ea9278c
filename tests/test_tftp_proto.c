/* test_tftp_proto.c - TFTP wire parsing, option negotiation, packet
 * building and path containment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tftp/tftp_path.h"
#include "tftp/tftp_proto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A packet from a string literal, without the literal's own final NUL. */
#define PKT(s) (const uint8_t *)(s), sizeof(s) - 1
#define RRQ(rest) "\0\1" rest

static enum tftp_perr parse(const uint8_t *p, size_t len, struct tftp_packet *out)
{
	/* Copy to an exact-size heap buffer so ASan sees any overread. */
	uint8_t *copy = malloc(len ? len : 1);
	enum tftp_perr e;

	assert_non_null(copy);
	memcpy(copy, p, len);
	e = tftp_parse(copy, len, out);
	free(copy);
	return e;
}

static void test_rrq_plain(void **state)
{
	struct tftp_packet tp;
	const uint8_t pkt[] = "\0\1pxelinux.0\0octet";

	(void)state;
	assert_int_equal(tftp_parse(pkt, sizeof(pkt), &tp), TFTP_P_OK);
	assert_int_equal(tp.op, TFTP_RRQ);
	assert_string_equal(tp.req.filename, "pxelinux.0");
	assert_int_equal(tp.req.filename_len, 10);
	assert_int_equal(tp.req.mode, TFTP_MODE_OCTET);
	assert_int_equal(tp.req.opt_mask, 0);
}

static void test_rrq_options(void **state)
{
	struct tftp_packet tp;
	/* Mixed case names and mode (RFC 2347: case-insensitive), an unknown
	 * option with an empty value as iPXE sends "multicast". */
	const uint8_t pkt[] = "\0\1boot/default/vmlinuz\0NetASCII\0BLKSIZE\0001468\0"
			      "tsize\0000\0multicast\0\0windowsize\00016\0Timeout\0005";

	(void)state;
	assert_int_equal(tftp_parse(pkt, sizeof(pkt), &tp), TFTP_P_OK);
	assert_int_equal(tp.req.mode, TFTP_MODE_NETASCII);
	assert_int_equal(tp.req.opt_mask, 0xf);
	assert_int_equal(tp.req.opt_val[TFTP_OPT_BLKSIZE], 1468);
	assert_int_equal(tp.req.opt_val[TFTP_OPT_TSIZE], 0);
	assert_int_equal(tp.req.opt_val[TFTP_OPT_WINDOWSIZE], 16);
	assert_int_equal(tp.req.opt_val[TFTP_OPT_TIMEOUT], 5);
}

static void test_ack_error(void **state)
{
	struct tftp_packet tp;

	(void)state;
	assert_int_equal(parse(PKT("\0\4\xff\xfe"), &tp), TFTP_P_OK);
	assert_int_equal(tp.op, TFTP_ACK);
	assert_int_equal(tp.block, 0xfffe);
	/* trailing bytes after an ACK are tolerated */
	assert_int_equal(parse(PKT("\0\4\0\1junk"), &tp), TFTP_P_OK);
	assert_int_equal(tp.block, 1);
	/* straight on the literal: tp points into the packet */
	assert_int_equal(tftp_parse(PKT("\0\5\0\10tsize only\0"), &tp), TFTP_P_OK);
	assert_int_equal(tp.op, TFTP_ERROR);
	assert_int_equal(tp.errcode, 8);
	assert_int_equal(tp.errmsg_len, 10);
	assert_memory_equal(tp.errmsg, "tsize only", 10);
	/* unterminated message: kept as far as it goes */
	assert_int_equal(parse(PKT("\0\5\0\0abc"), &tp), TFTP_P_OK);
	assert_int_equal(tp.errmsg_len, 3);
}

static void test_malformed(void **state)
{
	static const struct {
		const char *pkt;
		size_t len;
		enum tftp_perr want;
	} cases[] = {
#define C(s, e) { s, sizeof(s) - 1, e }
		C("", TFTP_P_SHORT),
		C("\0", TFTP_P_SHORT),
		C("\0\1", TFTP_P_SHORT),
		C("\0\4\0", TFTP_P_SHORT),
		C("\0\3\0", TFTP_P_SHORT),
		C("\0\5\0", TFTP_P_SHORT),
		C("\0\0", TFTP_P_OPCODE),
		C("\0\7x\0octet\0", TFTP_P_OPCODE),
		C("\1\1x\0octet\0", TFTP_P_OPCODE),
		C(RRQ("pxelinux.0"), TFTP_P_NAME_UNTERMINATED),
		C(RRQ("\0octet\0"), TFTP_P_NAME_EMPTY),
		C(RRQ("f\0"), TFTP_P_MODE_UNTERMINATED),
		C(RRQ("f\0oct"), TFTP_P_MODE_UNTERMINATED),
		C(RRQ("f\0mail\0"), TFTP_P_MODE_UNKNOWN),
		C(RRQ("f\0\0"), TFTP_P_MODE_UNKNOWN),
		C(RRQ("f\0octet\0blksize"), TFTP_P_OPT_UNTERMINATED),
		C(RRQ("f\0octet\0blksize\0"), TFTP_P_OPT_NO_VALUE),
		C(RRQ("f\0octet\0blksize\0001468"), TFTP_P_OPT_NO_VALUE),
		C(RRQ("f\0octet\0blksize\0001468\0BlkSize\000512\0"), TFTP_P_OPT_DUPLICATE),
		C(RRQ("f\0octet\0blksize\0abc\0"), TFTP_P_OPT_SYNTAX),
		C(RRQ("f\0octet\0blksize\0\0"), TFTP_P_OPT_SYNTAX),
		C(RRQ("f\0octet\0blksize\0-1\0"), TFTP_P_OPT_SYNTAX),
		C(RRQ("f\0octet\0blksize\0 8\0"), TFTP_P_OPT_SYNTAX),
		C(RRQ("f\0octet\0blksize\0008x\0"), TFTP_P_OPT_SYNTAX),
		C(RRQ("f\0octet\0blksize\0007\0"), TFTP_P_OPT_RANGE),
		C(RRQ("f\0octet\0blksize\00065465\0"), TFTP_P_OPT_RANGE),
		C(RRQ("f\0octet\0timeout\0000\0"), TFTP_P_OPT_RANGE),
		C(RRQ("f\0octet\0timeout\000256\0"), TFTP_P_OPT_RANGE),
		C(RRQ("f\0octet\0windowsize\0000\0"), TFTP_P_OPT_RANGE),
		C(RRQ("f\0octet\0windowsize\00065536\0"), TFTP_P_OPT_RANGE),
		C(RRQ("f\0octet\0tsize\00099999999999999999999999\0"), TFTP_P_OPT_RANGE),
#undef C
	};
	struct tftp_packet tp;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum tftp_perr e = parse((const uint8_t *)cases[i].pkt, cases[i].len, &tp);
		if (e != cases[i].want)
			fail_msg("case %zu: got %s, want %s", i, tftp_perr_names[e],
				 tftp_perr_names[cases[i].want]);
	}
}

static void test_edges_accepted(void **state)
{
	struct tftp_packet tp;

	(void)state;
	/* NUL padding after the mode or after complete options */
	assert_int_equal(parse(PKT(RRQ("f\0octet\0\0\0\0")), &tp), TFTP_P_OK);
	assert_int_equal(parse(PKT(RRQ("f\0octet\0tsize\0000\0\0\0")), &tp), TFTP_P_OK);
	/* range ends are valid */
	assert_int_equal(parse(PKT(RRQ("f\0octet\0blksize\0008\0")), &tp), TFTP_P_OK);
	assert_int_equal(parse(PKT(RRQ("f\0octet\0blksize\00065464\0timeout\000255\0")), &tp),
			 TFTP_P_OK);
	assert_int_equal(parse(PKT(RRQ("f\0octet\0windowsize\00065535\0timeout\0001\0")), &tp),
			 TFTP_P_OK);
	/* the failing option is reported */
	assert_int_equal(parse(PKT(RRQ("f\0octet\0tsize\0000\0timeout\0009999\0")), &tp),
			 TFTP_P_OPT_RANGE);
	assert_int_equal(tp.req.bad_opt, TFTP_OPT_TIMEOUT);
	/* WRQ parses like RRQ (the server refuses it, the parser does not) */
	assert_int_equal(parse(PKT("\0\2up\0octet\0"), &tp), TFTP_P_OK);
	assert_int_equal(tp.op, TFTP_WRQ);
	assert_int_equal(tftp_perr_errcode(TFTP_P_OPT_RANGE), TFTP_ERR_OPTNEG);
	assert_int_equal(tftp_perr_errcode(TFTP_P_NAME_EMPTY), TFTP_ERR_ILLEGAL);
}

/* Negotiate pkt for a file of size bytes and compare the OACK byte for byte
 * (want NULL: no OACK expected). */
static void check_oack(const uint8_t *pkt, size_t len, uint64_t size, const char *want,
		       size_t wantlen, struct tftp_params *p)
{
	struct tftp_limits lim = TFTP_LIMITS_DEFAULT;
	struct tftp_packet tp;
	uint8_t buf[512];
	ssize_t n;

	assert_int_equal(parse(pkt, len, &tp), TFTP_P_OK);
	tftp_negotiate(&tp.req, &lim, size, p);
	if (!want) {
		assert_int_equal(p->oack_mask, 0);
		return;
	}
	n = tftp_build_oack(buf, sizeof(buf), p);
	assert_int_equal(n, wantlen);
	assert_memory_equal(buf, want, wantlen);
}
#define OACK(s) s, sizeof(s) - 1

static void test_negotiate(void **state)
{
	struct tftp_params p;

	(void)state;
	check_oack(PKT(RRQ("f\0octet\0")), 100, NULL, 0, &p);
	assert_int_equal(p.blksize, 512);
	assert_int_equal(p.windowsize, 1);
	/* only what was asked: tsize alone gives an OACK with tsize alone */
	check_oack(PKT(RRQ("f\0octet\0tsize\0000\0")), 8388608, OACK("\0\6tsize\0008388608\0"), &p);
	assert_int_equal(p.blksize, 512);
	/* unknown options are not acknowledged */
	check_oack(PKT(RRQ("f\0octet\0multicast\0\0rollover\0000\0")), 5, NULL, 0, &p);
	/* below the cap: used as asked */
	check_oack(PKT(RRQ("f\0octet\0blksize\0001024\0")), 5, OACK("\0\6blksize\0001024\0"), &p);
	assert_int_equal(p.blksize, 1024);
	/* above the cap: lowered, and the OACK says so (RFC 2348) */
	check_oack(PKT(RRQ("f\0octet\0blksize\0009000\0")), 5, OACK("\0\6blksize\0001468\0"), &p);
	assert_int_equal(p.blksize, 1468);
	check_oack(PKT(RRQ("f\0octet\0windowsize\0001000\0")), 5, OACK("\0\6windowsize\00064\0"),
		   &p);
	assert_int_equal(p.windowsize, 64);
	check_oack(PKT(RRQ("f\0octet\0timeout\0007\0")), 5, OACK("\0\6timeout\0007\0"), &p);
	assert_int_equal(p.timeout_s, 7);
	/* all four, in table order whatever the request order */
	check_oack(PKT(RRQ("f\0octet\0windowsize\0008\0timeout\0003\0tsize\0000\0blksize\0001432\0")),
		   123456,
		   OACK("\0\6blksize\0001432\0tsize\000123456\0timeout\0003\0windowsize\0008\0"), &p);
	/* an empty file: tsize declined (curl rejects "tsize 0"), others kept */
	check_oack(PKT(RRQ("f\0octet\0tsize\0000\0")), 0, NULL, 0, &p);
	check_oack(PKT(RRQ("f\0octet\0tsize\0000\0blksize\0001468\0")), 0,
		   OACK("\0\6blksize\0001468\0"), &p);
}

/* Caps from the config (tftp.blksize_max, tftp.windowsize_max) instead of
 * the defaults: lower ones negotiate down, higher ones let the client's
 * value through, and the OACK carries what is used. */
static void test_negotiate_limits(void **state)
{
	static const uint8_t req[] = RRQ("f\0octet\0blksize\0008192\0windowsize\00016\0");
	struct tftp_limits low = { .blksize_max = 1024, .windowsize_max = 8 };
	struct tftp_limits high = { .blksize_max = 65464, .windowsize_max = 65535 };
	struct tftp_packet tp;
	struct tftp_params p;
	uint8_t buf[128];
	ssize_t n;

	(void)state;
	assert_int_equal(parse(req, sizeof(req) - 1, &tp), TFTP_P_OK);
	tftp_negotiate(&tp.req, &low, 100000, &p);
	assert_int_equal(p.blksize, 1024);
	assert_int_equal(p.windowsize, 8);
	n = tftp_build_oack(buf, sizeof(buf), &p);
	assert_int_equal(n, sizeof("\0\6blksize\0001024\0windowsize\0008\0") - 1);
	assert_memory_equal(buf, "\0\6blksize\0001024\0windowsize\0008\0", (size_t)n);
	tftp_negotiate(&tp.req, &high, 100000, &p);
	assert_int_equal(p.blksize, 8192);
	assert_int_equal(p.windowsize, 16);
	/* the smallest legal caps */
	low = (struct tftp_limits){ .blksize_max = TFTP_BLKSIZE_MIN, .windowsize_max = 1 };
	tftp_negotiate(&tp.req, &low, 100000, &p);
	assert_int_equal(p.blksize, 8);
	assert_int_equal(p.windowsize, 1);
	assert_int_equal(p.oack_mask, (1u << TFTP_OPT_BLKSIZE) | (1u << TFTP_OPT_WINDOWSIZE));
}

/* Blocks larger than the MTU travel as IP fragments: the window is
 * negotiated down to TFTP_WINDOW_FRAGS_MAX fragments; unfragmented blocks,
 * an unknown MTU and lock-step keep what was asked. */
static void test_negotiate_fragmented_window(void **state)
{
	static const uint8_t req8k[] = RRQ("f\0octet\0blksize\0008192\0windowsize\00016\0");
	static const uint8_t req64k[] = RRQ("f\0octet\0blksize\00065464\0windowsize\00064\0");
	static const uint8_t req1468[] = RRQ("f\0octet\0blksize\0001468\0windowsize\00064\0");
	struct tftp_limits lim = { .blksize_max = 65464, .windowsize_max = 64, .mtu = 1500 };
	struct tftp_packet tp;
	struct tftp_params p;

	(void)state;
	/* 8192 + 12 bytes in fragments of 1480: 6 of them, 64 / 6 = 10 */
	assert_int_equal(parse(req8k, sizeof(req8k) - 1, &tp), TFTP_P_OK);
	tftp_negotiate(&tp.req, &lim, 100000, &p);
	assert_int_equal(p.blksize, 8192);
	assert_int_equal(p.windowsize, 10);
	/* 45 fragments per block: lock-step */
	assert_int_equal(parse(req64k, sizeof(req64k) - 1, &tp), TFTP_P_OK);
	tftp_negotiate(&tp.req, &lim, 100000, &p);
	assert_int_equal(p.windowsize, 1);
	/* one datagram per block: as asked */
	assert_int_equal(parse(req1468, sizeof(req1468) - 1, &tp), TFTP_P_OK);
	tftp_negotiate(&tp.req, &lim, 100000, &p);
	assert_int_equal(p.windowsize, 64);
	/* jumbo frames carry 8192 in one: as asked */
	lim.mtu = 9000;
	assert_int_equal(parse(req8k, sizeof(req8k) - 1, &tp), TFTP_P_OK);
	tftp_negotiate(&tp.req, &lim, 100000, &p);
	assert_int_equal(p.windowsize, 16);
	/* MTU unknown: as asked */
	lim.mtu = 0;
	tftp_negotiate(&tp.req, &lim, 100000, &p);
	assert_int_equal(p.windowsize, 16);
}

static void test_build(void **state)
{
	struct tftp_params p = { .blksize = 1468, .tsize = UINT64_MAX, .oack_mask = 3 };
	uint8_t buf[64];

	(void)state;
	assert_int_equal(tftp_build_error(buf, sizeof(buf), 2, "write not supported"), 24);
	assert_memory_equal(buf, "\0\5\0\2write not supported\0", 24);
	assert_int_equal(tftp_build_error(buf, 23, 2, "write not supported"), -ENOSPC);
	assert_int_equal(tftp_build_data_hdr(buf, sizeof(buf), 0xffff), 4);
	assert_memory_equal(buf, "\0\3\xff\xff", 4);
	assert_int_equal(tftp_build_data_hdr(buf, 3, 1), -ENOSPC);
	assert_int_equal(tftp_build_oack(buf, sizeof(buf), &p), 2 + 8 + 5 + 6 + 21);
	assert_int_equal(tftp_build_oack(buf, 20, &p), -ENOSPC);
	assert_int_equal(tftp_build_oack(buf, 1, &p), -ENOSPC);
}

static void test_netascii(void **state)
{
	uint8_t *out;
	size_t n;

	(void)state;
	assert_int_equal(tftp_netascii_encode((const uint8_t *)"a\nb\rc\r\n", 7, &out, &n), 0);
	assert_int_equal(n, 11);
	assert_memory_equal(out, "a\r\nb\r\0c\r\0\r\n", 11);
	free(out);
	assert_int_equal(tftp_netascii_encode((const uint8_t *)"", 0, &out, &n), 0);
	assert_non_null(out);
	assert_int_equal(n, 0);
	free(out);
}

static void test_path_check(void **state)
{
	char long_name[301], max_name[TFTP_PATH_MAX + 2], out[TFTP_PATH_MAX + 1];
	static const struct {
		const char *name;
		size_t len;
		enum tftp_path_err want;
		const char *rel;
	} cases[] = {
#define P(s, e, r) { s, sizeof(s) - 1, e, r }
		P("pxelinux.0", TFTP_PATH_OK, "pxelinux.0"),
		P("/pxelinux.0", TFTP_PATH_OK, "pxelinux.0"),
		P("/pxelinux.cfg/01-52-54-00-12-34-56", TFTP_PATH_OK,
		  "pxelinux.cfg/01-52-54-00-12-34-56"),
		P("boot/default/vmlinuz", TFTP_PATH_OK, "boot/default/vmlinuz"),
		P("/etc/passwd", TFTP_PATH_OK, "etc/passwd"), /* under the root */
		P("..foo", TFTP_PATH_OK, "..foo"),
		P("a/..b/c..", TFTP_PATH_OK, "a/..b/c.."),
		P("./a", TFTP_PATH_OK, "./a"),
		P("../x", TFTP_PATH_DOTDOT, NULL),
		P("a/../../x", TFTP_PATH_DOTDOT, NULL),
		P("a/../b", TFTP_PATH_DOTDOT, NULL),
		P("a/..", TFTP_PATH_DOTDOT, NULL),
		P("..", TFTP_PATH_DOTDOT, NULL),
		P("/../x", TFTP_PATH_DOTDOT, NULL),
		P("\\x", TFTP_PATH_BACKSLASH, NULL),
		P("a\\..\\..\\x", TFTP_PATH_BACKSLASH, NULL),
		P("//etc/passwd", TFTP_PATH_ABSOLUTE, NULL),
		P("", TFTP_PATH_EMPTY, NULL),
		P("/", TFTP_PATH_EMPTY, NULL),
		P("a\0b", TFTP_PATH_NUL, NULL),
		P("a\x01" "b", TFTP_PATH_CONTROL, NULL),
		P("a\nb", TFTP_PATH_CONTROL, NULL),
		P("a\x7f", TFTP_PATH_CONTROL, NULL),
#undef P
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum tftp_path_err e = tftp_path_check(cases[i].name, cases[i].len, out,
						       sizeof(out));
		if (e != cases[i].want)
			fail_msg("case %zu: got %s, want %s", i, tftp_path_err_names[e],
				 tftp_path_err_names[cases[i].want]);
		if (cases[i].rel)
			assert_string_equal(out, cases[i].rel);
	}
	memset(long_name, 'a', sizeof(long_name));
	assert_int_equal(tftp_path_check(long_name, 300, out, sizeof(out)), TFTP_PATH_TOO_LONG);
	memset(max_name, 'b', sizeof(max_name));
	assert_int_equal(tftp_path_check(max_name, TFTP_PATH_MAX, out, sizeof(out)), TFTP_PATH_OK);
	assert_int_equal(strlen(out), TFTP_PATH_MAX);
	assert_int_equal(tftp_path_check(max_name, TFTP_PATH_MAX + 1, out, sizeof(out)),
			 TFTP_PATH_TOO_LONG);
	/* one leading '/' does not count */
	max_name[0] = '/';
	assert_int_equal(tftp_path_check(max_name, TFTP_PATH_MAX + 1, out, sizeof(out)),
			 TFTP_PATH_OK);
}

static void put(const char *path, const char *data)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(data, f);
	fclose(f);
}

/* A temp tree: top/root is the TFTP root, top/outside is not. */
static void test_path_open(void **state)
{
	char top[] = "/tmp/test_tftp_path.XXXXXX", p[512], q[512], buf[16];
	int rootfd, fd;

	(void)state;
	assert_non_null(mkdtemp(top));
#define AT(rel) (snprintf(p, sizeof(p), "%s/%s", top, rel), p)
#define AT2(rel) (snprintf(q, sizeof(q), "%s/%s", top, rel), q)
	assert_int_equal(mkdir(AT("root"), 0755), 0);
	assert_int_equal(mkdir(AT("root/sub"), 0755), 0);
	assert_int_equal(mkdir(AT("outside"), 0755), 0);
	put(AT("root/file"), "inside");
	put(AT("outside/secret"), "secret");
	assert_int_equal(symlink(AT("outside/secret"), AT2("root/abs-escape")), 0);
	assert_int_equal(symlink("../../outside/secret", AT("root/sub/rel-escape")), 0);
	assert_int_equal(symlink("../outside", AT("root/dir-escape")), 0);
	assert_int_equal(symlink("/proc/self/root/etc/hostname", AT("root/magic")), 0);
	assert_int_equal(symlink("../file", AT("root/sub/inside-link")), 0);
	assert_int_equal(mkfifo(AT("root/fifo"), 0644), 0);
	rootfd = open(AT("root"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(rootfd >= 0);

	fd = tftp_path_open(rootfd, "sub/inside-link");
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 6);
	assert_memory_equal(buf, "inside", 6);
	close(fd);
	assert_int_equal(tftp_path_open(rootfd, "abs-escape"), -EXDEV);
	assert_int_equal(tftp_path_open(rootfd, "sub/rel-escape"), -EXDEV);
	assert_int_equal(tftp_path_open(rootfd, "dir-escape/secret"), -EXDEV);
	assert_int_equal(tftp_path_open(rootfd, "magic"), -EXDEV);
	assert_int_equal(tftp_path_open(rootfd, "etc/passwd"), -ENOENT);
	assert_int_equal(tftp_path_open(rootfd, "missing"), -ENOENT);
	assert_int_equal(tftp_path_open(rootfd, "sub"), -EISDIR);
	assert_int_equal(tftp_path_open(rootfd, "fifo"), -EACCES); /* and did not block */
	/* the lexical check is not the only guard: openat2 refuses too */
	assert_int_equal(tftp_path_open(rootfd, "../outside/secret"), -EXDEV);
	assert_int_equal(tftp_path_open(rootfd, "/etc/passwd"), -EXDEV);
	close(rootfd);

	const char *rm[] = { "root/file", "outside/secret", "root/abs-escape",
			     "root/sub/rel-escape", "root/dir-escape", "root/magic",
			     "root/sub/inside-link", "root/fifo" };
	for (size_t i = 0; i < sizeof(rm) / sizeof(rm[0]); i++)
		unlink(AT(rm[i]));
	rmdir(AT("root/sub"));
	rmdir(AT("root"));
	rmdir(AT("outside"));
	rmdir(top);
#undef AT
#undef AT2
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rrq_plain),     cmocka_unit_test(test_rrq_options),
		cmocka_unit_test(test_ack_error),     cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_edges_accepted), cmocka_unit_test(test_negotiate),
		cmocka_unit_test(test_negotiate_limits),
		cmocka_unit_test(test_negotiate_fragmented_window),
		cmocka_unit_test(test_build),	      cmocka_unit_test(test_netascii),
		cmocka_unit_test(test_path_check),    cmocka_unit_test(test_path_open),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
