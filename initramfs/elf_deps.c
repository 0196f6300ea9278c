/* elf_deps.c - see elf_deps.h */
#include "elf_deps.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

const char *const elf_default_dirs[] = {
    "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu",
    "/lib64",
    "/usr/lib64",
    "/lib",
    "/usr/lib",
    NULL,
};

/* Loader recursion is bounded: real closures are a few levels deep. */
#define ELF_MAX_DEPTH 32

struct elf_view {
	const uint8_t *buf;
	size_t len;
	Elf64_Ehdr eh;
};

/* Bounds check for [off, off+n) without overflow. */
static bool in_bounds(const struct elf_view *v, uint64_t off, uint64_t n)
{
	return off <= v->len && n <= v->len - off;
}

static int get_phdr(const struct elf_view *v, unsigned i, Elf64_Phdr *ph)
{
	uint64_t off = v->eh.e_phoff + (uint64_t)i * v->eh.e_phentsize;

	if (!in_bounds(v, off, sizeof(*ph)))
		return -EBADMSG;
	memcpy(ph, v->buf + off, sizeof(*ph));
	return 0;
}

/* Translate a virtual address to a file offset through the PT_LOAD segments
 * (DT_STRTAB is an address, not an offset). */
static int vaddr_to_off(const struct elf_view *v, uint64_t vaddr, uint64_t *off)
{
	Elf64_Phdr ph;

	for (unsigned i = 0; i < v->eh.e_phnum; i++) {
		if (get_phdr(v, i, &ph) < 0)
			return -EBADMSG;
		if (ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr &&
		    vaddr - ph.p_vaddr < ph.p_filesz) {
			*off = ph.p_offset + (vaddr - ph.p_vaddr);
			return 0;
		}
	}
	return -EBADMSG;
}

/* A NUL-terminated string at strtab[idx], entirely inside the table. */
static const char *strtab_get(const struct elf_view *v, uint64_t tab, uint64_t tabsz, uint64_t idx)
{
	const char *s;

	if (idx >= tabsz)
		return NULL;
	s = (const char *)v->buf + tab + idx;
	return memchr(s, '\0', tabsz - idx) ? s : NULL;
}

static int add_runpath(struct strlist *out, const char *rp)
{
	char *copy = strdup(rp), *save = NULL;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	for (char *t = strtok_r(copy, ":", &save); t && r == 0; t = strtok_r(NULL, ":", &save))
		if (*t)
			r = strlist_add(out, t);
	free(copy);
	return r;
}

struct dyn_scan {
	uint64_t strtab, strsz;
	bool have_strtab, have_strsz;
	uint64_t runpath, rpath;
	bool have_runpath, have_rpath;
};

static int parse_dynamic(const struct elf_view *v, const Elf64_Phdr *dph, struct elf_info *info)
{
	struct dyn_scan d = {0};
	uint64_t off, n = dph->p_filesz / sizeof(Elf64_Dyn);
	Elf64_Dyn dyn;
	int r = 0;

	if (!in_bounds(v, dph->p_offset, dph->p_filesz))
		return -EBADMSG;
	/* First pass: find the string table; DT_NEEDED may come before it. */
	for (uint64_t i = 0; i < n; i++) {
		memcpy(&dyn, v->buf + dph->p_offset + i * sizeof(dyn), sizeof(dyn));
		if (dyn.d_tag == DT_NULL)
			break;
		switch (dyn.d_tag) {
		case DT_STRTAB:
			d.strtab = dyn.d_un.d_ptr;
			d.have_strtab = true;
			break;
		case DT_STRSZ:
			d.strsz = dyn.d_un.d_val;
			d.have_strsz = true;
			break;
		case DT_RUNPATH:
			d.runpath = dyn.d_un.d_val;
			d.have_runpath = true;
			break;
		case DT_RPATH:
			d.rpath = dyn.d_un.d_val;
			d.have_rpath = true;
			break;
		}
	}
	if (!d.have_strtab || !d.have_strsz)
		return -EBADMSG;
	if (vaddr_to_off(v, d.strtab, &off) < 0 || !in_bounds(v, off, d.strsz))
		return -EBADMSG;
	for (uint64_t i = 0; i < n && r == 0; i++) {
		const char *s;
		memcpy(&dyn, v->buf + dph->p_offset + i * sizeof(dyn), sizeof(dyn));
		if (dyn.d_tag == DT_NULL)
			break;
		if (dyn.d_tag != DT_NEEDED)
			continue;
		if (!(s = strtab_get(v, off, d.strsz, dyn.d_un.d_val)) || !*s)
			return -EBADMSG;
		r = strlist_add(&info->needed, s);
	}
	/* The loader ignores DT_RPATH when DT_RUNPATH is present. */
	if (r == 0 && (d.have_runpath || d.have_rpath)) {
		const char *s = strtab_get(v, off, d.strsz, d.have_runpath ? d.runpath : d.rpath);
		if (!s)
			return -EBADMSG;
		r = add_runpath(&info->runpath, s);
	}
	return r;
}

