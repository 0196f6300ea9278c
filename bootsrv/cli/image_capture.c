/* image_capture.c - `bootsrv image capture` (image_capture.h).
 *
 * One ssh call first (golden_rsync.h: BatchMode, ConnectTimeout, a
 * known_hosts of bootsrv's own under state_dir/ssh with accept-new: the
 * first capture learns the client's key, a changed key is refused) checks
 * that the client has rsync and prints its facts (golden_layout.h); then
 * rsync pulls each mounted local filesystem into a store change
 * (image_tx.h). The layout is parsed from the facts; a client whose layout
 * a bootsrv layout cannot express is still captured, and told so. */
#include "image_capture.h"

#include "client.h"
#include "common/fs_tree.h"
#include "common/image_conf.h"
#include "golden_layout.h"
#include "golden_rsync.h"
#include "image_tx.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libconfig.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CMD "image capture"
#define FACTS_MAX (4u << 20)
#define NO_RSYNC 97	  /* the probe's exit status when rsync is missing */
#define RSYNC_VANISHED 24 /* rsync(1): "some files vanished": a running system */

struct capture {
	const char *config, *from, *name, *exclude_file, *identity, *layout;
	bool replace, layout_only;
	struct config cfg;
	struct image_tx tx;
	char known_hosts[PATH_MAX];
	struct golden_ssh ssh;
	struct cfg_layout own; /* own.parts NULL: none captured */
	char disk[256], why[512];
	struct golden_sources src;
};

static int usage(FILE *f, const char *why)
{
	if (why)
		fprintf(f, "bootsrv " CMD ": %s\n", why);
	fputs("usage: bootsrv image capture --from [USER@]HOST NAME [--exclude-file F]\n"
	      "         [--identity KEY] [--layout L] [--replace] [--layout-only] [-c FILE]\n"
	      "  pulls the running golden client HOST over rsync+ssh (as root: USER@ defaults\n"
	      "  to ssh's own). Host keys: state_dir/ssh/known_hosts, StrictHostKeyChecking=\n"
	      "  accept-new (the first capture learns the key; a changed key is refused).\n"
	      "  --layout-only prints the client's layout and stores nothing.\n",
	      f);
	return why ? EXIT_USAGE : 0;
}

