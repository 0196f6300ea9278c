/* main.c - the installer: PID 1 of the installer initramfs, or (not PID 1)
 * the same steps run by hand or by the test suite against a loop device. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "http.h"
#include "install.h"
#include "log.h"
#include "modload.h"
#include "pid1.h"
#include "reaper.h"
#include "steps.h"
#include "update.h"
#include "util.h"

#define CMDLINE_MAX 8192

static int pid1_args(struct inst_args *a)
{
	char *text = NULL;
	int r;

	r = modload_list(MODLOAD_LIST);
	if (r < 0)
		log_warn("loading %s: %s", MODLOAD_LIST, strerror(-r));
	else if (r > 0)
		log_warn("%d modules of %s failed to load", r, MODLOAD_LIST);
	r = read_file("/proc/cmdline", CMDLINE_MAX, &text, NULL);
	if (r < 0) {
		log_err("reading /proc/cmdline: %s", strerror(-r));
		return r;
	}
	r = args_parse_cmdline(a, text);
	free(text);
	if (r == 0 && (!a->bootsrv[0] || !a->host[0])) {
		log_err("the kernel command line has no bootsrv= and host=");
		r = -EINVAL;
	}
	return r;
}

static void finish_failed(struct install *in)
{
	if (in->args.pid1)
		pid1_emergency(in->args.tools.shell);
}

int main(int argc, char **argv)
{
	struct install *in;
	bool pid1 = getpid() == 1;
	int r;

	log_init("bootsrv-installer", LOG_LVL_INFO, false);
	/* an inherited SIG_IGN would make the kernel reap children itself:
	 * spawn would never see its child's exit status */
	signal(SIGCHLD, SIG_DFL);
	if (!pid1) /* orphans of our children come to us, as to PID 1 */
		reaper_become_subreaper();
	if (!pid1 && argc > 1 && strcmp(argv[1], "update") == 0)
		return update_main(argc - 1, argv + 1);
	if (pid1 && pid1_setup() < 0)
		log_warn("PID 1 setup was incomplete");
	in = calloc(1, sizeof(*in));
	if (!in) {
		log_err("out of memory");
		if (pid1)
			pid1_emergency("/bin/sh");
		return 1;
	}
	args_defaults(&in->args);
	in->args.pid1 = pid1;
	r = pid1 ? pid1_args(&in->args) : args_parse_argv(&in->args, argc, argv);
	if (r == 1) {
		free(in);
		return 0;
	}
	if (r < 0) {
		fprintf(stderr, "*** bootsrv-installer: INSTALL FAILED: bad %s\n",
			pid1 ? "kernel command line" : "arguments");
		if (pid1)
			pid1_emergency(in->args.tools.shell);
		free(in);
		return 2;
	}
	if (http_global_init() < 0)
		log_err("libcurl initialisation failed");
	reporter_init(&in->rep, in->args.bootsrv, in->args.host, in->args.token);
	r = install_run(in);
	if (r < 0) {
		finish_failed(in);
		plan_free(&in->plan);
		free(in);
		return 1;
	}
	fprintf(stderr, ">>> bootsrv-installer: install complete\n");
	if (pid1 && !in->args.no_reboot)
		pid1_reboot(in->args.tools.shell);
	plan_free(&in->plan);
	free(in);
	return 0;
}
