/* main.c - the bootsrv binary: subcommand dispatch. */
#include "cli/cli.h"
#include "common/config.h"
#include "cli/host_cmd.h"
#include "cli/image_cmd.h"
#include "cli/layout_import.h"
#include "log.h"
#include "daemon/image_store.h"
#include "daemon/server.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static void usage(FILE *f)
{
	fputs(
	    "usage: bootsrv COMMAND [options]\n"
	    "  serve     -c FILE [-d] [-v]        run the daemon (foreground; -d detaches)\n"
	    "  check     -c FILE                  validate the config, print every error\n"
	    "  netboot   --hosts LIST --image NAME [--flavor F] [--once]\n"
	    "  localboot --hosts LIST\n"
	    "  status    [--hosts LIST] [--json]\n"
	    "  monitor                            live table of installs\n"
	    "  host      add NAME --mac M [--ip A] [--image I] [--txt T]... | rm NAME\n"
	    "            | list [--json] [--discovered]   enroll hosts without editing the config\n"
	    "  image     list [--json] | rm NAME  the images (config and store) and who uses them\n"
	    "  image     import DIR|TARBALL NAME --layout L [--flavor F] [--bootloader B]\n"
	    "            [--exclude PATTERN]... [--replace]   into the store (on the server)\n"
	    "  layout import [--name N] FILE      SystemImager autoinstallscript.conf -> layout\n"
	    "  capture   --hosts LIST -o FILE.pcap [--duration S] [--count N]\n"
	    "                                     record the hosts' boot traffic (on the server)\n"
	    "client commands also take -c FILE (default " CONFIG_DEFAULT_PATH ")\n"
	    "LIST is a host-list expression: node[001-064],gpu[1-4],web7\n",
	    f);
}

static void print_report(const char *msg, void *arg)
{
	int *count = arg;
	fprintf(stderr, "%s\n", msg);
	(*count)++;
}

static int cmd_check(const char *path)
{
	struct config cfg;
	int count = 0;
	int r = config_load(path, &cfg, print_report, &count);

	if (r < 0)
		return 1;
	if (r > 0) {
		fprintf(stderr, "%s: %d error%s\n", path, count, count == 1 ? "" : "s");
		config_free(&cfg);
		return 1;
	}
	/* the store, when there is one here: its broken confs are errors too */
	struct image_store *st = image_store_open(&cfg, print_report, &count);
	size_t nstore = st ? image_store_count(st) - cfg.nimages : 0;
	image_store_close(st);
	if (count > 0) {
		fprintf(stderr, "%s: %d error%s in the image store\n", path, count,
			count == 1 ? "" : "s");
		config_free(&cfg);
		return 1;
	}
	printf("%s: ok (%zu hosts, %zu images, %zu layouts)", path, cfg.nhosts,
	       cfg.nimages + nstore, cfg.nlayouts);
	if (nstore)
		printf("; %zu of the images from the store", nstore);
	putchar('\n');
	config_free(&cfg);
	return 0;
}

/* serve and check share option parsing: -c FILE, -d, -v. */
static int server_command(int argc, char **argv, bool serve)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "detach", no_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CONFIG_DEFAULT_PATH;
	bool detach = false;
	int c;

	while ((c = getopt_long(argc, argv, "c:dvh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'd': detach = true; break;
		case 'v': log_set_level(LOG_LVL_DEBUG); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "bootsrv %s: unexpected argument '%s'\n", argv[0], argv[optind]);
		return 2;
	}
	return serve ? server_main(path, detach) : cmd_check(path);
}

int main(int argc, char **argv)
{
	const char *level = getenv("BOOTSRV_LOG_LEVEL");

	log_init("bootsrv", LOG_LVL_INFO, false);
	if (level && log_level_parse(level) >= 0)
		log_set_level((enum log_level)log_level_parse(level));
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "serve") == 0 || strcmp(argv[1], "check") == 0)
		return server_command(argc - 1, argv + 1, strcmp(argv[1], "serve") == 0);
	if (strcmp(argv[1], "layout") == 0)
		return layout_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "image") == 0)
		return image_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "host") == 0)
		return host_main(argc - 1, argv + 1);
	int r = cli_main(argc - 1, argv + 1);
	if (r >= 0)
		return r;
	fprintf(stderr, "bootsrv: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
