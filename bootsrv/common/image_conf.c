/* image_conf.c - state_dir/images/NAME.conf into an image (image_conf.h).
 *
 * The settings mean what they mean in an images entry of bootsrv.conf (the
 * same parser, config_parse.h), minus name and path: the file's name gives
 * the first, the tree beside it the second. */
#include "image_conf.h"

#include "config_parse.h"
#include "fs_tree.h"
#include "log.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool image_name_ok(const char *name)
{
	size_t n = strlen(name), k = strlen(IMAGE_CONF_SUFFIX);

	return name_valid(name) && !(n >= k && strcmp(name + n - k, IMAGE_CONF_SUFFIX) == 0);
}

int image_store_dir(const char *state_dir, char *out, size_t outsz)
{
	if (snprintf(out, outsz, "%s/" IMAGE_STORE_SUBDIR, state_dir) >= (int)outsz)
		return -ENAMETOOLONG;
	return 0;
}

int image_store_path(const char *state_dir, const char *name, const char *suffix, char *out,
		     size_t outsz)
{
	if (snprintf(out, outsz, "%s/" IMAGE_STORE_SUBDIR "/%s%s", state_dir, name, suffix) >=
	    (int)outsz)
		return -ENAMETOOLONG;
	return 0;
}

bool image_conf_exists(const char *state_dir, const char *name)
{
	char path[1200];
	struct stat st;

	return image_name_ok(name) &&
	       image_store_path(state_dir, name, IMAGE_CONF_SUFFIX, path, sizeof(path)) == 0 &&
	       stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static const char *const known_keys[] = {"layout", "excludes", "flavor", "bootloader",
					 "hook_timeout"};

static void check_keys(struct cparse *p, const config_setting_t *root)
{
	for (int i = 0; i < config_setting_length(root); i++) {
		const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		const char *n = config_setting_name(s);
		size_t k;

		for (k = 0; n && k < ARRAY_SIZE(known_keys); k++)
			if (strcmp(n, known_keys[k]) == 0)
				break;
		if (!n || k == ARRAY_SIZE(known_keys))
			cfgp_err(p, s,
				 "unknown setting '%s' (an image conf has layout, excludes, "
				 "flavor, bootloader, hook_timeout)",
				 n ? n : "?");
	}
}

/* layout = "NAME" (one of bootsrv.conf's) or layout = { disk; label;
 * partitions; } (this image's own). */
static void parse_layout_ref(struct cparse *p, config_setting_t *root, const struct config *cfg,
			     struct image_conf *ic)
{
	config_setting_t *l = config_setting_get_member(root, "layout");

	if (!l) {
		cfgp_err(p, root,
			 "missing required setting 'layout' (a layout name of %s, or a "
			 "group like a layouts entry)",
			 cfg->path);
		return;
	}
	if (config_setting_is_group(l)) {
		if (!config_setting_get_member(l, "name")) {
			config_setting_t *n = config_setting_add(l, "name", CONFIG_TYPE_STRING);
			if (n)
				config_setting_set_string(n, ic->im.name);
		}
		if (!(ic->own_layout = calloc(1, sizeof(*ic->own_layout)))) {
			cfgp_err(p, l, "out of memory");
			return;
		}
		cfgp_layout(p, l, ic->own_layout);
		snprintf(ic->im.layout, sizeof(ic->im.layout), "%s", ic->own_layout->name);
		ic->im.layout_ref = ic->own_layout;
		return;
	}
	cfgp_str(p, root, "layout", ic->im.layout, sizeof(ic->im.layout), true);
	if (!ic->im.layout[0])
		return;
	ic->im.layout_ref = config_layout(cfg, ic->im.layout);
	if (!ic->im.layout_ref)
		cfgp_err(p, l, "image \"%s\": unknown layout \"%s\" (not in %s)", ic->im.name,
			 ic->im.layout, cfg->path);
}

int image_conf_load(const char *conf_path, const char *name, const char *tree,
		    const struct config *cfg, struct image_conf *ic, config_report_fn report,
		    void *arg)
{
	struct cparse p = {.file = conf_path, .report = report, .arg = arg};
	config_t c;

	memset(ic, 0, sizeof(*ic));
	snprintf(ic->im.name, sizeof(ic->im.name), "%s", name);
	snprintf(ic->im.path, sizeof(ic->im.path), "%s", tree);
	strcpy(ic->im.flavor, "default");
	strcpy(ic->im.bootloader, "auto");
	config_init(&c);
	if (!config_read_file(&c, conf_path)) {
		bool io = config_error_type(&c) == CONFIG_ERR_FILE_IO;
		int e = errno ? errno : ENOENT;
		char line[1400];

		if (io)
			snprintf(line, sizeof(line), "%s: cannot read: %s", conf_path, strerror(e));
		else /* libconfig's own file:line of the syntax error */
			snprintf(line, sizeof(line), "%s:%d: %s",
				 config_error_file(&c) ? config_error_file(&c) : conf_path,
				 config_error_line(&c), config_error_text(&c));
		if (report)
			report(line, arg);
		else
			log_err("%s", line);
		config_destroy(&c);
		return io ? -e : 1;
	}
	if (!image_name_ok(name))
		cfgp_err(&p, NULL,
			 "image name \"%s\" must be 1-63 characters of [A-Za-z0-9._-], not "
			 "starting with '.' nor ending in \".conf\"",
			 name);
	check_keys(&p, config_root_setting(&c));
	parse_layout_ref(&p, config_root_setting(&c), cfg, ic);
	cfgp_image_fields(&p, config_root_setting(&c), &ic->im);
	if (p.errors == 0 && ic->im.layout_ref)
		cfgp_bootable(&p, config_root_setting(&c), &ic->im);
	config_destroy(&c);
	return p.errors;
}

void image_conf_free(struct image_conf *ic)
{
	cfgp_free_strv(ic->im.excludes, ic->im.nexcludes);
	if (ic->own_layout)
		free(ic->own_layout->parts);
	free(ic->own_layout);
	memset(ic, 0, sizeof(*ic));
}

/* ".import-PID-…" / ".trash-PID-…" -> PID, or 0 when name is not one. */
static pid_t work_pid(const char *name)
{
	static const char *const prefixes[] = {IMAGE_TMP_PREFIX, IMAGE_TRASH_PREFIX};
	uint64_t pid;

	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
		size_t k = strlen(prefixes[i]);
		char num[24];
		const char *dash;

		if (strncmp(name, prefixes[i], k) != 0 || !(dash = strchr(name + k, '-')) ||
		    (size_t)(dash - name - k) >= sizeof(num))
			continue;
		memcpy(num, name + k, (size_t)(dash - name - k));
		num[dash - name - k] = '\0';
		if (parse_u64(num, 1, INT32_MAX, &pid) == 0)
			return (pid_t)pid;
	}
	return 0;
}

int image_store_clean_stale(const char *dir)
{
	char path[2048];
	struct dirent *d;
	int removed = 0;
	DIR *dh = opendir(dir);

	if (!dh)
		return errno == ENOENT ? 0 : -errno;
	while ((d = readdir(dh))) {
		pid_t pid = work_pid(d->d_name);
		if (pid == 0 || pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, d->d_name) >= (int)sizeof(path))
			continue;
		if (tree_remove(path) == 0)
			removed++;
		else
			log_warn("cannot remove stale %s", path);
	}
	closedir(dh);
	return removed;
}
