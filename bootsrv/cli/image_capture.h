/* image_capture.h - `bootsrv image capture --from [user@]HOST NAME`: pull a
 * running golden client into the image store over rsync+ssh, with its disk
 * layout. On the server machine, without the daemon's help. */
#ifndef BOOTSRV_IMAGE_CAPTURE_H
#define BOOTSRV_IMAGE_CAPTURE_H

/* argv[0] is "capture"; returns the exit status. */
int image_capture_main(int argc, char **argv);

#endif
