/* cpio_writer.c - see cpio_writer.h */
#include "cpio_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"

enum cpio_kind { K_DIR, K_FILE, K_DATA, K_SYMLINK, K_CHARDEV };

struct cpio_entry {
	char *path; /* absolute, after merged-/usr mapping */
	enum cpio_kind kind;
	unsigned mode; /* permission bits only */
	bool implicit; /* a parent directory nobody asked for by name */
	char *src;     /* K_FILE */
	char *target;  /* K_SYMLINK */
	void *data;    /* K_DATA */
	size_t len;
	unsigned rmajor, rminor; /* K_CHARDEV */
};

struct cpio_list {
	struct cpio_entry *v;
	size_t n, cap;
	bool merged_usr;
};

static int insert(struct cpio_list *l, struct cpio_entry *e);
static void entry_free(struct cpio_entry *e);

/* The top-level directories that merged /usr turns into symlinks. */
static const char *const usr_merged[] = {"bin", "sbin", "lib", "lib64"};

int cpio_compress_parse(const char *name, enum cpio_compress *out)
{
	static const struct {
		const char *name;
		enum cpio_compress c;
	} names[] = {{"none", CPIO_COMPRESS_NONE},
		     {"gzip", CPIO_COMPRESS_GZIP},
		     {"zstd", CPIO_COMPRESS_ZSTD}};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i].name) == 0) {
			*out = names[i].c;
			return 0;
		}
	return -EINVAL;
}

int cpio_list_new(struct cpio_list **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

static void entry_free(struct cpio_entry *e)
{
	free(e->path);
	free(e->src);
	free(e->target);
	free(e->data);
}

void cpio_list_free(struct cpio_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		entry_free(&l->v[i]);
	free(l->v);
	free(l);
}

int cpio_list_set_merged_usr(struct cpio_list *l)
{
	char path[16], target[16];

	l->merged_usr = true;
	for (size_t i = 0; i < sizeof(usr_merged) / sizeof(usr_merged[0]); i++) {
		struct cpio_entry e = {.kind = K_SYMLINK, .mode = 0777};
		int r;

		snprintf(path, sizeof(path), "/%s", usr_merged[i]);
		snprintf(target, sizeof(target), "usr/%s", usr_merged[i]);
		/* map_path() would send "/bin" itself to "/usr/bin": bypass it. */
		if (!(e.path = strdup(path)) || !(e.target = strdup(target))) {
			entry_free(&e);
			return -ENOMEM;
		}
		if ((r = insert(l, &e)) < 0 || (r = cpio_add_dir(l, path, 0755)) < 0)
			return r;
	}
	return 0;
}

/* Map path to its stored form into out; rejects relative paths, "//", "."
 * and ".." components so nothing can escape the unpacked root. */
static int map_path(const struct cpio_list *l, const char *path, char *out, size_t outsz)
{
	const char *prefix = "";
	size_t n;

	if (path[0] != '/' || path[1] == '\0')
		return -EINVAL;
	for (const char *c = path; *c; c++) {
		if (*c != '/')
			continue;
		if (c[1] == '/' || c[1] == '\0' || (c[1] == '.' && (c[2] == '/' || c[2] == '\0')) ||
		    (c[1] == '.' && c[2] == '.' && (c[3] == '/' || c[3] == '\0')))
			return -EINVAL;
	}
	for (size_t i = 0; l->merged_usr && i < sizeof(usr_merged) / sizeof(usr_merged[0]); i++) {
		n = strlen(usr_merged[i]);
		if (strncmp(path + 1, usr_merged[i], n) == 0 &&
		    (path[n + 1] == '/' || path[n + 1] == '\0'))
			prefix = "/usr";
	}
	n = strlen(prefix) + strlen(path);
	if (n >= outsz)
		return -ENAMETOOLONG;
	strcpy(out, prefix);
	strcat(out, path);
	return 0;
}

static struct cpio_entry *find(const struct cpio_list *l, const char *mapped)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].path, mapped) == 0)
			return &l->v[i];
	return NULL;
}

static bool same_entry(const struct cpio_entry *a, const struct cpio_entry *b)
{
	if (a->kind != b->kind || a->mode != b->mode)
		return false;
	switch (a->kind) {
	case K_FILE:
		return strcmp(a->src, b->src) == 0;
	case K_SYMLINK:
		return strcmp(a->target, b->target) == 0;
	case K_DATA:
		return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
	case K_CHARDEV:
		return a->rmajor == b->rmajor && a->rminor == b->rminor;
	case K_DIR:
		return true;
	}
	return false;
}

