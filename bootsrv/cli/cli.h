/* cli.h - client subcommands that talk to the running daemon over its API:
 * netboot, localboot, status, monitor. */
#ifndef BOOTSRV_CLI_H
#define BOOTSRV_CLI_H

/* argv[0] is the subcommand name; options include -c FILE (default
 * /etc/bootsrv/bootsrv.conf). Returns the process exit status: 0 ok,
 * 1 refused/failed (one-line reason on stderr), 2 usage error,
 * 3 daemon not running/unreachable. -1 when argv[0] is not a CLI command. */
int cli_main(int argc, char **argv);

#endif
