/* steps.h - the installer's step table and the runner that walks it,
 * reporting each step and stopping at the first failure (after which
 * nothing more is written to the disk). */
#ifndef INSTALLER_STEPS_H
#define INSTALLER_STEPS_H

#include <stdbool.h>
#include <stddef.h>

struct install;

typedef int (*step_fn)(struct install *in);

enum step_flags {
	STEP_NEEDS_NET = 1u << 0,     /* skipped with --no-net */
	STEP_OFFLINE = 1u << 1,	      /* the server cannot be reached when it starts */
	STEP_WRITES_TARGET = 1u << 2, /* writes into the target: only after step mount */
};

struct step {
	const char *name;
	step_fn fn;
	unsigned flags;
};

extern const struct step install_steps[];
extern const size_t install_n_steps;

/* May a step write into in->args.target? Only when this run mounted the
 * target's root filesystem there (step mount): a --steps run by hand must
 * not write into whatever directory --target names. */
bool install_target_ready(const struct install *in);

/* Run the selected steps. On failure, reports "failed" progress and
 * done {ok:false} with the step and message, and returns the error. */
int install_run(struct install *in);

int step_clock(struct install *in);
int step_plan(struct install *in);
int step_done(struct install *in);

#endif
