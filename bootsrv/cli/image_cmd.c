/* image_cmd.c - `bootsrv image list | rm` (clients of the daemon: it knows
 * which hosts use an image) and the dispatch to `import` (image_import.c,
 * files only: it works without the daemon). */
#include "image_cmd.h"

#include "client.h"
#include "image_capture.h"
#include "image_import.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* "-", "812K", "1.2G" */
static void human(json_int_t v, char *out, size_t outsz)
{
	static const char units[] = "BKMGTP";
	double d = (double)v;
	size_t u = 0;

	while (d >= 1024 && u + 1 < sizeof(units) - 1) {
		d /= 1024;
		u++;
	}
	snprintf(out, outsz, u ? "%.1f%c" : "%.0f%c", d, units[u]);
}

static void names(json_t *arr, char *out, size_t outsz)
{
	size_t i, o = 0;
	json_t *v;

	out[0] = '\0';
	json_array_foreach(arr, i, v) o += (size_t)snprintf(
	    out + o, o < outsz ? outsz - o : 0, "%s%s", i ? "," : "", json_string_value(v));
	if (!out[0])
		snprintf(out, outsz, "-");
}

static void print_table(json_t *resp)
{
	json_t *imgs = json_object_get(resp, "images"), *errs = json_object_get(resp, "errors"),
	       *im;
	size_t i;

	printf("%-16s %-6s %8s %8s %-19s %-12s %-20s %s\n", "IMAGE", "SOURCE", "SIZE", "FILES",
	       "CHANGED", "LAYOUT", "HOSTS", "INSTALLING");
	json_array_foreach(imgs, i, im)
	{
		char size[16], when[32], hosts[256], inst[256];
		time_t t = (time_t)json_integer_value(json_object_get(im, "last_change"));

		human(json_integer_value(json_object_get(im, "size_bytes")), size, sizeof(size));
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&t));
		names(json_object_get(im, "hosts"), hosts, sizeof(hosts));
		names(json_object_get(im, "installing"), inst, sizeof(inst));
		printf("%-16s %-6s %8s %8lld %-19s %-12s %-20s %s\n",
		       json_string_value(json_object_get(im, "name")),
		       json_string_value(json_object_get(im, "source")), size,
		       (long long)json_integer_value(json_object_get(im, "files")), when,
		       json_string_value(json_object_get(im, "layout")), hosts, inst);
	}
	json_array_foreach(errs, i, im)
	    printf("\nnot served: %s: %s", json_string_value(json_object_get(im, "name")),
		   json_string_value(json_object_get(im, "error")));
	if (json_array_size(errs))
		putchar('\n');
}

static int cmd_list(struct client *cl, const char *name, bool json)
{
	json_t *resp = NULL;
	long st = cli_api_call(cl, "image list", "GET", "/api/v1/images", NULL, &resp);
	int r = 0;

	(void)name;
	if (st != 200 || !json_is_array(json_object_get(resp, "images")))
		r = cli_call_failed("image list", "listing images", st, resp);
	else if (json) {
		json_dumpf(resp, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		fputc('\n', stdout);
	} else {
		print_table(resp);
	}
	json_decref(resp);
	return r;
}

static int cmd_rm(struct client *cl, const char *name, bool json)
{
	char path[256], what[128];
	json_t *resp = NULL;
	long st;
	int r = 0;

	(void)json;
	snprintf(path, sizeof(path), "/api/v1/images/%s", name);
	snprintf(what, sizeof(what), "remove %s", name);
	st = cli_api_call(cl, "image rm", "DELETE", path, NULL, &resp);
	if (st != 200)
		r = cli_call_failed("image rm", what, st, resp);
	else
		printf("%s: removed\n", name);
	json_decref(resp);
	return r;
}

static int usage(FILE *f, int status)
{
	fputs("usage: bootsrv image list [--json] [-c FILE]\n"
	      "       bootsrv image import DIR|TARBALL NAME --layout L [--flavor F]\n"
	      "                            [--bootloader B] [--exclude PATTERN]... [--replace] [-c "
	      "FILE]\n"
	      "       bootsrv image capture --from [USER@]HOST NAME [--exclude-file F]\n"
	      "                            [--identity KEY] [--layout L] [--replace] "
	      "[--layout-only]\n"
	      "       bootsrv image rm NAME [-c FILE]\n",
	      f);
	return status;
}

/* list and rm: -c FILE, --json; rm takes NAME. */
static int api_command(int argc, char **argv, bool rm)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *config = CONFIG_DEFAULT_PATH;
	struct client cl;
	bool json = false;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			return usage(stdout, 0);
		default:
			return usage(stderr, EXIT_USAGE);
		}
	}
	if (argc - optind != (rm ? 1 : 0) || (rm && json))
		return usage(stderr, EXIT_USAGE);
	r = cli_client_open(&cl, config, rm ? "image rm" : "image list");
	if (r == 0)
		r = rm ? cmd_rm(&cl, argv[optind], false) : cmd_list(&cl, NULL, json);
	cli_client_close(&cl);
	return r;
}

int image_main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr, EXIT_USAGE);
	if (strcmp(argv[1], "list") == 0)
		return api_command(argc - 1, argv + 1, false);
	if (strcmp(argv[1], "rm") == 0)
		return api_command(argc - 1, argv + 1, true);
	if (strcmp(argv[1], "import") == 0)
		return image_import_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "capture") == 0)
		return image_capture_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return usage(stdout, 0);
	fprintf(stderr, "bootsrv image: unknown subcommand '%s'\n", argv[1]);
	return usage(stderr, EXIT_USAGE);
}
