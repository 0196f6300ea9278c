/* test_fixture.h - a hand-built struct config (two hosts, one image, one
 * layout) over a fresh temporary state_dir, shared by the unit tests. */
#ifndef BOOTSRV_TEST_FIXTURE_H
#define BOOTSRV_TEST_FIXTURE_H

#include "common/config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fixture {
	struct config cfg;
	struct cfg_host hosts[2];
	struct cfg_image image;
	struct cfg_layout layout;
	struct cfg_partition parts[2];
	char *txt[1];
};

/* An empty file root/rel with mode, its directories made: a fake image
 * tree (grub-install, module directories). Returns 0 or -1. */
static inline int fixture_put(const char *root, const char *rel, unsigned mode)
{
	char path[256], cmd[1400];

	snprintf(path, sizeof(path), "%s%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\" && : >'%s' && chmod %o '%s'", path,
		 path, mode, path);
	return system(cmd) == 0 ? 0 : -1;
}

static inline void fixture_init(struct fixture *f)
{
	static const uint8_t mac1[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	static const uint8_t mac2[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
	char tmpl[] = "/tmp/bootsrv-unit.XXXXXX";

	memset(f, 0, sizeof(*f));
	if (!mkdtemp(tmpl))
		abort();
	snprintf(f->cfg.state_dir, sizeof(f->cfg.state_dir), "%s", tmpl);
	snprintf(f->cfg.path, sizeof(f->cfg.path), "%s/bootsrv.conf", tmpl);
	inet_pton(AF_INET, "192.0.2.1", &f->cfg.address);
	f->cfg.http_port = 8080;
	f->cfg.rsync_port = 873;
	strcpy(f->cfg.console, "ttyS0,115200");

	f->parts[0] = (struct cfg_partition){ .size = 64 << 20, .fs = "ext3", .mount = "/boot",
					      .options = "defaults", .flag_boot = true };
	f->parts[1] = (struct cfg_partition){ .fill = true, .fs = "ext4", .mount = "/",
					      .options = "defaults" };
	strcpy(f->layout.name, "small");
	strcpy(f->layout.disk, "/dev/vda");
	strcpy(f->layout.label, "msdos");
	f->layout.parts = f->parts;
	f->layout.nparts = 2;

	strcpy(f->image.name, "base");
	strcpy(f->image.path, "/srv/images/base");
	strcpy(f->image.layout, "small");
	strcpy(f->image.flavor, "default");
	f->image.layout_ref = &f->layout;

	strcpy(f->hosts[0].name, "node01");
	memcpy(f->hosts[0].mac, mac1, 6);
	strcpy(f->hosts[0].image, "base");
	f->txt[0] = "role: compute";
	f->hosts[0].txt = f->txt;
	f->hosts[0].ntxt = 1;
	strcpy(f->hosts[1].name, "node02");
	memcpy(f->hosts[1].mac, mac2, 6);

	f->cfg.hosts = f->hosts;
	f->cfg.nhosts = 2;
	f->cfg.images = &f->image;
	f->cfg.nimages = 1;
	f->cfg.layouts = &f->layout;
	f->cfg.nlayouts = 1;
}

static inline void fixture_cleanup(struct fixture *f)
{
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->cfg.state_dir);
	if (strncmp(f->cfg.state_dir, "/tmp/bootsrv-unit.", 18) == 0 && system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", f->cfg.state_dir);
}

#endif