static int parse_args(struct capture *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"from", required_argument, NULL, 'F'},
	    {"exclude-file", required_argument, NULL, 'x'},
	    {"identity", required_argument, NULL, 'i'},
	    {"layout", required_argument, NULL, 'l'},
	    {"replace", no_argument, NULL, 'r'},
	    {"layout-only", no_argument, NULL, 'L'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o;

	c->config = CONFIG_DEFAULT_PATH;
	optind = 1;
	while ((o = getopt_long(argc, argv, "c:i:h", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			c->config = optarg;
			break;
		case 'F':
			c->from = optarg;
			break;
		case 'x':
			c->exclude_file = optarg;
			break;
		case 'i':
			c->identity = optarg;
			break;
		case 'l':
			c->layout = optarg;
			break;
		case 'r':
			c->replace = true;
			break;
		case 'L':
			c->layout_only = true;
			break;
		case 'h':
			usage(stdout, NULL);
			return -1;
		default:
			return usage(stderr, "unknown option");
		}
	}
	if (!c->from)
		return usage(stderr, "--from [USER@]HOST is required");
	if (argc - optind != 1)
		return usage(stderr, "want one NAME");
	c->name = argv[optind];
	return 0;
}

static void report_cfg(const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

static int validate(struct capture *c)
{
	char dir[PATH_MAX];
	int r;

	if (image_tx_check_name(CMD, &c->cfg, c->name) != 0)
		return EXIT_REFUSED;
	if (c->layout && !config_layout(&c->cfg, c->layout)) {
		cli_err(CMD, "unknown layout \"%s\" (not in %s)", c->layout, c->cfg.path);
		return EXIT_REFUSED;
	}
	if (c->exclude_file && access(c->exclude_file, R_OK) < 0) {
		cli_err(CMD, "--exclude-file %s: %s", c->exclude_file, strerror(errno));
		return EXIT_REFUSED;
	}
	if (c->identity && access(c->identity, R_OK) < 0) {
		cli_err(CMD, "--identity %s: %s", c->identity, strerror(errno));
		return EXIT_REFUSED;
	}
	if (snprintf(dir, sizeof(dir), "%s/ssh", c->cfg.state_dir) >= (int)sizeof(dir) ||
	    snprintf(c->known_hosts, sizeof(c->known_hosts), "%s/known_hosts", dir) >=
		(int)sizeof(c->known_hosts)) {
		cli_err(CMD, "state_dir %s: path too long", c->cfg.state_dir);
		return EXIT_REFUSED;
	}
	if ((r = mkdir_p(dir, 0700)) < 0) {
		cli_err(CMD, "cannot create %s: %s", dir, strerror(-r));
		return EXIT_REFUSED;
	}
	c->ssh = (struct golden_ssh){c->from, c->identity, c->known_hosts};
	return 0;
}

static void log_cmd(const struct golden_cmd *g)
{
	char line[16384];

	golden_cmd_text(g, line, sizeof(line));
	fprintf(stderr, "bootsrv " CMD ": running: %s\n", line);
}

/* Drain fd into buf (NUL-terminated; the excess is dropped). */
static void drain(int fd, char *buf, size_t sz, size_t *len)
{
	char tmp[4096];
	ssize_t n;

	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		for (ssize_t i = 0; i < n && *len + 1 < sz; i++)
			buf[(*len)++] = tmp[i];
	buf[*len] = '\0';
}

/* Run argv with stdout into out and stderr into err; its exit status,
 * 256 + signal when killed, or -errno. */
static int run_captured(char *const argv[], char *out, size_t outsz, char *err, size_t errsz)
{
	int po[2], pe[2], status;
	size_t no = 0, ne = 0;
	pid_t pid;

	if (pipe2(po, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(pe, O_CLOEXEC) < 0) {
		close(po[0]);
		close(po[1]);
		return -errno;
	}
	if ((pid = fork()) == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		int nul = open("/dev/null", O_RDONLY);
		if (nul >= 0)
			dup2(nul, 0);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	out[0] = err[0] = '\0';
	if (pid > 0) {
		struct pollfd p[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
		int open_fds = 2;
		while (open_fds > 0) {
			if (poll(p, 2, -1) < 0) {
				if (errno == EINTR)
					continue; /* SIGINT reaches ssh too; it exits */
				break;
			}
			for (int i = 0; i < 2; i++) {
				if (p[i].fd < 0 || !p[i].revents)
					continue;
				char tmp[4096];
				ssize_t n = read(p[i].fd, tmp, sizeof(tmp));
				if (n <= 0) {
					p[i].fd = -1;
					open_fds--;
					continue;
				}
				char *b = i ? err : out;
				size_t *l = i ? &ne : &no, sz = i ? errsz : outsz;
				for (ssize_t k = 0; k < n && *l + 1 < sz; k++)
					b[(*l)++] = tmp[k];
				b[*l] = '\0';
			}
		}
		drain(po[0], out, outsz, &no);
	}
	close(po[0]);
	close(pe[0]);
	if (pid < 0)
		return -errno;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 256 + WTERMSIG(status);
}

/* The last non-empty line of ssh's stderr: its reason. */
static const char *last_line(char *err)
{
	char *end = err + strlen(err);

	while (end > err && (end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	char *nl = strrchr(err, '\n');
	return nl ? nl + 1 : err[0] ? err : "no reason given";
}

/* The probe and the facts, over one ssh connection. */
static int fetch_facts(struct capture *c, char *facts, size_t sz)
{
	static const char probe[] = "command -v rsync >/dev/null 2>&1 || exit 97; ";
	char remote[sizeof(probe) + sizeof(GOLDEN_FACTS_SCRIPT)], err[8192];
	struct golden_cmd g;
	int st;

	snprintf(remote, sizeof(remote), "%s%s", c->layout_only ? "" : probe, GOLDEN_FACTS_SCRIPT);
	if (golden_ssh_cmd(&g, &c->ssh, remote) < 0) {
		cli_err(CMD,
			"--from %s / --identity / state_dir: a quote, a newline or a leading "
			"'-' cannot be passed to ssh",
			c->from);
		return -EINVAL;
	}
	log_cmd(&g);
	st = run_captured(g.argv, facts, sz, err, sizeof(err));
	if (st == 0)
		return 0;
	if (st == NO_RSYNC)
		cli_err(CMD, "%s has no rsync: install it on the golden client", c->from);
	else if (st == 255)
		cli_err(CMD, "cannot reach %s over ssh: %s", c->from, last_line(err));
	else if (st < 0)
		cli_err(CMD, "cannot run ssh: %s", strerror(-st));
	else
		cli_err(CMD, "the facts script failed on %s (status %d): %s", c->from, st,
			last_line(err));
	return -EIO;
}

static void print_layout(const struct capture *c)
{
	config_t cf;

	config_init(&cf);
	golden_layout_setting(&c->own, config_root_setting(&cf), "layout");
	printf("# layout of %s (disk %s, written as \"first\")\n", c->from, c->disk);
	config_write(&cf, stdout);
	config_destroy(&cf);
}

static void facts(struct capture *c, const char *doc)
{
	char why[512];
	int r = golden_layout_parse(doc, strlen(doc), c->name, &c->own, c->disk, sizeof(c->disk),
				    c->why, sizeof(c->why));

	if (r == 0)
		print_layout(c);
	else
		fprintf(stderr,
			"bootsrv " CMD ": layout not captured: %s: write a layout by hand with "
			"--layout L (a layout of %s) or in %s.conf\n",
			c->why, c->cfg.path, c->name);
	if (golden_sources_parse(doc, strlen(doc), &c->src, why, sizeof(why)) < 0)
		fprintf(stderr, "bootsrv " CMD ": %s: pulling / alone\n", why);
}

/* The entries kept empty (machine-id(5): systemd makes a new ID at first
 * boot into an empty file). */
static int make_empty(const struct capture *c)
{
	char path[PATH_MAX * 2];

	for (size_t i = 0; i < golden_nexcludes; i++) {
		if (!golden_excludes[i].empty)
			continue;
		snprintf(path, sizeof(path), "%s%s", c->tx.tmp, golden_excludes[i].pattern);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0444);
		if (fd < 0 && errno != ENOENT) {
			cli_err(CMD, "cannot create %s: %s", path, strerror(errno));
			return -errno;
		}
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

static int pull(struct capture *c)
{
	const char *srcs[GOLDEN_MAX_SOURCES];
	struct golden_cmd g;
	int r;

	for (size_t i = 0; i < c->src.n; i++)
		srcs[i] = c->src.path[i];
	if (golden_rsync_cmd(&g, &c->ssh, srcs, c->src.n, c->exclude_file, c->tx.tmp) < 0) {
		cli_err(CMD, "the rsync command line is too long or holds a quote");
		return -E2BIG;
	}
	log_cmd(&g);
	r = image_tx_run_ok(&c->tx, g.argv, RSYNC_VANISHED);
	if (r == RSYNC_VANISHED) {
		fprintf(stderr, "bootsrv " CMD ": some files vanished during the pull (a running "
				"system): captured as it was\n");
		r = 0;
	}
	return r < 0 ? r : make_empty(c);
}

static int commit(struct capture *c)
{
	config_t cf;
	config_setting_t *root;
	char header[1024], when[32];
	time_t now = time(NULL);
	bool complete = c->layout || c->own.parts;
	int r = 0;

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&now));
	snprintf(header, sizeof(header), "bootsrv image %s, captured from %s%s%s on %s", c->name,
		 c->from, c->disk[0] ? ", disk " : "", c->disk, when);
	config_init(&cf);
	root = config_root_setting(&cf);
	if (c->layout)
		config_setting_set_string(config_setting_add(root, "layout", CONFIG_TYPE_STRING),
					  c->layout);
	else if (c->own.parts)
		r = golden_layout_setting(&c->own, root, "layout");
	if (!complete) {
		char line[700];
		snprintf(line, sizeof(line),
			 "no layout: %.500s; set layout = \"L\" (a layout of bootsrv.conf) or a "
			 "group",
			 c->why);
		config_setting_set_string(config_setting_add(root, "flavor", CONFIG_TYPE_STRING),
					  "default");
		strncat(header, "\n# ", sizeof(header) - strlen(header) - 1);
		strncat(header, line, sizeof(header) - strlen(header) - 1);
	}
	if (r == 0)
		r = image_tx_commit(&c->tx, &cf, header, complete);
	config_destroy(&cf);
	return r;
}

static int capture(struct capture *c)
{
	char *doc = malloc(FACTS_MAX);
	struct tree_stats ts;
	int r;

	if (!doc)
		return EXIT_REFUSED;
	r = fetch_facts(c, doc, FACTS_MAX);
	if (r == 0)
		facts(c, doc);
	free(doc);
	if (r < 0)
		return EXIT_REFUSED;
	if (c->layout_only)
		return c->own.parts ? 0 : EXIT_REFUSED;
	if ((r = image_tx_begin(&c->tx, CMD, &c->cfg, c->name, c->replace)) != 0)
		return r;
	r = pull(c);
	if (r == 0 && !image_tx_interrupted())
		r = commit(c);
	if (r < 0 || image_tx_interrupted()) {
		image_tx_abort(&c->tx);
		return EXIT_REFUSED;
	}
	tree_stats(c->tx.tree, &ts);
	printf("%s: captured from %s into %s (%llu entries, %llu bytes)\n", c->name, c->from,
	       c->tx.tree, (unsigned long long)ts.entries, (unsigned long long)ts.bytes);
	if (!c->layout && !c->own.parts)
		printf("%s: not usable until it has a layout: re-run with --replace --layout L, "
		       "or set layout in %s\n",
		       c->name, c->tx.conf);
	return 0;
}

int image_capture_main(int argc, char **argv)
{
	struct capture c = {0};
	int r;

	if ((r = parse_args(&c, argc, argv)) != 0)
		return r < 0 ? 0 : r;
	c.tx.lockfd = -1;
	r = config_load(c.config, &c.cfg, report_cfg, NULL);
	if (r != 0) {
		cli_err(CMD, "cannot use config %s", c.config);
		if (r > 0)
			config_free(&c.cfg);
		return EXIT_REFUSED;
	}
	r = validate(&c);
	if (r == 0)
		r = capture(&c);
	image_tx_end(&c.tx);
	free(c.own.parts);
	config_free(&c.cfg);
	return r;
}
