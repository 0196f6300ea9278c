/* host_cmd.c - `bootsrv host add NAME --mac M [--ip A] [--image I]
 * [--txt T]... | rm NAME | list [--json] [--discovered]`. The daemon does
 * every check (it knows the other hosts, the networks, the image store):
 * this file builds the request and prints the answer. */
#include "host_cmd.h"

#include "client.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define TXT_ARGS 16

struct host_opts {
	const char *config;
	const char *mac, *ip, *image;
	const char *txt[TXT_ARGS];
	size_t ntxt;
	bool json, discovered;
};

static int usage(FILE *f, int status)
{
	fputs("usage: bootsrv host add NAME --mac MAC [--ip A] [--image I] [--txt T]... [-c FILE]\n"
	      "       bootsrv host rm NAME [-c FILE]\n"
	      "       bootsrv host list [--json] [--discovered] [-c FILE]\n",
	      f);
	return status;
}

static int cmd_add(struct client *cl, const char *name, const struct host_opts *o)
{
	json_t *txt = json_array(), *body, *resp = NULL;
	char what[128];
	long st;
	int r = 0;

	for (size_t i = 0; txt && i < o->ntxt; i++)
		json_array_append_new(txt, json_string(o->txt[i]));
	body = json_pack("{s:s, s:s, s:s, s:s, s:o?}", "name", name, "mac", o->mac, "ip",
			 o->ip ? o->ip : "", "image", o->image ? o->image : "", "txt", txt);
	if (!body) {
		cli_err("host add", "out of memory");
		return EXIT_REFUSED;
	}
	snprintf(what, sizeof(what), "add %s", name);
	st = cli_api_call(cl, "host add", "POST", "/api/v1/hosts", body, &resp);
	if (st != 201)
		r = cli_call_failed("host add", what, st, resp);
	else
		printf("%s: enrolled (mac %s%s%s)\n", name, o->mac, o->ip ? ", ip " : "",
		       o->ip ? o->ip : "");
	json_decref(body);
	json_decref(resp);
	return r;
}

static int cmd_rm(struct client *cl, const char *name)
{
	char path[128], what[128];
	json_t *resp = NULL;
	long st;
	int r = 0;

	snprintf(path, sizeof(path), "/api/v1/hosts/%s", name);
	snprintf(what, sizeof(what), "remove %s", name);
	st = cli_api_call(cl, "host rm", "DELETE", path, NULL, &resp);
	if (st != 200)
		r = cli_call_failed("host rm", what, st, resp);
	else
		printf("%s: removed\n", name);
	json_decref(resp);
	return r;
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && s[0] ? s : "-";
}

static void print_hosts(json_t *resp)
{
	json_t *h;
	size_t i;

	printf("%-20s %-17s %-15s %-8s %-12s %s\n", "HOST", "MAC", "IP", "SOURCE", "IMAGE",
	       "STATE");
	json_array_foreach(json_object_get(resp, "hosts"), i, h)
	    printf("%-20s %-17s %-15s %-8s %-12s %s\n", str(h, "name"), str(h, "mac"), str(h, "ip"),
		   str(h, "source"), str(h, "default_image"), str(h, "state"));
}

static void when(json_t *o, const char *key, char *out, size_t outsz)
{
	time_t t = (time_t)json_integer_value(json_object_get(o, key));
	strftime(out, outsz, "%Y-%m-%d %H:%M:%S", localtime(&t));
}

static void print_discovered(json_t *resp)
{
	json_t *d;
	size_t i;

	printf("%-17s %-19s %-19s %5s %8s %s\n", "MAC", "FIRST SEEN", "LAST SEEN", "ARCH",
	       "REQUESTS", "VENDOR CLASS");
	json_array_foreach(json_object_get(resp, "discovered"), i, d)
	{
		char first[32], last[32], arch[24] = "-";
		json_int_t a = json_integer_value(json_object_get(d, "arch"));

		when(d, "first_seen", first, sizeof(first));
		when(d, "last_seen", last, sizeof(last));
		if (a >= 0)
			snprintf(arch, sizeof(arch), "%lld", (long long)a);
		printf("%-17s %-19s %-19s %5s %8lld %s\n", str(d, "mac"), first, last, arch,
		       (long long)json_integer_value(json_object_get(d, "requests")),
		       str(d, "vendor_class"));
	}
}