static int push(struct cpio_list *l, struct cpio_entry *e)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct cpio_entry *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *e;
	return 0;
}

/* Every ancestor of mapped must exist as a directory before the entry. */
static int add_parents(struct cpio_list *l, const char *mapped)
{
	char buf[4096];
	size_t n = strlen(mapped);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, mapped, n + 1);
	for (char *p = buf + 1; (p = strchr(p, '/')) != NULL; p++) {
		struct cpio_entry d = {.kind = K_DIR, .mode = 0755, .implicit = true};
		const struct cpio_entry *have;
		int r;

		*p = '\0';
		have = find(l, buf);
		if (have && have->kind != K_DIR) {
			*p = '/';
			return -ENOTDIR;
		}
		if (!have) {
			if (!(d.path = strdup(buf)))
				return -ENOMEM;
			if ((r = push(l, &d)) < 0) {
				free(d.path);
				return r;
			}
		}
		*p = '/';
	}
	return 0;
}

/* Takes ownership of e's allocations in every case. */
static int insert(struct cpio_list *l, struct cpio_entry *e)
{
	struct cpio_entry *have = find(l, e->path);
	int r = 0;

	if (have) {
		if (have->kind == K_DIR && e->kind == K_DIR && have->implicit) {
			/* asked for by name after a child created it: its mode wins */
			have->mode = e->mode;
			have->implicit = e->implicit;
		} else if (!same_entry(have, e)) {
			r = -EEXIST;
		}
		goto drop;
	}
	if ((r = add_parents(l, e->path)) < 0 || (r = push(l, e)) < 0)
		goto drop;
	return 0;
drop:
	entry_free(e);
	return r;
}

static int add(struct cpio_list *l, const char *path, struct cpio_entry *e)
{
	char mapped[4096];
	int r = map_path(l, path, mapped, sizeof(mapped));

	if (r == 0 && !(e->path = strdup(mapped)))
		r = -ENOMEM;
	if (r < 0) {
		entry_free(e);
		return r;
	}
	return insert(l, e);
}

int cpio_add_dir(struct cpio_list *l, const char *path, unsigned mode)
{
	struct cpio_entry e = {.kind = K_DIR, .mode = mode & 07777};
	return add(l, path, &e);
}

int cpio_add_file(struct cpio_list *l, const char *path, const char *src, unsigned mode)
{
	struct cpio_entry e = {.kind = K_FILE, .mode = mode & 07777};
	struct stat st;

	if (stat(src, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (!mode)
		e.mode = st.st_mode & 07777;
	if (!(e.src = strdup(src)))
		return -ENOMEM;
	return add(l, path, &e);
}

int cpio_add_data(struct cpio_list *l, const char *path, const void *data, size_t len,
		  unsigned mode)
{
	struct cpio_entry e = {.kind = K_DATA, .mode = mode & 07777, .len = len};

	if (!(e.data = malloc(len ? len : 1)))
		return -ENOMEM;
	memcpy(e.data, data, len);
	return add(l, path, &e);
}

int cpio_add_symlink(struct cpio_list *l, const char *path, const char *target)
{
	struct cpio_entry e = {.kind = K_SYMLINK, .mode = 0777};

	if (!*target)
		return -EINVAL;
	if (!(e.target = strdup(target)))
		return -ENOMEM;
	return add(l, path, &e);
}

int cpio_add_chardev(struct cpio_list *l, const char *path, unsigned mode, unsigned major,
		     unsigned minor)
{
	struct cpio_entry e = {
	    .kind = K_CHARDEV, .mode = mode & 07777, .rmajor = major, .rminor = minor};
	return add(l, path, &e);
}

bool cpio_has(const struct cpio_list *l, const char *path)
{
	char mapped[4096];

	return map_path(l, path, mapped, sizeof(mapped)) == 0 && find(l, mapped) != NULL;
}

size_t cpio_list_count(const struct cpio_list *l)
{
	return l->n;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct cpio_entry *)a)->path, ((const struct cpio_entry *)b)->path);
}

static int ar_fail(struct archive *a, const char *what, const char *path)
{
	log_err("cpio: %s %s: %s", what, path ? path : "", archive_error_string(a));
	return -EIO;
}

