/* kmod_closure.h - kernel modules to ship, with everything they need, in
 * load order.
 *
 * Uses libkmod on a kernel tree that is not the running one (the downloaded
 * Debian kernel): hard dependencies from modules.dep, soft dependencies from
 * the modules' own "softdep" info (what depmod writes to modules.softdep) —
 * never the host's /etc/modprobe.d, which describes another machine. */
#ifndef BOOTSRV_INITRAMFS_KMOD_CLOSURE_H
#define BOOTSRV_INITRAMFS_KMOD_CLOSURE_H

#include <stddef.h>

struct kmod_closure;

struct kmod_mod {
	char *name; /* e.g. "virtio_blk" */
	char *path; /* file in the kernel tree */
	char *rel;  /* path relative to moddir, e.g. "kernel/drivers/block/virtio_blk.ko" */
};

/* moddir: e.g. ROOT/lib/modules/6.1.0-56-amd64 (with modules.dep).
 * Returns 0, -ENOENT (no modules.dep there) or -ENOMEM. */
int kmod_closure_new(const char *moddir, struct kmod_closure **out);
void kmod_closure_free(struct kmod_closure *c);

/* Add a module (name or alias) and its closure. Built-in modules are
 * counted and skipped. Returns 0 or -ENOENT (unknown), -ELOOP, -ENOMEM. */
int kmod_closure_add(struct kmod_closure *c, const char *name);

/* Modules in load order: each one after everything it depends on. */
size_t kmod_closure_count(const struct kmod_closure *c);
const struct kmod_mod *kmod_closure_get(const struct kmod_closure *c, size_t i);
size_t kmod_closure_builtin_count(const struct kmod_closure *c);

#endif
