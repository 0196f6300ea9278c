/* golden_layout.h - a running golden client's disk layout, from what its
 * own tools say, as a bootsrv layout. Pure: text in, struct out.
 *
 * The input is one JSON document that `bootsrv image capture` assembles on
 * the client over ssh (GOLDEN_FACTS_SCRIPT), with three members:
 *   "lsblk":   lsblk --json -b -o NAME,PATH,TYPE,SIZE,FSTYPE,LABEL,...
 *   "findmnt": findmnt --json --list -o TARGET,SOURCE,FSTYPE,OPTIONS
 *   "sfdisk":  [ sfdisk --json DISK, for each disk lsblk lists ]
 * A tool that failed (a chroot has no /sys for lsblk) gives null. sfdisk
 * is in Debian's fdisk package, which a minimal system lacks: without it
 * the table comes from lsblk's PTTYPE, START, PARTTYPE and PARTFLAGS.
 *
 * What a bootsrv layout cannot express - LVM, md RAID, dm-crypt, several
 * disks, logical partitions, a filesystem the installer does not make - is
 * refused with the reason naming the device, never approximated. */
#ifndef BOOTSRV_GOLDEN_LAYOUT_H
#define BOOTSRV_GOLDEN_LAYOUT_H

#include "common/config.h"

#include <libconfig.h>
#include <stddef.h>

/* Runs under /bin/sh on the client; prints the document above. */
#define GOLDEN_FACTS_SCRIPT                                                                        \
	"export LC_ALL=C; printf '{\"lsblk\":'; "                                                  \
	"lsblk --json -b -o "                                                                      \
	"NAME,PATH,TYPE,SIZE,FSTYPE,LABEL,PARTLABEL,PARTTYPE,MOUNTPOINT,PKNAME,PTTYPE,START,"      \
	"PARTFLAGS "                   \
	"2>/dev/null || printf null; "                                                             \
	"printf ',\"findmnt\":'; findmnt --json --list -o TARGET,SOURCE,FSTYPE,OPTIONS "           \
	"2>/dev/null "                                                                             \
	"|| printf null; printf ',\"sfdisk\":['; sep=; "                                           \
	"for d in $(lsblk -dnpr -o PATH,TYPE 2>/dev/null | while read p t; do "                    \
	"[ \"$t\" = disk ] && echo \"$p\"; done); do printf \"$sep\"; "                            \
	"sfdisk --json \"$d\" 2>/dev/null || printf null; sep=,; done; printf ']}\\n'"

#define GOLDEN_MAX_SOURCES 32

/* The filesystems to pull: "/" always (whatever it is: in a container it
 * is an overlay), then every other mounted local filesystem, parents first. */
struct golden_sources {
	char path[GOLDEN_MAX_SOURCES][256];
	size_t n;
};

/* 0 and sources filled, or -EINVAL (malformed document; why says where). */
int golden_sources_parse(const char *doc, size_t len, struct golden_sources *out, char *why,
			 size_t whysz);

/* 0: out is the layout (name, disk "first", label, parts malloc'd: free
 * out->parts) and disk the client's disk ("/dev/vda"). -EINVAL: malformed
 * document; -ENOTSUP: not expressible as a bootsrv layout. why holds the
 * reason either way. */
int golden_layout_parse(const char *doc, size_t len, const char *name, struct cfg_layout *out,
			char *disk, size_t disksz, char *why, size_t whysz);

/* The layout as a libconfig group (the shape of a layouts entry) added to
 * parent as member key. 0 or -ENOMEM. */
int golden_layout_setting(const struct cfg_layout *l, config_setting_t *parent, const char *key);

/* Size text: whole GiB as "NG", else whole MiB "NM"; "*" when fill. */
void golden_size_text(const struct cfg_partition *p, char *out, size_t outsz);

#endif
