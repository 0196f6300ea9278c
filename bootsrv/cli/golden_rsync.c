/* golden_rsync.c - the exclude table and the ssh/rsync command lines (see
 * golden_rsync.h). */
#include "golden_rsync.h"

#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* What a capture leaves out. The first block is SystemImager's default
 * getimage.exclude: each pattern ends in "/" "*", so the mount point stays
 * and its contents do not (an image without /proc cannot boot). The second
 * block is the golden client's identity, which each installed host must
 * make its own (si_prepareclient's advice, machine-id(5)). */
const struct golden_exclude golden_excludes[] = {
    {"/proc/*", "kernel's", false},
    {"/sys/*", "kernel's", false},
    {"/dev/*", "devtmpfs", false},
    {"/run/*", "runtime state", false},
    {"/tmp/*", "scratch", false},
    {"/var/tmp/*", "scratch", false},
    {"/var/lock/*", "runtime state", false},
    {"/var/run/*", "runtime state", false},
    {"/mnt/*", "media", false},
    {"/media/*", "media", false},
    {"/lost+found/*", "fsck's, made by mkfs", false},
    {"/swapfile", "swap file", false},
    {"/swap.img", "swap file", false},
    {"/etc/machine-id", "identity: kept empty, made at first boot", true},
    {"/var/lib/dbus/machine-id", "identity", false},
    {"/etc/ssh/ssh_host_*", "identity: host keys", false},
    {"/etc/udev/rules.d/70-persistent-net.rules", "identity: NIC names by MAC", false},
    {"/var/lib/dhcp/*", "identity: dhclient leases", false},
    {"/var/lib/dhclient/*", "identity: dhclient leases", false},
    {"/var/lib/NetworkManager/*lease*", "identity: NetworkManager leases", false},
    {"/var/lib/systemd/random-seed", "identity: entropy seed", false},
    {"/var/lib/systemd/credential.secret", "identity: credentials key", false},
    {"/var/log/journal/*", "the client's journal, by machine-id", false},
};
const size_t golden_nexcludes = ARRAY_SIZE(golden_excludes);

__attribute__((format(printf, 2, 3))) static int add(struct golden_cmd *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->argc == GOLDEN_MAX_ARGV)
		return -E2BIG;
	va_start(ap, fmt);
	n = vsnprintf(c->buf + c->used, sizeof(c->buf) - c->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(c->buf) - c->used)
		return -E2BIG;
	c->argv[c->argc++] = c->buf + c->used;
	c->argv[c->argc] = NULL;
	c->used += (size_t)n + 1;
	return 0;
}

static bool plain(const char *s)
{
	return s && !strpbrk(s, "'\"\n\r");
}

static int check(const struct golden_ssh *s)
{
	if ((s->identity && !plain(s->identity)) || !plain(s->known_hosts) || !plain(s->target) ||
	    s->target[0] == '-' || !s->target[0])
		return -EINVAL;
	return 0;
}

/* The ssh client's words. IdentitiesOnly with -i: an agent's or the
 * default keys never stand in for the one given. */
static int ssh_words(struct golden_cmd *c, const struct golden_ssh *s)
{
	int r = add(c, "ssh");

	if (r == 0 && s->identity && (r = add(c, "-i")) == 0 &&
	    (r = add(c, "%s", s->identity)) == 0)
		r = add(c, "-oIdentitiesOnly=yes");
	if (r == 0)
		r = add(c, "-oBatchMode=yes");
	if (r == 0)
		r = add(c, "-oConnectTimeout=%d", GOLDEN_CONNECT_TIMEOUT);
	if (r == 0)
		r = add(c, "-oStrictHostKeyChecking=accept-new");
	if (r == 0)
		r = add(c, "-oUserKnownHostsFile=%s", s->known_hosts);
	return r;
}

int golden_ssh_cmd(struct golden_cmd *c, const struct golden_ssh *s, const char *remote_cmd)
{
	int r;

	c->argc = c->used = 0;
	c->argv[0] = NULL;
	if ((r = check(s)) < 0 || (r = ssh_words(c, s)) < 0 || (r = add(c, "--")) < 0 ||
	    (r = add(c, "%s", s->target)) < 0 || (r = add(c, "%s", remote_cmd)) < 0)
		return r;
	return 0;
}

/* The ssh words as rsync's -e value: rsync splits it on spaces and honours
 * single quotes (rsync(1), --rsh), so every word is quoted. */
static int rsh_text(const struct golden_ssh *s, char *out, size_t outsz)
{
	struct golden_cmd w;
	size_t o = 0;
	int r;

	w.argc = w.used = 0;
	if ((r = ssh_words(&w, s)) < 0)
		return r;
	for (size_t i = 0; i < w.argc; i++) {
		int n = snprintf(out + o, outsz - o, i ? " '%s'" : "%s", w.argv[i]);
		if (n < 0 || (size_t)n >= outsz - o)
			return -E2BIG;
		o += (size_t)n;
	}
	return 0;
}

int golden_rsync_cmd(struct golden_cmd *c, const struct golden_ssh *s, const char *const *sources,
		     size_t nsources, const char *exclude_file, const char *dest)
{
	char words[4096];
	int r;

	c->argc = c->used = 0;
	c->argv[0] = NULL;
	if ((r = check(s)) < 0 || (r = rsh_text(s, words, sizeof(words))) < 0)
		return r;
	if ((r = add(c, "rsync")) < 0 || (r = add(c, "-aHAXS")) < 0 ||
	    (r = add(c, "--numeric-ids")) < 0 || (r = add(c, "--one-file-system")) < 0 ||
	    (r = add(c, "--relative")) < 0 || (r = add(c, "-e")) < 0 ||
	    (r = add(c, "%s", words)) < 0)
		return r;
	for (size_t i = 0; i < golden_nexcludes; i++)
		if ((r = add(c, "--exclude=%s", golden_excludes[i].pattern)) < 0)
			return r;
	if (exclude_file && (r = add(c, "--exclude-from=%s", exclude_file)) < 0)
		return r;
	for (size_t i = 0; i < nsources; i++)
		if (sources[i][0] != '/' || (r = add(c, "%s:%s", s->target, sources[i])) < 0)
			return r < 0 ? r : -EINVAL;
	return add(c, "%s/", dest);
}

void golden_cmd_text(const struct golden_cmd *c, char *out, size_t outsz)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < c->argc && o < outsz; i++) {
		const char *w = c->argv[i];
		bool q = !w[0] || strpbrk(w, " \t'\"*?[$\\;&|<>()");
		const char *fmt = !q ? "%s%s" : strchr(w, '\'') ? "%s\"%s\"" : "%s'%s'";
		o += (size_t)snprintf(out + o, outsz - o, fmt, i ? " " : "", w);
	}
}
