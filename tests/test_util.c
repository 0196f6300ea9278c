/* test_util.c - number/size/MAC parsing reject rather than clamp; log
 * escaping of hostile strings; atomic file writes. */
#include "log.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static void test_parse_u64(void **state)
{
	uint64_t v;
	(void)state;
	assert_int_equal(parse_u64("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse_u64("101", 0, 100, &v), -ERANGE);
	assert_int_equal(parse_u64("4x", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_u64("", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_u64("-1", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_u64(" 1", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_u64("99999999999999999999999", 0, UINT64_MAX, &v), -ERANGE);
}

static void test_parse_size(void **state)
{
	uint64_t v;
	(void)state;
	assert_int_equal(parse_size("101M", &v), 0);
	assert_int_equal(v, 101ull << 20);
	assert_int_equal(parse_size("2G", &v), 0);
	assert_int_equal(v, 2ull << 30);
	assert_int_equal(parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_size("1t", &v), 0);
	assert_int_equal(v, 1ull << 40);
	assert_int_equal(parse_size("M", &v), -EINVAL);
	assert_int_equal(parse_size("1.5G", &v), -EINVAL);
	assert_int_equal(parse_size("99999999999999T", &v), -ERANGE);
}

static void test_parse_cidr(void **state)
{
	struct in_addr net, mask;

	(void)state;
	assert_int_equal(parse_cidr("192.0.2.0/24", &net, &mask), 0);
	assert_int_equal(ntohl(net.s_addr), 0xc0000200);
	assert_int_equal(ntohl(mask.s_addr), 0xffffff00);
	assert_int_equal(parse_cidr("192.0.2.7", &net, &mask), 0);
	assert_int_equal(mask.s_addr, 0xffffffff);
	assert_int_equal(parse_cidr("0.0.0.0/0", &net, &mask), 0);
	assert_int_equal(mask.s_addr, 0);
	assert_int_equal(parse_cidr("192.0.2.1/24", &net, &mask), -EDOM);
	assert_int_equal(parse_cidr("192.0.2.0/33", &net, &mask), -ERANGE);
	assert_int_equal(parse_cidr("192.0.2.0/", &net, &mask), -EINVAL);
	assert_int_equal(parse_cidr("192.0.2.0/2x", &net, &mask), -EINVAL);
	assert_int_equal(parse_cidr("/24", &net, &mask), -EINVAL);
	assert_int_equal(parse_cidr("192.0.2/24", &net, &mask), -EINVAL);
	assert_int_equal(parse_cidr("", &net, &mask), -EINVAL);
	/* and back */
	char out[CIDR_STRLEN];
	static const char *const forms[] = {"198.18.0.0/15", "192.0.2.7/32", "0.0.0.0/0",
					    "255.255.255.255/32"};
	for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
		assert_int_equal(parse_cidr(forms[i], &net, &mask), 0);
		cidr_format(net, mask, out);
		assert_string_equal(out, forms[i]);
	}
}

static void test_mac(void **state)
{
	uint8_t m[6];
	char out[18];
	(void)state;
	assert_int_equal(mac_parse("52:54:00:AB:cd:ef", m), 0);
	mac_format(m, '-', out);
	assert_string_equal(out, "52-54-00-ab-cd-ef");
	assert_int_equal(mac_parse("52-54-00-ab-cd-ef", m), 0);
	assert_int_equal(mac_parse("52:54-00:ab:cd:ef", m), -EINVAL);
	assert_int_equal(mac_parse("52:54:00:ab:cd:eg", m), -EINVAL);
	assert_int_equal(mac_parse("52:54:00:ab:cd:ef:", m), -EINVAL);
}

static void test_log_escape(void **state)
{
	char out[32];
	(void)state;
	assert_string_equal(log_escape("ok", 2, out, sizeof(out)), "ok");
	assert_string_equal(log_escape("a\nb\"\\", 5, out, sizeof(out)), "a\\x0ab\\x22\\x5c");
	assert_string_equal(log_escape("\0\xff", 2, out, sizeof(out)), "\\x00\\xff");
	char long_in[100];
	memset(long_in, 'x', sizeof(long_in));
	log_escape(long_in, sizeof(long_in), out, sizeof(out));
	assert_true(strlen(out) < sizeof(out));
	assert_non_null(strstr(out, "..."));
}

static void test_atomic_write(void **state)
{
	char dir[] = "/tmp/bootsrv-util.XXXXXX", path[64], *data;
	size_t len;
	struct stat st;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	assert_int_equal(write_file_atomic(path, "one", 3, 0600), 0);
	assert_int_equal(write_file_atomic(path, "second", 6, 0600), 0);
	assert_int_equal(read_file(path, 100, &data, &len), 0);
	assert_int_equal(len, 6);
	assert_string_equal(data, "second");
	free(data);
	assert_int_equal(read_file(path, 3, &data, &len), -EFBIG);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	unlink(path);
	rmdir(dir);
}

static void test_read_proc_file(void **state)
{
	char *data;
	size_t len;
	(void)state;
	/* st_size is 0 for /proc files: the content must still be read */
	assert_int_equal(read_file("/proc/self/stat", 1 << 16, &data, &len), 0);
	assert_true(len > 10);
	assert_int_equal(strlen(data), len);
	free(data);
}

/* sysfs attributes and machine-ids: the first line, no newline, cut to
 * the buffer; an empty file is an empty string, a missing one -ENOENT. */
static void test_read_first_line(void **state)
{
	char dir[] = "/tmp/bootsrv-util.XXXXXX", path[64], buf[8];
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	assert_int_equal(write_file_atomic(path, "259:1\nsecond\n", 13, 0644), 0);
	assert_int_equal(read_first_line(path, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "259:1");
	assert_int_equal(write_file_atomic(path, "0123456789", 10, 0644), 0);
	assert_int_equal(read_first_line(path, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0123456");
	assert_int_equal(write_file_atomic(path, "", 0, 0644), 0);
	assert_int_equal(read_first_line(path, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	unlink(path);
	assert_int_equal(read_first_line(path, buf, sizeof(buf)), -ENOENT);
	rmdir(dir);
	/* /proc reports size 0: read to EOF all the same */
	assert_int_equal(read_first_line("/proc/sys/kernel/ostype", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "Linux");
}

static void test_name_valid(void **state)
{
	(void)state;
	assert_true(name_valid("node001"));
	assert_true(name_valid("base-2.1_x"));
	assert_false(name_valid(""));
	assert_false(name_valid(".hidden"));
	assert_false(name_valid("../x"));
	assert_false(name_valid("a/b"));
	assert_false(name_valid("a b"));
	assert_true(name_valid("123456789012345678901234567890123456789012345678901234567890123"));
	assert_false(name_valid("1234567890123456789012345678901234567890123456789012345678901234"));
}

static void test_token_equal(void **state)
{
	(void)state;
	assert_true(token_equal("abc", "abc"));
	assert_false(token_equal("abc", "abd"));
	assert_false(token_equal("abc", "abcd"));
	assert_false(token_equal("", "a"));
}

/* console= for the boot loaders' serial terminal (extlinux SERIAL, grub's
 * GRUB_SERIAL_COMMAND): one parser, checked. */
static void test_console_serial(void **state)
{
	unsigned port = 99, speed = 99;
	(void)state;

	assert_true(console_serial("ttyS1,115200n8", &port, &speed));
	assert_int_equal(port, 1);
	assert_int_equal(speed, 115200);
	assert_true(console_serial("ttyS0", &port, &speed));
	assert_int_equal(port, 0);
	assert_int_equal(speed, 9600);
	assert_false(console_serial("tty0", &port, &speed));
	assert_false(console_serial("", &port, &speed));
	assert_false(console_serial(NULL, &port, &speed));
	assert_false(console_serial("ttyS", &port, &speed));
	assert_false(console_serial("ttyS1x", &port, &speed));
	assert_false(console_serial("ttyS1,", &port, &speed));
	assert_false(console_serial("ttyS99999999999,9600", &port, &speed));
	assert_false(console_serial("ttyS0,12", &port, &speed));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_console_serial),
		cmocka_unit_test(test_parse_u64),  cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_mac),	   cmocka_unit_test(test_log_escape),
		cmocka_unit_test(test_atomic_write), cmocka_unit_test(test_token_equal),
		cmocka_unit_test(test_read_proc_file),
		cmocka_unit_test(test_read_first_line),
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_parse_cidr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
