/* test_cpio.c - mkinitramfs's pieces: the newc writer byte for byte, its
 * reproducibility, the ELF dynamic-section reader, the spec parser and the
 * module closure (against the downloaded kernel when it is there). */
#include <errno.h>
#include <elf.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cpio_writer.h"
#include "elf_deps.h"
#include "kmod_closure.h"
#include "spec.h"

/* ---- helpers ---------------------------------------------------------- */

/* Write l with compression c into memory; returns a malloc'd buffer. */
static uint8_t *write_mem(struct cpio_list *l, enum cpio_compress c, size_t *len)
{
	int fd = memfd_create("cpio", MFD_CLOEXEC);
	struct stat st;
	uint8_t *buf;

	assert_true(fd >= 0);
	assert_int_equal(cpio_list_write_fd(l, fd, c), 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

/* ---- newc fixture ----------------------------------------------------- */

/* One newc header: 13 fields of 8 hex digits (ino mode uid gid nlink mtime
 * filesize devmajor devminor rdevmajor rdevminor namesize check). Names and
 * data are padded to 4 bytes, the header's 110 bytes included (the kernel's
 * Documentation/driver-api/early-userspace/buffer-format.rst). */
#define HDR(ino, mode, nlink, size, rmaj, rmin, namesize)                                          \
	"070701" ino mode "00000000"                                                               \
	"00000000" nlink "00000000" size "00000000"                                                \
	"00000000" rmaj rmin namesize "00000000"

/* dir /a 0755, file /a/f "hi\n" 0644, symlink /l -> a/f, added in reverse
 * order: written sorted, inodes 1..3 in that order, mtime/uid/gid 0. */
static const char newc_fixture[] = HDR("00000001", "000041ed", "00000002", "00000000", "00000000",
				       "00000000", "00000002") "a\0" /* 110 + 2 = 112: no pad */
    HDR("00000002", "000081a4", "00000001", "00000003", "00000000", "00000000",
	"00000004") "a/f\0\0\0" /* 110 + 4 = 114: 2 pad */
		    "hi\n\0"	/* 3 data bytes + 1 pad */
    HDR("00000003", "0000a1ff", "00000001", "00000003", "00000000", "00000000",
	"00000002") "l\0"
		    "a/f\0" /* the symlink target is the file data */
    HDR("00000000", "00000000", "00000001", "00000000", "00000000", "00000000",
	"0000000b") "TRAILER!!!\0\0\0\0"; /* 110 + 11 = 121: 3 pad; no block padding after */

static struct cpio_list *tiny_list(bool reversed)
{
	struct cpio_list *l;

	assert_int_equal(cpio_list_new(&l), 0);
	if (reversed) {
		assert_int_equal(cpio_add_symlink(l, "/l", "a/f"), 0);
		assert_int_equal(cpio_add_data(l, "/a/f", "hi\n", 3, 0644), 0);
		assert_int_equal(cpio_add_dir(l, "/a", 0755), 0);
	} else {
		assert_int_equal(cpio_add_dir(l, "/a", 0755), 0);
		assert_int_equal(cpio_add_data(l, "/a/f", "hi\n", 3, 0644), 0);
		assert_int_equal(cpio_add_symlink(l, "/l", "a/f"), 0);
	}
	return l;
}

static void test_newc_fixture(void **state)
{
	struct cpio_list *l = tiny_list(true);
	size_t len;
	uint8_t *out = write_mem(l, CPIO_COMPRESS_NONE, &len);

	(void)state;
	assert_int_equal(len, sizeof(newc_fixture) - 1);
	assert_memory_equal(out, newc_fixture, sizeof(newc_fixture) - 1);
	free(out);
	cpio_list_free(l);
}

/* Insertion order and time of day do not change a single byte, with or
 * without gzip (whose header would otherwise carry the current time). */
static void test_reproducible(void **state)
{
	enum cpio_compress modes[] = {CPIO_COMPRESS_NONE, CPIO_COMPRESS_GZIP, CPIO_COMPRESS_ZSTD};

	(void)state;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct cpio_list *a = tiny_list(false), *b = tiny_list(true);
		size_t la, lb;
		uint8_t *oa = write_mem(a, modes[i], &la);
		uint8_t *ob;
		sleep(i == 1); /* a second apart: a stamped mtime would differ */
		ob = write_mem(b, modes[i], &lb);
		assert_int_equal(la, lb);
		assert_memory_equal(oa, ob, la);
		if (modes[i] == CPIO_COMPRESS_GZIP) {
			static const uint8_t zero[4];
			assert_int_equal(oa[0], 0x1f);
			assert_int_equal(oa[1], 0x8b);
			assert_memory_equal(oa + 4, zero, 4); /* MTIME, RFC 1952 2.3.1 */
		}
		free(oa);
		free(ob);
		cpio_list_free(a);
		cpio_list_free(b);
	}
}

/* Parents appear implicitly (before their children), the same entry twice
 * is fine, a different one at the same path is refused. */
static void test_parents_and_duplicates(void **state)
{
	struct cpio_list *l;
	size_t len;
	uint8_t *out;

	(void)state;
	assert_int_equal(cpio_list_new(&l), 0);
	assert_int_equal(cpio_add_data(l, "/x/y/z", "1", 1, 0600), 0);
	assert_int_equal(cpio_list_count(l), 3);
	assert_true(cpio_has(l, "/x"));
	assert_true(cpio_has(l, "/x/y"));
	assert_int_equal(cpio_add_data(l, "/x/y/z", "1", 1, 0600), 0);
	assert_int_equal(cpio_add_data(l, "/x/y/z", "2", 1, 0600), -EEXIST);
	assert_int_equal(cpio_add_symlink(l, "/x/y/z", "t"), -EEXIST);
	assert_int_equal(cpio_add_data(l, "/x/y/z/w", "1", 1, 0600), -ENOTDIR);
	/* an explicit mode replaces the implicit directory's 0755 */
	assert_int_equal(cpio_add_dir(l, "/x", 0700), 0);
	assert_int_equal(cpio_add_dir(l, "/x", 0755), -EEXIST);
	out = write_mem(l, CPIO_COMPRESS_NONE, &len);
	assert_memory_equal(out + 110, "x\0", 2);
	assert_memory_equal(out + 14, "000041c0", 8); /* 040700 */
	free(out);
	cpio_list_free(l);
}

static void test_bad_paths(void **state)
{
	static const char *const bad[] = {"relative", "/",     "/a/../b", "/..",
					  "/a/./b",   "/a//b", "/a/",	  "/a/.."};
	struct cpio_list *l;

	(void)state;
	assert_int_equal(cpio_list_new(&l), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cpio_add_dir(l, bad[i], 0755), -EINVAL);
	assert_int_equal(cpio_add_dir(l, "/a..b/.c", 0755), 0); /* dots inside names are fine */
	assert_int_equal(cpio_add_file(l, "/f", "/nonexistent/file", 0), -ENOENT);
	assert_int_equal(cpio_add_file(l, "/f", "/tmp", 0), -EINVAL); /* not a regular file */
	cpio_list_free(l);
}

static void test_merged_usr(void **state)
{
	struct cpio_list *l;

	(void)state;
	assert_int_equal(cpio_list_new(&l), 0);
	assert_int_equal(cpio_list_set_merged_usr(l), 0);
	assert_int_equal(cpio_add_data(l, "/sbin/tool", "x", 1, 0755), 0);
	assert_true(cpio_has(l, "/usr/sbin/tool"));
	assert_true(cpio_has(l, "/sbin/tool")); /* looked up through the same mapping */
	/* the same file through both names is one entry */
	assert_int_equal(cpio_add_data(l, "/usr/sbin/tool", "x", 1, 0755), 0);
	assert_int_equal(cpio_add_data(l, "/lib64/ld.so", "y", 1, 0755), 0);
	assert_true(cpio_has(l, "/usr/lib64/ld.so"));
	assert_int_equal(cpio_add_data(l, "/binary", "z", 1, 0644), 0); /* not /bin/ */
	assert_true(cpio_has(l, "/binary"));
	cpio_list_free(l);
}

static void test_compress_names(void **state)
{
	enum cpio_compress c;

	(void)state;
	assert_int_equal(cpio_compress_parse("gzip", &c), 0);
	assert_int_equal(c, CPIO_COMPRESS_GZIP);
	assert_int_equal(cpio_compress_parse("none", &c), 0);
	assert_int_equal(c, CPIO_COMPRESS_NONE);
	assert_int_equal(cpio_compress_parse("bzip9", &c), -EINVAL);
}

/* ---- ELF dynamic section ---------------------------------------------- */

#define T_VADDR 0x400000ULL
#define T_INTERP "/lib/ld-test.so"
static const char t_strtab[] = "\0libfoo.so.1\0libbar.so.2\0$ORIGIN/../lib:/opt/x";

struct tiny_elf {
	uint8_t buf[512];
	size_t len;
	size_t dyn_off; /* where the Elf64_Dyn array starts */
};

/* A minimal x86_64 ELF: header, PT_LOAD (the whole file), PT_INTERP,
 * PT_DYNAMIC with two DT_NEEDED and a DT_RUNPATH. */
static void make_elf(struct tiny_elf *t)
{
	Elf64_Ehdr eh = {0};
	Elf64_Phdr ph[3] = {{0}};
	size_t ph_off = sizeof(eh), interp_off = ph_off + sizeof(ph);
	size_t dyn_off = interp_off + sizeof(T_INTERP), str_off = dyn_off + 6 * sizeof(Elf64_Dyn);
	Elf64_Dyn dyn[6] = {
	    {DT_NEEDED, {1}},
	    {DT_NEEDED, {13}},
	    {DT_STRTAB, {T_VADDR + str_off}},
	    {DT_STRSZ, {sizeof(t_strtab)}},
	    {DT_RUNPATH, {25}},
	    {DT_NULL, {0}},
	};

	memset(t, 0, sizeof(*t));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_DYN;
	eh.e_machine = EM_X86_64;
	eh.e_phoff = ph_off;
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 3;
	t->len = str_off + sizeof(t_strtab);
	ph[0] = (Elf64_Phdr){.p_type = PT_LOAD, .p_vaddr = T_VADDR, .p_filesz = t->len};
	ph[1] =
	    (Elf64_Phdr){.p_type = PT_INTERP, .p_offset = interp_off, .p_filesz = sizeof(T_INTERP)};
	ph[2] = (Elf64_Phdr){.p_type = PT_DYNAMIC,
			     .p_offset = dyn_off,
			     .p_vaddr = T_VADDR + dyn_off,
			     .p_filesz = sizeof(dyn)};
	memcpy(t->buf, &eh, sizeof(eh));
	memcpy(t->buf + ph_off, ph, sizeof(ph));
	memcpy(t->buf + interp_off, T_INTERP, sizeof(T_INTERP));
	memcpy(t->buf + dyn_off, dyn, sizeof(dyn));
	memcpy(t->buf + str_off, t_strtab, sizeof(t_strtab));
	t->dyn_off = dyn_off;
}

static void test_elf_tiny(void **state)
{
	struct tiny_elf t;
	struct elf_info info;

	(void)state;
	make_elf(&t);
	assert_int_equal(elf_parse(t.buf, t.len, &info), 0);
	assert_true(info.dynamic);
	assert_string_equal(info.interp, T_INTERP);
	assert_int_equal(info.needed.n, 2);
	assert_string_equal(info.needed.v[0], "libfoo.so.1");
	assert_string_equal(info.needed.v[1], "libbar.so.2");
	assert_int_equal(info.runpath.n, 2);
	assert_string_equal(info.runpath.v[0], "$ORIGIN/../lib");
	assert_string_equal(info.runpath.v[1], "/opt/x");
	elf_info_free(&info);
}

/* Every inconsistency is a distinct, clean error: never a read outside. */
static void test_elf_malformed(void **state)
{
	struct tiny_elf t;
	struct elf_info info;
	Elf64_Dyn d;

	(void)state;
	make_elf(&t);
	for (size_t cut = 0; cut < t.len; cut++) /* every truncation */
		assert_true(elf_parse(t.buf, cut, &info) < 0);
	assert_int_equal(elf_parse("#!/bin/sh\n", 10, &info), -ENOEXEC);
	make_elf(&t);
	t.buf[EI_CLASS] = ELFCLASS32;
	assert_int_equal(elf_parse(t.buf, t.len, &info), -ENOEXEC);
	make_elf(&t);
	t.buf[EI_DATA] = ELFDATA2MSB;
	assert_int_equal(elf_parse(t.buf, t.len, &info), -ENOEXEC);
	make_elf(&t); /* DT_NEEDED pointing past the string table */
	d = (Elf64_Dyn){DT_NEEDED, {sizeof(t_strtab) + 5}};
	memcpy(t.buf + t.dyn_off, &d, sizeof(d));
	assert_int_equal(elf_parse(t.buf, t.len, &info), -EBADMSG);
	make_elf(&t); /* DT_STRTAB outside every PT_LOAD */
	d = (Elf64_Dyn){DT_STRTAB, {0x10}};
	memcpy(t.buf + t.dyn_off + 2 * sizeof(d), &d, sizeof(d));
	assert_int_equal(elf_parse(t.buf, t.len, &info), -EBADMSG);
	make_elf(&t); /* DT_STRSZ running past the end of the file */
	d = (Elf64_Dyn){DT_STRSZ, {4096}};
	memcpy(t.buf + t.dyn_off + 3 * sizeof(d), &d, sizeof(d));
	assert_int_equal(elf_parse(t.buf, t.len, &info), -EBADMSG);
	make_elf(&t); /* PT_INTERP without its NUL */
	t.buf[sizeof(Elf64_Ehdr) + 3 * sizeof(Elf64_Phdr) + sizeof(T_INTERP) - 1] = 'x';
	assert_int_equal(elf_parse(t.buf, t.len, &info), -EBADMSG);
}

/* The real thing: coreutils' true is a dynamic PIE on Debian amd64. */
static void test_elf_bin_true(void **state)
{
	struct elf_info info;
	struct elf_libs libs = {0};
	bool have_ld = false, have_libc = false;

	(void)state;
	assert_int_equal(elf_read("/bin/true", &info), 0);
	assert_string_equal(info.interp, "/lib64/ld-linux-x86-64.so.2");
	assert_true(strlist_has(&info.needed, "libc.so.6"));
	elf_info_free(&info);

	assert_int_equal(elf_collect("/bin/true", NULL, &libs), 0);
	for (size_t i = 0; i < libs.n; i++) {
		struct stat st;
		/* sources are real files (symlinks followed), names are kept */
		assert_int_equal(lstat(libs.v[i].src, &st), 0);
		assert_true(S_ISREG(st.st_mode));
		have_ld |= strcmp(libs.v[i].dst, "/lib64/ld-linux-x86-64.so.2") == 0;
		have_libc |= strcmp(libs.v[i].dst, "/lib/x86_64-linux-gnu/libc.so.6") == 0;
	}
	assert_true(have_ld);
	assert_true(have_libc);
	elf_libs_free(&libs);
	assert_int_equal(elf_read("/nonexistent", &info), -ENOENT);
}

/* A library that cannot be found fails the closure. */
static void test_elf_missing_lib(void **state)
{
	struct tiny_elf t;
	struct elf_libs libs = {0};
	char path[] = "/tmp/test_cpio_elfXXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	make_elf(&t);
	assert_int_equal(write(fd, t.buf, t.len), (ssize_t)t.len);
	close(fd);
	assert_true(elf_collect(path, NULL, &libs) < 0);
	elf_libs_free(&libs);
	unlink(path);
}

/* ---- spec ------------------------------------------------------------- */

static void test_spec_parse(void **state)
{
	static const char text[] =
	    "busybox = \"/bin/busybox\";\n"
	    "merged_usr = true;\n"
	    "modules = [ \"ext4\", \"virtio_blk\" ];\n"
	    "optional_binaries = [ \"/sbin/sfdisk\" ];\n"
	    "files = ( { src = \"/etc/mke2fs.conf\"; dst = \"/etc/mke2fs.conf\"; },\n"
	    "          { dst = \"/etc/group\"; content = \"root:x:0:\\n\"; mode = \"0600\"; } );\n"
	    "symlinks = ( { path = \"/sbin/mkfs.ext4\"; target = \"mke2fs\"; } );\n"
	    "directories = [ \"/target\" ];\n";
	struct spec s;
	char err[256];

	(void)state;
	assert_int_equal(spec_parse(text, &s, err, sizeof(err)), 0);
	assert_string_equal(s.busybox, "/bin/busybox");
	assert_true(s.merged_usr);
	assert_string_equal(s.compress, "gzip"); /* the default */
	assert_int_equal(s.modules.n, 2);
	assert_string_equal(s.modules.v[1], "virtio_blk");
	assert_int_equal(s.optional_binaries.n, 1);
	assert_int_equal(s.n_files, 2);
	assert_null(s.files[1].src);
	assert_string_equal(s.files[1].content, "root:x:0:\n");
	assert_int_equal(s.files[1].mode, 0600);
	assert_int_equal(s.n_links, 1);
	assert_string_equal(s.links[0].target, "mke2fs");
	assert_string_equal(s.directories.v[0], "/target");
	spec_free(&s);
}

static void test_spec_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"modules = [ \"ext4\"\nbinaries = [ \"/bin/x\" ];", "spec:2: syntax error"},
	    {"binaries = [ \"relative/rsync\" ];", "absolute path"},
	    {"\n\nbinaries = [ \"/usr/../etc/x\" ];", ":3:"},
	    {"files = ( { src = \"/a\"; } );", "'dst'"},
	    {"files = ( { dst = \"/a\"; } );", "exactly one"},
	    {"files = ( { dst = \"/a\"; content = \"x\"; mode = \"070000\"; } );", "'mode'"},
	    {"files = ( { dst = \"/a\"; content = \"x\"; mode = \"644\"; } );", "'mode'"},
	    {"files = ( { dst = \"/a\"; content = \"x\"; mode = 420; } );", "'mode'"},
	    {"symlinks = ( { path = \"/a\"; } );", "target"},
	    {"compress = \"lz5\";", "compress"},
	};
	struct spec s;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(spec_parse(cases[i].text, &s, err, sizeof(err)), -EINVAL);
		if (!strstr(err, cases[i].want))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].want);
	}
	assert_int_equal(spec_load("/nonexistent.conf", &s, err, sizeof(err)), -ENOENT);
}

