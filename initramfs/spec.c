/* spec.c - see spec.h */
#include "spec.h"

#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int strlist_add(struct strlist *l, const char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n] = strdup(s);
	if (!l->v[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

bool strlist_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int seterr(char *err, size_t errsz, const config_setting_t *s, const char *what)
{
	const char *file = s ? config_setting_source_file(s) : NULL;
	snprintf(err, errsz, "%s:%u: %s", file ? file : "spec",
		 s ? config_setting_source_line(s) : 0, what);
	return -EINVAL;
}

/* Paths inside the image must be absolute and free of ".." so that nothing
 * lands outside the archive root when the kernel unpacks it. */
static bool path_ok(const char *p)
{
	if (p[0] != '/' || strlen(p) < 2)
		return false;
	for (const char *c = p; (c = strstr(c, "..")) != NULL; c += 2)
		if (c[-1] == '/' && (c[2] == '/' || c[2] == '\0'))
			return false;
	return true;
}

/* An optional array of strings; absolute=true requires path_ok(). */
static int get_strings(config_setting_t *root, const char *name, bool absolute, struct strlist *out,
		       char *err, size_t errsz)
{
	config_setting_t *s = config_setting_get_member(root, name);
	char msg[160];

	if (!s)
		return 0;
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		snprintf(msg, sizeof(msg), "'%s' must be an array of strings", name);
		return seterr(err, errsz, s, msg);
	}
	for (int i = 0; i < config_setting_length(s); i++) {
		config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *v = config_setting_get_string(e);
		if (!v || !*v || (absolute && !path_ok(v))) {
			snprintf(msg, sizeof(msg), "'%s' element %d must be a%s string", name, i,
				 absolute ? "n absolute path" : " non-empty");
			return seterr(err, errsz, e, msg);
		}
		if (strlist_add(out, v) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int dup_member(config_setting_t *g, const char *name, char **out)
{
	const char *v = NULL;

	*out = NULL;
	if (!config_setting_lookup_string(g, name, &v))
		return 0;
	*out = strdup(v);
	return *out ? 0 : -ENOMEM;
}

static int parse_file(config_setting_t *g, struct spec_file *f, char *err, size_t errsz)
{
	const char *mode = NULL;
	char *end;
	int opt = 0;

	if (!config_setting_is_group(g))
		return seterr(err, errsz, g, "each 'files' entry must be a group { src; dst; }");
	if (dup_member(g, "src", &f->src) < 0 || dup_member(g, "dst", &f->dst) < 0 ||
	    dup_member(g, "content", &f->content) < 0)
		return -ENOMEM;
	if (!f->dst || !path_ok(f->dst))
		return seterr(err, errsz, g, "'dst' must be an absolute path");
	if (!f->src == !f->content)
		return seterr(err, errsz, g, "exactly one of 'src' and 'content' is needed");
	/* libconfig has no octal literals (0644 would read as decimal 644):
	 * modes are strings of octal digits with a leading 0, "0644". */
	if (config_setting_get_member(g, "mode") && !config_setting_lookup_string(g, "mode", &mode))
		return seterr(err, errsz, g, "'mode' must be an octal string such as \"0644\"");
	if (mode) {
		unsigned long m = strtoul(mode, &end, 8);
		if (mode[0] != '0' || *end || m == 0 || m > 07777)
			return seterr(err, errsz, g,
				      "'mode' must be an octal string \"0001\"..\"07777\"");
		f->mode = (unsigned)m;
	}
	config_setting_lookup_bool(g, "optional", &opt);
	f->optional = opt;
	return 0;
}

static int parse_files(config_setting_t *root, struct spec *spec, char *err, size_t errsz)
{
	config_setting_t *s = config_setting_get_member(root, "files");
	int n;

	if (!s)
		return 0;
	if (!config_setting_is_list(s))
		return seterr(err, errsz, s, "'files' must be a list ( {...}, ... )");
	n = config_setting_length(s);
	spec->files = calloc((size_t)n + 1, sizeof(*spec->files));
	if (!spec->files)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		int r = parse_file(config_setting_get_elem(s, (unsigned)i), &spec->files[i], err,
				   errsz);
		spec->n_files = (size_t)i + 1;
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_links(config_setting_t *root, struct spec *spec, char *err, size_t errsz)
{
	config_setting_t *s = config_setting_get_member(root, "symlinks");
	int n;

	if (!s)
		return 0;
	if (!config_setting_is_list(s))
		return seterr(err, errsz, s, "'symlinks' must be a list ( {...}, ... )");
	n = config_setting_length(s);
	spec->links = calloc((size_t)n + 1, sizeof(*spec->links));
	if (!spec->links)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		config_setting_t *g = config_setting_get_elem(s, (unsigned)i);
		struct spec_link *l = &spec->links[i];
		spec->n_links = (size_t)i + 1;
		if (!config_setting_is_group(g))
			return seterr(err, errsz, g,
				      "each 'symlinks' entry must be { path; target; }");
		if (dup_member(g, "path", &l->path) < 0 || dup_member(g, "target", &l->target) < 0)
			return -ENOMEM;
		if (!l->path || !path_ok(l->path) || !l->target || !*l->target)
			return seterr(err, errsz, g,
				      "symlink needs an absolute 'path' and a 'target'");
	}
	return 0;
}

static int parse_root(config_t *cfg, struct spec *spec, char *err, size_t errsz)
{
	config_setting_t *root = config_root_setting(cfg);
	const char *v;
	int b = 0, r;

	if (config_lookup_string(cfg, "busybox", &v) && !(spec->busybox = strdup(v)))
		return -ENOMEM;
	if (config_lookup_bool(cfg, "merged_usr", &b))
		spec->merged_usr = b;
	if (!config_lookup_string(cfg, "compress", &v))
		v = "gzip";
	if (strcmp(v, "gzip") && strcmp(v, "zstd") && strcmp(v, "none"))
		return seterr(err, errsz, config_lookup(cfg, "compress"),
			      "'compress' must be gzip, zstd or none");
	if (!(spec->compress = strdup(v)))
		return -ENOMEM;
	if ((r = get_strings(root, "modules", false, &spec->modules, err, errsz)) < 0 ||
	    (r = get_strings(root, "optional_modules", false, &spec->optional_modules, err,
			     errsz)) < 0 ||
	    (r = get_strings(root, "binaries", true, &spec->binaries, err, errsz)) < 0 ||
	    (r = get_strings(root, "optional_binaries", true, &spec->optional_binaries, err,
			     errsz)) < 0 ||
	    (r = get_strings(root, "directories", true, &spec->directories, err, errsz)) < 0)
		return r;
	if ((r = parse_files(root, spec, err, errsz)) < 0)
		return r;
	return parse_links(root, spec, err, errsz);
}

static int finish(config_t *cfg, int ok, struct spec *spec, char *err, size_t errsz)
{
	int r;

	if (!ok) {
		snprintf(err, errsz, "%s:%d: %s",
			 config_error_file(cfg) ? config_error_file(cfg) : "spec",
			 config_error_line(cfg), config_error_text(cfg));
		r = config_error_type(cfg) == CONFIG_ERR_FILE_IO ? -ENOENT : -EINVAL;
	} else {
		r = parse_root(cfg, spec, err, errsz);
	}
	config_destroy(cfg);
	if (r < 0)
		spec_free(spec);
	return r;
}

int spec_load(const char *path, struct spec *spec, char *err, size_t errsz)
{
	config_t cfg;

	memset(spec, 0, sizeof(*spec));
	config_init(&cfg);
	return finish(&cfg, config_read_file(&cfg, path) == CONFIG_TRUE, spec, err, errsz);
}

int spec_parse(const char *text, struct spec *spec, char *err, size_t errsz)
{
	config_t cfg;

	memset(spec, 0, sizeof(*spec));
	config_init(&cfg);
	return finish(&cfg, config_read_string(&cfg, text) == CONFIG_TRUE, spec, err, errsz);
}

void spec_free(struct spec *spec)
{
	free(spec->busybox);
	free(spec->compress);
	strlist_free(&spec->modules);
	strlist_free(&spec->optional_modules);
	strlist_free(&spec->binaries);
	strlist_free(&spec->optional_binaries);
	strlist_free(&spec->directories);
	for (size_t i = 0; i < spec->n_files; i++) {
		free(spec->files[i].src);
		free(spec->files[i].dst);
		free(spec->files[i].content);
	}
	free(spec->files);
	for (size_t i = 0; i < spec->n_links; i++) {
		free(spec->links[i].path);
		free(spec->links[i].target);
	}
	free(spec->links);
	memset(spec, 0, sizeof(*spec));
}
