/* bootcfg.h - boot files generated from host state: the pxelinux config
 * served as pxelinux.cfg/01-<mac>, iPXE scripts and GRUB configs (over TFTP
 * and HTTP alike), and the installer kernel command line. Pure: text in,
 * text out. */
#ifndef BOOTSRV_BOOTCFG_H
#define BOOTSRV_BOOTCFG_H

#include "server.h"

#include <stddef.h>
#include <stdint.h>

/* If path (relative to the TFTP root, no leading '/') names a generated
 * file, store malloc'd content in *out, *len and return 1; return 0 when the
 * path is an ordinary file; -errno on failure. */
int bootcfg_virtual_file(struct server *srv, const char *path, char **out, size_t *len);

/* pxelinux config for the host with this MAC (unknown MAC: the default
 * config, which boots the local disk). malloc'd, 0 or -errno. */
int bootcfg_pxelinux(struct server *srv, const uint8_t mac[6], char **out, size_t *len);

/* iPXE script for the host with this MAC: the installer over HTTP when armed,
 * else "exit" (back to the firmware, which boots the disk). Served as
 * ipxe/01-<mac> and ipxe/default (DHCP may hand iPXE the URL
 * http://ADDR:PORT/ipxe/01-${net0/mac:hexhyp}). malloc'd, 0 or -errno. */
int bootcfg_ipxe(struct server *srv, const uint8_t mac[6], char **out, size_t *len);

/* GRUB config for the host with this MAC: the installer over TFTP when
 * armed, else back to the firmware (UEFI) or the first disk (BIOS). Served
 * as grub/grub.cfg-01-<mac>, grub/grub.cfg-<IP hex> and grub/grub.cfg, the
 * names GRUB 2.06 tries under the prefix grub-mknetdir --subdir=grub gives
 * it. malloc'd, 0 or -errno. */
int bootcfg_grub(struct server *srv, const uint8_t mac[6], char **out, size_t *len);

#endif
