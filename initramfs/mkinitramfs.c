/* mkinitramfs.c - build one flavor's kernel + initrd for bootsrv to serve.
 *
 *   mkinitramfs -c SPEC --kernel-root DIR --flavor NAME --init BINARY -o OUTDIR
 *               [--kver VERSION] [--compress gzip|zstd|none] [-v]
 *
 * Writes OUTDIR/NAME/vmlinuz (from DIR/boot/vmlinuz-VERSION) and
 * OUTDIR/NAME/initrd.img, both replaced atomically. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpio_writer.h"
#include "image.h"
#include "log.h"
#include "spec.h"
#include "util.h"

struct args {
	const char *spec, *kernel_root, *flavor, *init, *outdir, *kver, *compress;
	bool verbose;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mkinitramfs -c SPEC --kernel-root DIR --flavor NAME --init BINARY\n"
		"                   -o OUTDIR [--kver VERSION] [--compress gzip|zstd|none] [-v]\n");
}

/* A flavor names a directory served over HTTP/TFTP: keep it a plain word. */
static bool flavor_ok(const char *s)
{
	if (!*s || *s == '.' || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"kernel-root", required_argument, NULL, 'k'},
	    {"flavor", required_argument, NULL, 'f'},
	    {"init", required_argument, NULL, 'i'},
	    {"output", required_argument, NULL, 'o'},
	    {"kver", required_argument, NULL, 'K'},
	    {"compress", required_argument, NULL, 'z'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:o:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			a->spec = optarg;
			break;
		case 'k':
			a->kernel_root = optarg;
			break;
		case 'f':
			a->flavor = optarg;
			break;
		case 'i':
			a->init = optarg;
			break;
		case 'o':
			a->outdir = optarg;
			break;
		case 'K':
			a->kver = optarg;
			break;
		case 'z':
			a->compress = optarg;
			break;
		case 'v':
			a->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (optind != argc || !a->spec || !a->kernel_root || !a->flavor || !a->init || !a->outdir)
		return -EINVAL;
	if (!flavor_ok(a->flavor)) {
		log_err("flavor '%s': use letters, digits, '-', '_', '.'", a->flavor);
		return -EINVAL;
	}
	return 0;
}

static int copy_kernel(const struct args *a, const char *dir, const char *kver, long long *size)
{
	char src[PATH_MAX], dst[PATH_MAX];
	int r;

	if (snprintf(src, sizeof(src), "%s/boot/vmlinuz-%s", a->kernel_root, kver) >=
		(int)sizeof(src) ||
	    snprintf(dst, sizeof(dst), "%s/vmlinuz", dir) >= (int)sizeof(dst))
		return -ENAMETOOLONG;
	if ((r = image_copy_file(src, dst, size)) < 0)
		log_err("copy %s -> %s: %s", src, dst, strerror(-r));
	return r;
}

int main(int argc, char **argv)
{
	struct args a = {0};
	struct spec spec;
	struct cpio_list *l = NULL;
	struct image_stats st;
	struct image_opts o;
	enum cpio_compress comp;
	char err[512], kver[256], dir[PATH_MAX], initrd[PATH_MAX + 16];
	long long isz = 0, ksz = 0;
	int r;

	log_init("mkinitramfs", LOG_LVL_INFO, false);
	if (parse_args(argc, argv, &a) < 0) {
		usage(stderr);
		return 2;
	}
	if (a.verbose)
		log_set_level(LOG_LVL_DEBUG);
	if ((r = spec_load(a.spec, &spec, err, sizeof(err))) < 0) {
		log_err("%s", err);
		return 1;
	}
	if (cpio_compress_parse(a.compress ? a.compress : spec.compress, &comp) < 0) {
		log_err("--compress: use gzip, zstd or none");
		goto fail;
	}
	if (a.kver)
		snprintf(kver, sizeof(kver), "%s", a.kver);
	else if ((r = image_find_kver(a.kernel_root, kver, sizeof(kver))) < 0) {
		log_err("%s/lib/modules: %s", a.kernel_root,
			r == -ENOTUNIQ ? "several kernels, pass --kver" : strerror(-r));
		goto fail;
	}
	o = (struct image_opts){.kernel_root = a.kernel_root, .kver = kver, .init = a.init};
	if (snprintf(dir, sizeof(dir), "%s/%s", a.outdir, a.flavor) >= (int)sizeof(dir) ||
	    (r = mkdir_p(dir, 0755)) < 0) {
		log_err("%s/%s: cannot create", a.outdir, a.flavor);
		goto fail;
	}
	snprintf(initrd, sizeof(initrd), "%s/initrd.img", dir);
	if (cpio_list_new(&l) < 0 || image_build(&spec, &o, l, &st) < 0)
		goto fail;
	if ((r = image_write(l, comp, initrd, &isz)) < 0) {
		log_err("%s: %s", initrd, strerror(-r));
		goto fail;
	}
	if (copy_kernel(&a, dir, kver, &ksz) < 0)
		goto fail;
	printf("%s: kernel %s, vmlinuz %lld bytes, initrd.img %lld bytes (%.1f MiB): %zu entries, "
	       "%zu modules (+%zu built in), %zu programs, %zu libraries, %zu applets\n",
	       a.flavor, kver, ksz, isz, (double)isz / 1048576.0, cpio_list_count(l), st.modules,
	       st.builtin, st.binaries, st.libs, st.applets);
	cpio_list_free(l);
	spec_free(&spec);
	return 0;
fail:
	cpio_list_free(l);
	spec_free(&spec);
	return 1;
}