/* Stream src into the archive; its size must still be what the header said. */
static int write_file_body(struct archive *a, const struct cpio_entry *e, int64_t size)
{
	char buf[65536];
	int64_t total = 0;
	int fd, r = 0;

	fd = open(e->src, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		log_err_errno("cpio: open %s", e->src);
		return r;
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			log_err_errno("cpio: read %s", e->src);
			break;
		}
		if (n == 0)
			break;
		total += n;
		if (total > size || archive_write_data(a, buf, (size_t)n) != n) {
			r = total > size ? -EIO : ar_fail(a, "write", e->path);
			break;
		}
	}
	close(fd);
	if (r == 0 && total != size) {
		log_err("cpio: %s changed size while being archived", e->src);
		r = -EIO;
	}
	return r;
}

static const unsigned kind_type[] = {
    [K_DIR] = AE_IFDIR,	    [K_FILE] = AE_IFREG,    [K_DATA] = AE_IFREG,
    [K_SYMLINK] = AE_IFLNK, [K_CHARDEV] = AE_IFCHR,
};

static int write_entry(struct archive *a, struct archive_entry *ae, const struct cpio_entry *e,
		       unsigned ino)
{
	struct stat st;
	int64_t size = 0;

	if (e->kind == K_FILE) {
		if (stat(e->src, &st) < 0 || !S_ISREG(st.st_mode)) {
			log_err("cpio: %s is gone or no longer a regular file", e->src);
			return -EIO;
		}
		size = st.st_size;
	} else if (e->kind == K_DATA) {
		size = (int64_t)e->len;
	}
	archive_entry_clear(ae);
	archive_entry_set_pathname(ae, e->path + 1); /* stored without the leading '/' */
	archive_entry_set_mode(ae, kind_type[e->kind] | e->mode);
	archive_entry_set_ino(ae, ino);
	archive_entry_set_nlink(ae, e->kind == K_DIR ? 2 : 1);
	if (e->kind == K_SYMLINK)
		archive_entry_set_symlink(ae, e->target);
	if (e->kind == K_CHARDEV)
		archive_entry_set_rdev(ae, makedev(e->rmajor, e->rminor));
	/* libarchive wants a size on every header; for symlinks it writes the
	 * target's length itself. */
	archive_entry_set_size(ae, size);
	if (archive_write_header(a, ae) != ARCHIVE_OK)
		return ar_fail(a, "header", e->path);
	if (e->kind == K_FILE)
		return write_file_body(a, e, size);
	if (e->kind == K_DATA && e->len &&
	    archive_write_data(a, e->data, e->len) != (ssize_t)e->len)
		return ar_fail(a, "write", e->path);
	return 0;
}

static int set_filter(struct archive *a, enum cpio_compress compress)
{
	switch (compress) {
	case CPIO_COMPRESS_NONE:
		return archive_write_add_filter_none(a) == ARCHIVE_OK ? 0 : -EIO;
	case CPIO_COMPRESS_GZIP:
		/* A NULL value turns the option off: no mtime in the gzip header,
		 * which libarchive would otherwise stamp with the current time. */
		if (archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
		    archive_write_set_filter_option(a, "gzip", "timestamp", NULL) != ARCHIVE_OK)
			return -EIO;
		return 0;
	case CPIO_COMPRESS_ZSTD:
		return archive_write_add_filter_zstd(a) == ARCHIVE_OK ? 0 : -EIO;
	}
	return -EINVAL;
}

int cpio_list_write_fd(struct cpio_list *l, int fd, enum cpio_compress compress)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ae = archive_entry_new();
	int r = 0;

	if (!a || !ae) {
		r = -ENOMEM;
		goto out;
	}
	qsort(l->v, l->n, sizeof(*l->v), cmp_entry);
	if (archive_write_set_format_cpio_newc(a) != ARCHIVE_OK || set_filter(a, compress) < 0 ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK) {
		r = ar_fail(a, "setup", NULL);
		goto out;
	}
	if (archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		r = ar_fail(a, "open", NULL);
		goto out;
	}
	/* Inode numbers follow the sorted order: stable across runs. */
	for (size_t i = 0; i < l->n && r == 0; i++)
		r = write_entry(a, ae, &l->v[i], (unsigned)i + 1);
	if (archive_write_close(a) != ARCHIVE_OK && r == 0)
		r = ar_fail(a, "close", NULL);
out:
	archive_entry_free(ae);
	if (a)
		archive_write_free(a);
	return r;
}