static int parse_interp(const struct elf_view *v, const Elf64_Phdr *ph, struct elf_info *info)
{
	const char *s;

	if (ph->p_filesz == 0 || !in_bounds(v, ph->p_offset, ph->p_filesz))
		return -EBADMSG;
	s = (const char *)v->buf + ph->p_offset;
	if (!memchr(s, '\0', ph->p_filesz) || s[0] != '/')
		return -EBADMSG;
	free(info->interp);
	info->interp = strdup(s);
	return info->interp ? 0 : -ENOMEM;
}

static int check_header(struct elf_view *v)
{
	if (v->len < sizeof(v->eh) || memcmp(v->buf, ELFMAG, SELFMAG) != 0)
		return -ENOEXEC;
	memcpy(&v->eh, v->buf, sizeof(v->eh));
	/* The fields are read in host order: only accept what matches x86_64. */
	if (v->eh.e_ident[EI_CLASS] != ELFCLASS64 || v->eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return -ENOEXEC;
	if (v->eh.e_phnum && v->eh.e_phentsize < sizeof(Elf64_Phdr))
		return -EBADMSG;
	if (!in_bounds(v, v->eh.e_phoff, (uint64_t)v->eh.e_phnum * v->eh.e_phentsize))
		return -EBADMSG;
	return 0;
}

int elf_parse(const void *buf, size_t len, struct elf_info *info)
{
	struct elf_view v = {.buf = buf, .len = len};
	Elf64_Phdr ph;
	int r;

	memset(info, 0, sizeof(*info));
	if ((r = check_header(&v)) < 0)
		return r;
	for (unsigned i = 0; i < v.eh.e_phnum && r == 0; i++) {
		if ((r = get_phdr(&v, i, &ph)) < 0)
			break;
		if (ph.p_type == PT_INTERP) {
			r = parse_interp(&v, &ph, info);
		} else if (ph.p_type == PT_DYNAMIC) {
			info->dynamic = true;
			r = parse_dynamic(&v, &ph, info);
		}
	}
	if (r < 0)
		elf_info_free(info);
	return r;
}

int elf_read(const char *path, struct elf_info *info)
{
	struct stat st;
	void *map;
	int fd, r;

	memset(info, 0, sizeof(*info));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		close(fd);
		return -ENOEXEC;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	r = map == MAP_FAILED ? -errno : 0;
	close(fd);
	if (r < 0)
		return r;
	r = elf_parse(map, (size_t)st.st_size, info);
	munmap(map, (size_t)st.st_size);
	return r;
}

void elf_info_free(struct elf_info *info)
{
	free(info->interp);
	strlist_free(&info->needed);
	strlist_free(&info->runpath);
	memset(info, 0, sizeof(*info));
}

static bool libs_has(const struct elf_libs *libs, const char *dst)
{
	for (size_t i = 0; i < libs->n; i++)
		if (strcmp(libs->v[i].dst, dst) == 0)
			return true;
	return false;
}

static int libs_add(struct elf_libs *libs, const char *dst, const char *src)
{
	struct elf_lib *l;

	if (libs->n == libs->cap) {
		size_t cap = libs->cap ? libs->cap * 2 : 32;
		struct elf_lib *v = realloc(libs->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		libs->v = v;
		libs->cap = cap;
	}
	l = &libs->v[libs->n];
	l->dst = strdup(dst);
	l->src = strdup(src);
	if (!l->dst || !l->src) {
		free(l->dst);
		free(l->src);
		return -ENOMEM;
	}
	libs->n++;
	return 0;
}

void elf_libs_free(struct elf_libs *libs)
{
	for (size_t i = 0; i < libs->n; i++) {
		free(libs->v[i].dst);
		free(libs->v[i].src);
	}
	free(libs->v);
	memset(libs, 0, sizeof(*libs));
}

/* "$ORIGIN/../lib" -> "<dir of the object>/../lib"; other entries verbatim. */
static int expand_origin(const char *entry, const char *origin, char *out, size_t outsz)
{
	const char *rest = NULL;
	int n;

	if (strncmp(entry, "$ORIGIN", 7) == 0)
		rest = entry + 7;
	else if (strncmp(entry, "${ORIGIN}", 9) == 0)
		rest = entry + 9;
	n = rest ? snprintf(out, outsz, "%s%s", origin, rest) : snprintf(out, outsz, "%s", entry);
	return n < 0 || (size_t)n >= outsz ? -ENAMETOOLONG : 0;
}

/* A candidate counts only if it is a 64-bit ELF: multilib hosts keep 32-bit
 * libraries of the same soname in /lib, /usr/lib. */
static bool usable_lib(const char *path)
{
	struct elf_info info;

	if (access(path, R_OK) < 0 || elf_read(path, &info) < 0)
		return false;
	elf_info_free(&info);
	return true;
}

static int find_lib(const char *soname, const struct elf_info *info, const char *origin,
		    const char *const *dirs, char *dst, size_t dstsz)
{
	char dir[PATH_MAX];
	int n;

	if (strchr(soname, '/')) /* a path in DT_NEEDED is used as is */
		return snprintf(dst, dstsz, "%s", soname) < (int)dstsz && usable_lib(dst) ? 0
											  : -ENOENT;
	for (size_t i = 0; i < info->runpath.n; i++) {
		if (expand_origin(info->runpath.v[i], origin, dir, sizeof(dir)) < 0)
			continue;
		n = snprintf(dst, dstsz, "%s/%s", dir, soname);
		if (n > 0 && (size_t)n < dstsz && usable_lib(dst))
			return 0;
	}
	for (size_t i = 0; dirs[i]; i++) {
		n = snprintf(dst, dstsz, "%s/%s", dirs[i], soname);
		if (n > 0 && (size_t)n < dstsz && usable_lib(dst))
			return 0;
	}
	return -ENOENT;
}

static int collect(const char *path, const char *const *dirs, struct elf_libs *libs, int depth);

/* Record dst (as the image will name it) with its real file, then recurse. */
static int add_and_follow(const char *dst, const char *const *dirs, struct elf_libs *libs,
			  int depth)
{
	char real[PATH_MAX];
	int r;

	if (libs_has(libs, dst))
		return 0;
	if (!realpath(dst, real))
		return -errno;
	if ((r = libs_add(libs, dst, real)) < 0)
		return r;
	return collect(real, dirs, libs, depth + 1);
}

static int collect(const char *path, const char *const *dirs, struct elf_libs *libs, int depth)
{
	struct elf_info info;
	char origin[PATH_MAX], dst[PATH_MAX], *slash;
	int r;

	if (depth > ELF_MAX_DEPTH)
		return -ELOOP;
	if ((r = elf_read(path, &info)) < 0)
		return r;
	if (!realpath(path, origin)) {
		r = -errno;
		goto out;
	}
	if ((slash = strrchr(origin, '/')))
		*slash = '\0';
	if (info.interp && (r = add_and_follow(info.interp, dirs, libs, depth)) < 0) {
		log_err("elf: %s: loader %s: %s", path, info.interp, strerror(-r));
		goto out;
	}
	for (size_t i = 0; i < info.needed.n; i++) {
		if ((r = find_lib(info.needed.v[i], &info, origin, dirs, dst, sizeof(dst))) < 0 ||
		    (r = add_and_follow(dst, dirs, libs, depth)) < 0) {
			log_err("elf: %s needs %s: %s", path, info.needed.v[i], strerror(-r));
			goto out;
		}
	}
out:
	elf_info_free(&info);
	return r;
}

int elf_collect(const char *binary, const char *const *dirs, struct elf_libs *libs)
{
	return collect(binary, dirs ? dirs : elf_default_dirs, libs, 0);
}
