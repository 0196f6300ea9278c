/* host_cmd.h - `bootsrv host add | rm | list`: hosts enrolled at run time,
 * through the daemon's API. */
#ifndef BOOTSRV_HOST_CMD_H
#define BOOTSRV_HOST_CMD_H

/* argv[0] is "host"; returns the exit status. */
int host_main(int argc, char **argv);

#endif
