/* kmod_closure.c - see kmod_closure.h */
#include "kmod_closure.h"

#include <errno.h>
#include <limits.h>
#include <libkmod.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "spec.h"

/* modules.dep chains are short; a deeper walk means a cycle. */
#define KMOD_MAX_DEPTH 64

struct kmod_closure {
	struct kmod_ctx *ctx;
	char *moddir;
	struct kmod_mod *v;
	size_t n, cap;
	struct strlist visiting; /* on the current DFS path: cycle guard */
	struct strlist builtin;
};

int kmod_closure_new(const char *moddir, struct kmod_closure **out)
{
	/* An empty list, not NULL: NULL would read the host's modprobe.d. */
	static const char *const no_config[] = {NULL};
	struct kmod_closure *c;
	char dep[4096];

	snprintf(dep, sizeof(dep), "%s/modules.dep", moddir);
	if (access(dep, R_OK) < 0)
		return -ENOENT;
	if (!(c = calloc(1, sizeof(*c))))
		return -ENOMEM;
	/* libkmod reports absolute paths: compare against the resolved dir. */
	c->moddir = realpath(moddir, NULL);
	c->ctx = c->moddir ? kmod_new(c->moddir, no_config) : NULL;
	if (!c->moddir || !c->ctx) {
		kmod_closure_free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

void kmod_closure_free(struct kmod_closure *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].name);
		free(c->v[i].path);
		free(c->v[i].rel);
	}
	free(c->v);
	strlist_free(&c->visiting);
	strlist_free(&c->builtin);
	if (c->ctx)
		kmod_unref(c->ctx);
	free(c->moddir);
	free(c);
}

static bool have(const struct kmod_closure *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].name, name) == 0)
			return true;
	return false;
}

static int append(struct kmod_closure *c, const char *name, const char *path)
{
	size_t dl = strlen(c->moddir);
	struct kmod_mod *m;

	if (strncmp(path, c->moddir, dl) != 0 || path[dl] != '/') {
		log_err("kmod: %s lies outside %s", path, c->moddir);
		return -EINVAL;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct kmod_mod *v = realloc(c->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	m = &c->v[c->n];
	m->name = strdup(name);
	m->path = strdup(path);
	m->rel = strdup(path + dl + 1);
	if (!m->name || !m->path || !m->rel) {
		free(m->name);
		free(m->path);
		free(m->rel);
		return -ENOMEM;
	}
	c->n++;
	return 0;
}

static int visit(struct kmod_closure *c, struct kmod_module *mod, int depth);

/* "softdep" modinfo values look like "pre: crc32c post: foo bar"; collect
 * the names of one phase. */
static int softdep_names(struct kmod_module *mod, const char *phase, struct strlist *out)
{
	struct kmod_list *info = NULL, *it;
	int r = 0;

	if (kmod_module_get_info(mod, &info) < 0)
		return 0; /* no modinfo: no softdeps */
	kmod_list_foreach(it, info)
	{
		char *val, *save = NULL;
		bool in_phase = false;
		if (strcmp(kmod_module_info_get_key(it), "softdep") != 0)
			continue;
		if (!(val = strdup(kmod_module_info_get_value(it)))) {
			r = -ENOMEM;
			break;
		}
		for (char *t = strtok_r(val, " \t", &save); t && r == 0;
		     t = strtok_r(NULL, " \t", &save)) {
			size_t tl = strlen(t);
			if (tl && t[tl - 1] == ':')
				in_phase = strncmp(t, phase, tl - 1) == 0 && phase[tl - 1] == '\0';
			else if (in_phase && !strlist_has(out, t))
				r = strlist_add(out, t);
		}
		free(val);
	}
	kmod_module_info_free_list(info);
	return r;
}

/* Resolve each name (module or alias such as "crypto-crc32c") and visit all
 * matches. A softdep that resolves to nothing is not an error. */
static int visit_names(struct kmod_closure *c, const struct strlist *names, int depth)
{
	int r = 0;

	for (size_t i = 0; i < names->n && r == 0; i++) {
		struct kmod_list *list = NULL, *it;
		if (kmod_module_new_from_lookup(c->ctx, names->v[i], &list) < 0)
			continue;
		kmod_list_foreach(it, list)
		{
			struct kmod_module *m = kmod_module_get_module(it);
			if (r == 0)
				r = visit(c, m, depth + 1);
			kmod_module_unref(m);
		}
		kmod_module_unref_list(list);
	}
	return r;
}

static int visit_deps(struct kmod_closure *c, struct kmod_module *mod, int depth)
{
	struct kmod_list *deps = kmod_module_get_dependencies(mod), *it;
	int r = 0;

	kmod_list_foreach(it, deps)
	{
		struct kmod_module *m = kmod_module_get_module(it);
		if (r == 0)
			r = visit(c, m, depth + 1);
		kmod_module_unref(m);
	}
	kmod_module_unref_list(deps);
	return r;
}

/* Depth-first: "pre" softdeps, then hard dependencies, then the module
 * itself, then its "post" softdeps — the order modprobe would load them. */
static int visit(struct kmod_closure *c, struct kmod_module *mod, int depth)
{
	const char *name = kmod_module_get_name(mod);
	const char *path = kmod_module_get_path(mod);
	struct strlist pre = {0}, post = {0};
	int r;

	if (have(c, name) || strlist_has(&c->visiting, name))
		return 0; /* done, or a softdep pointing back at a module being visited */
	if (depth > KMOD_MAX_DEPTH)
		return -ELOOP;
	if (!path) { /* built into the kernel image: nothing to ship */
		if (!strlist_has(&c->builtin, name))
			return strlist_add(&c->builtin, name);
		return 0;
	}
	if ((r = strlist_add(&c->visiting, name)) < 0)
		return r;
	if ((r = softdep_names(mod, "pre", &pre)) == 0 &&
	    (r = softdep_names(mod, "post", &post)) == 0 &&
	    (r = visit_names(c, &pre, depth)) == 0 && (r = visit_deps(c, mod, depth)) == 0 &&
	    (r = append(c, name, path)) == 0)
		r = visit_names(c, &post, depth);
	free(c->visiting.v[--c->visiting.n]);
	strlist_free(&pre);
	strlist_free(&post);
	return r;
}

int kmod_closure_add(struct kmod_closure *c, const char *name)
{
	struct kmod_list *list = NULL, *it;
	int r = 0;

	if (kmod_module_new_from_lookup(c->ctx, name, &list) < 0 || !list)
		return -ENOENT;
	kmod_list_foreach(it, list)
	{
		struct kmod_module *m = kmod_module_get_module(it);
		if (r == 0)
			r = visit(c, m, 0);
		kmod_module_unref(m);
	}
	kmod_module_unref_list(list);
	return r;
}

size_t kmod_closure_count(const struct kmod_closure *c)
{
	return c->n;
}

const struct kmod_mod *kmod_closure_get(const struct kmod_closure *c, size_t i)
{
	return i < c->n ? &c->v[i] : NULL;
}

size_t kmod_closure_builtin_count(const struct kmod_closure *c)
{
	return c->builtin.n;
}
