/* image_import.c - import a tree or a tarball into the image store, by
 * one store change (image_tx.h): a DIR copied with the real rsync
 * (-aHAXS --numeric-ids: hard links, ACLs, xattrs, sparse files, numeric
 * owners), a tarball extracted by GNU tar (--numeric-owner --xattrs --acls)
 * after every member was checked (tar_check.h), into the change's
 * temporary tree. */
#include "image_import.h"

#include "boot_rule.h"
#include "client.h"
#include "common/fs_tree.h"
#include "image_tx.h"
#include "common/image_conf.h"
#include "tar_check.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <libconfig.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CMD "image import"
#define MAX_EXCLUDES 256

struct import {
	const char *config, *src, *name, *layout, *flavor, *bootloader;
	const char *excludes[MAX_EXCLUDES];
	size_t nexcludes;
	bool replace;
	struct config cfg;
	struct image_tx tx;
};

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "bootsrv " CMD ": %s\n", why);
	fputs("usage: bootsrv image import DIR|TARBALL NAME --layout L [--flavor F]\n"
	      "         [--bootloader B] [--exclude PATTERN]... [--replace] [-c FILE]\n",
	      stderr);
	return EXIT_USAGE;
}

static int parse_args(struct import *im, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"layout", required_argument, NULL, 'l'},
	    {"flavor", required_argument, NULL, 'f'},
	    {"bootloader", required_argument, NULL, 'b'},
	    {"exclude", required_argument, NULL, 'x'},
	    {"replace", no_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	im->config = CONFIG_DEFAULT_PATH;
	im->flavor = "default";
	im->bootloader = "auto";
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			im->config = optarg;
			break;
		case 'l':
			im->layout = optarg;
			break;
		case 'f':
			im->flavor = optarg;
			break;
		case 'b':
			im->bootloader = optarg;
			break;
		case 'r':
			im->replace = true;
			break;
		case 'x':
			if (im->nexcludes == MAX_EXCLUDES)
				return usage("too many --exclude");
			im->excludes[im->nexcludes++] = optarg;
			break;
		default:
			return usage(NULL);
		}
	}
	if (argc - optind != 2)
		return usage("want DIR|TARBALL and NAME");
	im->src = argv[optind];
	im->name = argv[optind + 1];
	if (!im->layout)
		return usage("--layout is required (a layout of the config)");
	return 0;
}

/* Everything about the request that can be refused before touching disk. */
static int validate(struct import *im)
{
	enum boot_opt o;

	if (image_tx_check_name(CMD, &im->cfg, im->name) != 0)
		return EXIT_REFUSED;
	if (!config_layout(&im->cfg, im->layout)) {
		cli_err(CMD, "unknown layout \"%s\" (not in %s)", im->layout, im->cfg.path);
		return EXIT_REFUSED;
	}
	if (!name_valid(im->flavor)) {
		cli_err(CMD, "flavor \"%s\" is not a valid name", im->flavor);
		return EXIT_REFUSED;
	}
	if (boot_opt_parse(im->bootloader, &o) < 0) {
		cli_err(CMD, "bootloader \"%s\" must be one of " BOOT_OPT_LIST, im->bootloader);
		return EXIT_REFUSED;
	}
	for (size_t i = 0; i < im->nexcludes; i++)
		if (!im->excludes[i][0] || strpbrk(im->excludes[i], "\n\r")) {
			cli_err(CMD, "--exclude \"%s\": empty or holds a newline", im->excludes[i]);
			return EXIT_REFUSED;
		}
	return 0;
}

static int copy_in(struct import *im)
{
	char src[PATH_MAX + 2], why[4600];
	struct stat st;

	if (stat(im->src, &st) < 0) {
		cli_err(CMD, "%s: %s", im->src, strerror(errno));
		return -errno;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(src, sizeof(src), "%s/", im->src); /* the contents, not the dir */
		char *argv[] = {"rsync", "-aHAXS", "--numeric-ids", src, im->tx.tmp, NULL};
		return image_tx_run(&im->tx, argv);
	}
	if (!S_ISREG(st.st_mode)) {
		cli_err(CMD, "%s is neither a directory nor a tarball", im->src);
		return -EINVAL;
	}
	if (tar_check_file(im->src, why, sizeof(why)) < 0) {
		cli_err(CMD, "%s: refused, nothing extracted: %s", im->src, why);
		return -EINVAL;
	}
	char *argv[] = {"tar",
			"-x",
			"-f",
			(char *)im->src,
			"-C",
			im->tx.tmp,
			"--numeric-owner",
			"--same-owner",
			"--same-permissions",
			"--xattrs",
			"--acls",
			"--xattrs-include=*",
			NULL};
	return image_tx_run(&im->tx, argv);
}

/* NAME.conf: the layout by name, flavor, bootloader, excludes. */
static int commit(struct import *im)
{
	config_t c;
	config_setting_t *root, *ex;
	char header[PATH_MAX + 64];
	int r;

	config_init(&c);
	root = config_root_setting(&c);
	config_setting_set_string(config_setting_add(root, "layout", CONFIG_TYPE_STRING),
				  im->layout);
	config_setting_set_string(config_setting_add(root, "flavor", CONFIG_TYPE_STRING),
				  im->flavor);
	config_setting_set_string(config_setting_add(root, "bootloader", CONFIG_TYPE_STRING),
				  im->bootloader);
	ex = config_setting_add(root, "excludes", CONFIG_TYPE_ARRAY);
	for (size_t i = 0; i < im->nexcludes; i++)
		config_setting_set_string_elem(ex, -1, im->excludes[i]);
	snprintf(header, sizeof(header), "bootsrv image %s, imported from %s", im->name, im->src);
	r = image_tx_commit(&im->tx, &c, header, true);
	config_destroy(&c);
	return r;
}

static int import(struct import *im)
{
	struct tree_stats ts;
	char size[32];
	int r = image_tx_begin(&im->tx, CMD, &im->cfg, im->name, im->replace);

	if (r != 0)
		return r;
	r = copy_in(im);
	if (r == 0 && !image_tx_interrupted())
		r = commit(im);
	if (r < 0 || image_tx_interrupted()) {
		image_tx_abort(&im->tx);
		return EXIT_REFUSED;
	}
	tree_stats(im->tx.tree, &ts);
	snprintf(size, sizeof(size), "%llu", (unsigned long long)ts.bytes);
	printf("%s: imported from %s into %s (%llu entries, %s bytes)\n", im->name, im->src,
	       im->tx.tree, (unsigned long long)ts.entries, size);
	return 0;
}

static void report_cfg(const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

int image_import_main(int argc, char **argv)
{
	struct import im = {0};
	int r;

	if ((r = parse_args(&im, argc, argv)) != 0)
		return r;
	r = config_load(im.config, &im.cfg, report_cfg, NULL);
	if (r != 0) {
		cli_err(CMD, "cannot use config %s", im.config);
		if (r > 0)
			config_free(&im.cfg);
		return EXIT_REFUSED;
	}
	r = validate(&im);
	if (r == 0)
		r = import(&im);
	image_tx_end(&im.tx);
	config_free(&im.cfg);
	return r;
}