/* ---- module closure (needs `make kernel`) ----------------------------- */

static int find_moddir(char *out, size_t outsz)
{
	const char *root = getenv("BOOTSRV_KERNEL_ROOT");
	char path[512], ver[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/../version", root ? root : "build/kernel/root");
	if (!(f = fopen(path, "re")))
		return -ENOENT;
	if (!fgets(ver, sizeof(ver), f)) {
		fclose(f);
		return -ENOENT;
	}
	fclose(f);
	ver[strcspn(ver, "\n")] = '\0';
	snprintf(out, outsz, "%s/lib/modules/%s", root ? root : "build/kernel/root", ver);
	return access(out, R_OK) == 0 ? 0 : -ENOENT;
}

static long pos(const struct kmod_closure *c, const char *name)
{
	for (size_t i = 0; i < kmod_closure_count(c); i++)
		if (strcmp(kmod_closure_get(c, i)->name, name) == 0)
			return (long)i;
	return -1;
}

static void test_kmod_closure(void **state)
{
	struct kmod_closure *c;
	char moddir[600];

	(void)state;
	if (find_moddir(moddir, sizeof(moddir)) < 0) {
		print_message("skip: no Debian kernel in build/kernel (make kernel)\n");
		skip();
	}
	assert_int_equal(kmod_closure_new(moddir, &c), 0);
	assert_int_equal(kmod_closure_add(c, "ext4"), 0);
	assert_int_equal(kmod_closure_add(c, "virtio_blk"), 0);
	assert_int_equal(kmod_closure_add(c, "no_such_module_xyz"), -ENOENT);
	/* dependencies strictly before their users */
	assert_true(pos(c, "jbd2") >= 0 && pos(c, "jbd2") < pos(c, "ext4"));
	assert_true(pos(c, "mbcache") >= 0 && pos(c, "mbcache") < pos(c, "ext4"));
	assert_true(pos(c, "crc16") >= 0 && pos(c, "crc16") < pos(c, "ext4"));
	assert_true(pos(c, "virtio_ring") >= 0 && pos(c, "virtio_ring") < pos(c, "virtio_blk"));
	assert_true(pos(c, "virtio") >= 0 && pos(c, "virtio") < pos(c, "virtio_blk"));
	/* softdep "pre: crc32c" (an alias) pulls in an implementation first */
	assert_true(pos(c, "crc32c_generic") >= 0 && pos(c, "crc32c_generic") < pos(c, "jbd2"));
	/* adding again changes nothing */
	{
		size_t n = kmod_closure_count(c);
		assert_int_equal(kmod_closure_add(c, "ext4"), 0);
		assert_int_equal(kmod_closure_count(c), n);
	}
	assert_true(strncmp(kmod_closure_get(c, 0)->rel, "kernel/", 7) == 0);
	kmod_closure_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_newc_fixture),
	    cmocka_unit_test(test_reproducible),
	    cmocka_unit_test(test_parents_and_duplicates),
	    cmocka_unit_test(test_bad_paths),
	    cmocka_unit_test(test_merged_usr),
	    cmocka_unit_test(test_compress_names),
	    cmocka_unit_test(test_elf_tiny),
	    cmocka_unit_test(test_elf_malformed),
	    cmocka_unit_test(test_elf_bin_true),
	    cmocka_unit_test(test_elf_missing_lib),
	    cmocka_unit_test(test_spec_parse),
	    cmocka_unit_test(test_spec_errors),
	    cmocka_unit_test(test_kmod_closure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
