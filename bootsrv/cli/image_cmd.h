/* image_cmd.h - `bootsrv image list|import|rm`. */
#ifndef BOOTSRV_IMAGE_CMD_H
#define BOOTSRV_IMAGE_CMD_H

/* argv[0] is "image"; returns the exit status. */
int image_main(int argc, char **argv);

#endif