static int cmd_list(struct client *cl, const struct host_opts *o)
{
	const char *path = o->discovered ? "/api/v1/discovered" : "/api/v1/hosts";
	const char *key = o->discovered ? "discovered" : "hosts";
	json_t *resp = NULL;
	long st = cli_api_call(cl, "host list", "GET", path, NULL, &resp);
	int r = 0;

	if (st != 200 || !json_is_array(json_object_get(resp, key)))
		r = cli_call_failed("host list", "listing hosts", st, resp);
	else if (o->json) {
		json_dumpf(resp, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		fputc('\n', stdout);
	} else if (o->discovered) {
		print_discovered(resp);
	} else {
		print_hosts(resp);
	}
	json_decref(resp);
	return r;
}

static int parse_opts(int argc, char **argv, struct host_opts *o)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"mac", required_argument, NULL, 'm'},
	    {"ip", required_argument, NULL, 'i'},
	    {"image", required_argument, NULL, 'I'},
	    {"txt", required_argument, NULL, 't'},
	    {"json", no_argument, NULL, 'j'},
	    {"discovered", no_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'm':
			o->mac = optarg;
			break;
		case 'i':
			o->ip = optarg;
			break;
		case 'I':
			o->image = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'd':
			o->discovered = true;
			break;
		case 't':
			if (o->ntxt == TXT_ARGS) {
				cli_err("host", "at most %d --txt", TXT_ARGS);
				return EXIT_USAGE;
			}
			o->txt[o->ntxt++] = optarg;
			break;
		case 'h':
			return usage(stdout, 0) - 1; /* -1: done, exit 0 */
		default:
			return usage(stderr, EXIT_USAGE);
		}
	}
	return 0;
}

/* Which options each subcommand takes, and how many names. */
static int check_usage(const char *sub, int nargs, const struct host_opts *o)
{
	bool add_opts = o->mac || o->ip || o->image || o->ntxt;

	if (strcmp(sub, "add") == 0)
		return nargs == 1 && o->mac && !o->json && !o->discovered ? 0 : EXIT_USAGE;
	if (strcmp(sub, "rm") == 0)
		return nargs == 1 && !add_opts && !o->json && !o->discovered ? 0 : EXIT_USAGE;
	if (strcmp(sub, "list") == 0)
		return nargs == 0 && !add_opts ? 0 : EXIT_USAGE;
	return EXIT_USAGE;
}

int host_main(int argc, char **argv)
{
	struct host_opts o = {.config = CONFIG_DEFAULT_PATH};
	const char *sub;
	struct client cl;
	char cmd[16];
	int r;

	if (argc < 2)
		return usage(stderr, EXIT_USAGE);
	sub = argv[1];
	if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0)
		return usage(stdout, 0);
	if ((r = parse_opts(argc - 1, argv + 1, &o)) != 0)
		return r < 0 ? 0 : r;
	if (check_usage(sub, argc - 1 - optind, &o) != 0) {
		if (strcmp(sub, "add") && strcmp(sub, "rm") && strcmp(sub, "list"))
			fprintf(stderr, "bootsrv host: unknown subcommand '%s'\n", sub);
		return usage(stderr, EXIT_USAGE);
	}
	snprintf(cmd, sizeof(cmd), "host %s", sub);
	if ((r = cli_client_open(&cl, o.config, cmd)) == 0) {
		const char *name = argv[1 + optind];
		if (strcmp(sub, "add") == 0)
			r = cmd_add(&cl, name, &o);
		else if (strcmp(sub, "rm") == 0)
			r = cmd_rm(&cl, name);
		else
			r = cmd_list(&cl, &o);
	}
	cli_client_close(&cl);
	return r;
}
